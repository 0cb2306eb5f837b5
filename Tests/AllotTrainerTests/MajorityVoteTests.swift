import AllotTrainer
import Testing

@Suite struct MajorityVoteTests {
    /// Enumerates every b-subset of the samples (0 = gold, 1... = other answers, -1 = abstention) and scores it.
    static func bruteForce(_ samples: [Int], _ b: Int) -> Double {
        let n = samples.count
        var total = 0.0
        var count = 0.0
        for mask in 0..<(1 << n) where mask.nonzeroBitCount == b {
            var votes: [Int: Int] = [:]
            for i in 0..<n where mask & (1 << i) != 0 && samples[i] >= 0 { votes[samples[i], default: 0] += 1 }
            count += 1
            guard let top = votes.values.max(), votes[0] == top else { continue }
            total += 1 / Double(votes.values.filter { $0 == top }.count)
        }
        return total / count
    }

    static func groups(_ samples: [Int]) -> (gold: Int, others: [Int], abstentions: Int) {
        var counts: [Int: Int] = [:]
        for s in samples { counts[s, default: 0] += 1 }
        return (counts[0] ?? 0, counts.filter { $0.key > 0 }.sorted { $0.key < $1.key }.map(\.value), counts[-1] ?? 0)
    }

    @Test func handComputedCases() {
        // One sample: accuracy is the share of gold samples.
        #expect(MajorityVote.expectedAccuracy(gold: 3, others: [7], abstentions: 0, votes: 1) == 0.3)
        // Two samples of {gold, x}: both drawn, tie 1-1, gold earns 1/2.
        #expect(MajorityVote.expectedAccuracy(gold: 1, others: [1], abstentions: 0, votes: 2) == 0.5)
        // {g, g, x}, 2 votes: {g,g} wins (1 of 3 subsets), {g,x} ties twice (1/2 each): (1 + 0.5 + 0.5) / 3.
        let e = MajorityVote.expectedAccuracy(gold: 2, others: [1], abstentions: 0, votes: 2) ?? -1
        #expect(abs(e - 2.0 / 3) < 1e-15)
        // An abstention does not vote: {g, ∅}, 2 votes: gold alone wins.
        #expect(MajorityVote.expectedAccuracy(gold: 1, others: [], abstentions: 1, votes: 2) == 1)
        // No gold sample: never right. Too many votes: nil.
        #expect(MajorityVote.expectedAccuracy(gold: 0, others: [4], abstentions: 0, votes: 3) == 0)
        #expect(MajorityVote.expectedAccuracy(gold: 1, others: [1], abstentions: 0, votes: 3) == nil)
    }

    @Test func agreesWithBruteForceEnumeration() {
        var rng = SeededRandom(seed: 21)
        for _ in 0..<150 {
            let n = Int.random(in: 1...11, using: &rng)
            let kinds = Int.random(in: 1...4, using: &rng)
            let samples = (0..<n).map { _ in Int.random(in: -1..<kinds, using: &rng) }
            let (g, o, a) = Self.groups(samples)
            for b in 1...n {
                let exact = MajorityVote.expectedAccuracy(gold: g, others: o, abstentions: a, votes: b) ?? -1
                #expect(abs(exact - Self.bruteForce(samples, b)) < 1e-12, "samples \(samples) b \(b)")
            }
        }
    }

    /// Large cases stay finite, in [0, 1], and sum with the other answers' chances to at most 1.
    @Test func largeCasesAreWellFormed() {
        for b in [1, 2, 4, 8, 16, 32] {
            let e = MajorityVote.expectedAccuracy(gold: 40, others: [30, 20, 5, 3, 1, 1], abstentions: 0, votes: b)
            let x = MajorityVote.expectedAccuracy(gold: 30, others: [40, 20, 5, 3, 1, 1], abstentions: 0, votes: b)
            let y = MajorityVote.expectedAccuracy(gold: 20, others: [40, 30, 5, 3, 1, 1], abstentions: 0, votes: b)
            guard let e, let x, let y else {
                Issue.record("nil at b \(b)")
                continue
            }
            #expect(e >= 0 && e <= 1 && e > x && x > y && e + x + y <= 1 + 1e-12)
        }
        // With a clear plurality, more votes help.
        let curve = [1, 3, 9, 27].compactMap {
            MajorityVote.expectedAccuracy(gold: 50, others: [30, 20], abstentions: 0, votes: $0)
        }
        #expect(zip(curve, curve.dropFirst()).allSatisfy { $0 < $1 })
    }
}
