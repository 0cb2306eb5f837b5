import AllotModel
import AllotModelWriter
import AllotPolicy
import Foundation
import Testing

@Test func rejectsModelsThatDoNotLineUp() throws {
    var rng = SplitMix64(seed: 1)
    let good = TestModels.model(&rng)
    _ = try Policy(model: good)

    var m = good
    m.bins.edges.removeLast()
    #expect(throws: PolicyError.self) { try Policy(model: m) }
    m = good
    m.utility.removeLast()
    #expect(throws: PolicyError.self) { try Policy(model: m) }
    m = good
    m.utility[0].splitFeatures[0] = UInt16(TestModels.featureCount)
    #expect(throws: PolicyError.self) { try Policy(model: m) }
    m = good
    m.utility[1].leaves.removeLast()
    #expect(throws: PolicyError.self) { try Policy(model: m) }
    m = good
    m.utility[1].depths[0] = 11
    #expect(throws: PolicyError.self) { try Policy(model: m) }
    m = good
    m.actions[2].meanCost = 0
    #expect(throws: PolicyError.self) { try Policy(model: m) }
    m = good
    m.bins.edges[3] = [1, 1]
    #expect(throws: PolicyError.self) { try Policy(model: m) }
    m = good
    m.lambdaTable.reverse()
    #expect(throws: PolicyError.self) { try Policy(model: m) }
    m = good
    m.features.extractor = "nope"
    #expect(throws: PolicyError.self) { try Policy(model: m) }
}

@Test func evaluateMatchesTheHeadsAndFloorsCosts() throws {
    var rng = SplitMix64(seed: 2)
    var model = TestModels.model(&rng, costHeads: false)
    // A cost head that predicts negative costs everywhere gets floored to 1e-3 · meanCost.
    model.cost[3] = Head.quantize(base: -50, trees: [])
    let policy = try Policy(model: model)
    let f = TestModels.features(&rng)
    let (u, c) = policy.evaluate(features: f)
    var codes = [UInt8](repeating: 0, count: f.count)
    f.withUnsafeBufferPointer { fb in codes.withUnsafeMutableBufferPointer { model.bins.codes(fb, into: $0) } }
    for a in 0..<4 {
        let expected = codes.withUnsafeBufferPointer { model.utility[a].predict(codes: $0) }
        #expect(u[a] == Double(expected))
    }
    #expect(c[0] == 1 && c[1] == 2 && c[2] == 4)
    #expect(c[3] == 8e-3)
}

@Test func chooseTieBreaksTowardCheaperThenLowerIndex() {
    #expect(Policy.choose(utilities: [0.5, 0.5], costs: [2, 1], lambda: 0) == 1)
    #expect(Policy.choose(utilities: [0.5, 0.5, 0.5], costs: [1, 1, 3], lambda: 0) == 0)
    // At the breakpoint λ* = Δu/Δc the two are tied: π⁺ (cheaper) by default, π⁻ (costlier) when draw < mix.
    let u = [0.3, 0.7]
    let c = [1.0, 5.0]
    let lam = (u[1] - u[0]) / (c[1] - c[0])
    #expect(Policy.choose(utilities: u, costs: c, lambda: lam) == 0)
    #expect(Policy.choose(utilities: u, costs: c, lambda: lam, mix: 0.4, draw: 0.39) == 1)
    #expect(Policy.choose(utilities: u, costs: c, lambda: lam, mix: 0.4, draw: 0.41) == 0)
    #expect(Policy.choose(utilities: u, costs: c, lambda: lam * 0.99, mix: 0, draw: 0.5) == 1)
    // NaN predictions lose; an infinite price takes the cheapest action.
    #expect(Policy.choose(utilities: [.nan, 0.1], costs: [1, 2], lambda: 0) == 1)
    #expect(Policy.choose(utilities: [0.9, 0.1, 0.2], costs: [3, 2, 4], lambda: .infinity) == 1)
    #expect(Policy.choose(utilities: [Double](), costs: [], lambda: 1) == 0)
}

@Test(arguments: [3, 4, 5, 6])
func costIsNonIncreasingInLambdaAndZeroIsUtilityArgmax(seed: UInt64) throws {
    var rng = SplitMix64(seed: seed)
    let policy = try Policy(model: TestModels.model(&rng))
    let lambdas = [0.0] + (0..<60).map { 1e-4 * pow(2, Double($0) / 4) }
    for _ in 0..<200 {
        let (u, c) = policy.evaluate(features: TestModels.features(&rng))
        let zero = Policy.choose(utilities: u, costs: c, lambda: 0)
        #expect(u[zero] == u.max())
        #expect(u.indices.allSatisfy { u[$0] < u[zero] || c[$0] >= c[zero] })
        var last = Double.infinity
        var lastExpected = Double.infinity
        for lam in lambdas {
            let a = Policy.choose(utilities: u, costs: c, lambda: lam)
            #expect(c[a] <= last)
            last = c[a]
            // With mixing the expected cost (1-p)·c(π⁺) + p·c(π⁻) is non-increasing too.
            let hi = Policy.choose(utilities: u, costs: c, lambda: lam, mix: 1, draw: 0)
            let expected = 0.7 * c[a] + 0.3 * c[hi]
            #expect(expected <= lastExpected + 1e-12)
            #expect(c[hi] >= c[a])
            lastExpected = expected
        }
    }
}

@Test func decideWithScratchEqualsTheSteps() throws {
    var rng = SplitMix64(seed: 7)
    let policy = try Policy(model: TestModels.model(&rng))
    var scratch = DecisionScratch(policy: policy)
    for text in ["How many eggs does she sell?", "", "Let $x = \\frac{1}{2}$. Find x."] {
        let f = policy.extractor.extract(text: text, signals: ["probe": 3])
        let (u, c) = policy.evaluate(features: f)
        for lam in [0.0, 0.01, 0.1] {
            let expected = Policy.choose(utilities: u, costs: c, lambda: lam)
            scratch.signals[0] = 3
            let got = Array(text.utf8).withUnsafeBufferPointer {
                policy.decide(text: $0, lambda: lam, scratch: &scratch)
            }
            #expect(got == expected)
            #expect(scratch.utilities == u && scratch.costs == c)
        }
    }
}

@Test func splitMixIsReproducibleAndUniform() {
    var a = SplitMix64(seed: 42)
    var b = SplitMix64(seed: 42)
    var sum = 0.0
    for _ in 0..<10_000 {
        let x = a.nextUnit()
        #expect(x == b.nextUnit())
        #expect(x >= 0 && x < 1)
        sum += x
    }
    #expect(abs(sum / 10_000 - 0.5) < 0.02)
    // Reference value of SplitMix64 seeded with 0 (from the published C implementation).
    var z = SplitMix64(seed: 0)
    #expect(z.next() == 0xe220_a839_7b1d_cdaf)
}

/// A model whose trees read no feature (a fallback to the fixed allocation, trees: 0) predicts its constants
/// without reading the request: every text and signal gives what the full path gives; and a model with trees
/// still reads them (two texts that bin differently can differ).
@Test func aModelWithoutTreesPredictsItsConstantsWithoutReadingTheRequest() throws {
    var rng = SplitMix64(seed: 31)
    let constant = try Policy(model: TestModels.model(&rng, trees: 0))
    #expect(constant.model.featuresReadByTrees.isEmpty)
    var scratch = DecisionScratch(policy: constant)
    let texts = ["", "How many eggs?", String(repeating: "word 12 ", count: 200), "Σ\u{1F600}"]
    for text in texts {
        for signal: Float in [.nan, 0, 1] {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { t in
                [signal].withUnsafeBufferPointer { constant.predict(text: t, signals: $0, scratch: &scratch) }
            }
            var f = [Float](repeating: 0, count: constant.featureCount)
            bytes.withUnsafeBufferPointer { t in
                [signal].withUnsafeBufferPointer { s in
                    f.withUnsafeMutableBufferPointer { constant.extractor.extract(text: t, signals: s, into: $0) }
                }
            }
            let (u, c) = constant.evaluate(features: f)
            #expect(scratch.utilities == u && scratch.costs == c)
        }
    }
    let read = try Policy(model: TestModels.model(&rng, trees: 6))
    #expect(!read.model.featuresReadByTrees.isEmpty)
    var s2 = DecisionScratch(policy: read)
    var outputs = Set<[Double]>()
    for text in texts {
        Array(text.utf8).withUnsafeBufferPointer { t in
            [Float(1)].withUnsafeBufferPointer { read.predict(text: t, signals: $0, scratch: &s2) }
        }
        outputs.insert(s2.utilities + s2.costs)
    }
    #expect(outputs.count > 1)
}

/// `allot inspect` names the features the trees read: a text feature by its name, a hash bucket as `ngram_i`, a
/// signal as `signal:NAME`, in vector order; none for trees that are constants.
@Test func namesReadByTreesNameTheSplitFeatures() throws {
    var rng = SplitMix64(seed: 5)
    var m = TestModels.model(&rng, actions: 2, costHeads: false, trees: 1)
    // One depth-3 tree per head: "how_many" (17), bucket 2 (28 + 2) and the signal (28 + 8).
    let tree = FloatTree(features: [36, 17, 30], thresholds: [1, 1, 1], leaves: [0, 1, 2, 3, 4, 5, 6, 7])
    m.utility = m.utility.map { _ in Head.quantize(base: 0.5, trees: [tree]) }
    #expect(FeatureExtractor.namesReadByTrees(m) == ["how_many", "ngram_2", "signal:probe"])
    let all = FeatureExtractor.names(spec: m.features)
    let random = TestModels.model(&rng, trees: 6)
    #expect(FeatureExtractor.namesReadByTrees(random) == random.featuresReadByTrees.map { all[$0] })
    #expect(FeatureExtractor.namesReadByTrees(TestModels.model(&rng, trees: 0)).isEmpty)
}
