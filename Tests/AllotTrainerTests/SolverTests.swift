import AllotTrainer
import Foundation
import Testing

/// Random tables for property tests: `n` rows, `k` actions, accuracies on a coarse grid so ties happen.
func randomTable(rows n: Int, actions k: Int, rng: inout SeededRandom, binary: Bool = false) -> UtilityTable {
    let rows = (0..<n).map { i in
        TableRow(
            id: "r\(i)", text: nil,
            acc: (0..<k).map { _ in
                binary ? Double(Int.random(in: 0...1, using: &rng)) : Double(Int.random(in: 0...4, using: &rng)) / 4
            },
            cost: (0..<k).map { j in Double(j + 1) * 10 + Double(Int.random(in: 0...8, using: &rng)) })
    }
    return UtilityTable(actions: (0..<k).map { "a\($0)" }, rows: rows)
}

@Suite struct SolverTests {
    /// Direct per-row argmax of acc − λ·cost, ties to the cheaper action, then the lower index.
    static func argmax(_ row: TableRow, _ lambda: Double) -> Int {
        var best = 0
        for a in row.acc.indices.dropFirst() {
            let (u, v) = (row.acc[a] - lambda * row.cost[a], row.acc[best] - lambda * row.cost[best])
            if u > v || (u == v && row.cost[a] < row.cost[best]) { best = a }
        }
        return best
    }

    @Test func policyMatchesDirectArgmax() {
        var rng = SeededRandom(seed: 1)
        for _ in 0..<50 {
            let t = randomTable(rows: 20, actions: 4, rng: &rng)
            let s = Solver(table: t)
            for _ in 0..<20 {
                let lambda = Double.random(in: 0...0.2, using: &rng)
                #expect(s.policy(lambda: lambda) == t.rows.map { Self.argmax($0, lambda) })
            }
        }
    }

    @Test func costIsMonotoneNonIncreasingInLambda() {
        var rng = SeededRandom(seed: 2)
        for _ in 0..<30 {
            let t = randomTable(rows: 30, actions: 5, rng: &rng)
            let s = Solver(table: t)
            let lambdas = (0..<40).map { _ in Double.random(in: 0...0.3, using: &rng) }.sorted()
            let costs = lambdas.map { Solver.evaluate(t, s.policy(lambda: $0)).meanCost }
            #expect(zip(costs, costs.dropFirst()).allSatisfy { $0 >= $1 })
            #expect(
                zip(s.curve, s.curve.dropFirst()).allSatisfy { $0.meanCost < $1.meanCost && $0.accuracy < $1.accuracy })
        }
    }

    @Test func mixingHitsTheBudget() throws {
        var rng = SeededRandom(seed: 3)
        for _ in 0..<30 {
            let t = randomTable(rows: 40, actions: 4, rng: &rng, binary: true)
            let s = Solver(table: t)
            guard let lo = s.curve.first?.meanCost, let hi = s.curve.last?.meanCost, hi > lo else { continue }
            for _ in 0..<20 {
                let b = Double.random(in: lo...hi, using: &rng)
                let sol = try s.solve(budget: b)
                #expect(abs(sol.meanCost - b) <= 1e-9 * b)
                #expect(sol.mix >= 0 && sol.mix <= 1)
                #expect(
                    Solver.evaluate(t, sol.low).meanCost <= b + 1e-9
                        && Solver.evaluate(t, sol.high).meanCost >= b - 1e-9)
            }
        }
    }

    @Test func lambdaZeroGivesMaximumAccuracy() throws {
        var rng = SeededRandom(seed: 4)
        let t = randomTable(rows: 50, actions: 4, rng: &rng)
        let best = t.rows.map { $0.acc.max() ?? 0 }.reduce(0, +) / 50
        let s = Solver(table: t)
        #expect(abs(Solver.evaluate(t, s.policy(lambda: 0)).accuracy - best) < 1e-12)
        let sol = try s.solve(budget: 1e9)
        #expect(sol.lambda == 0 && !sol.budgetBinds && abs(sol.accuracy - best) < 1e-12)
        #expect(throws: TableError.self) { try s.solve(budget: 1) }
    }

    /// Brute force: the LP optimum is the upper concave envelope of all K^N deterministic policies at B.
    @Test func matchesBruteForceOnTinyTables() throws {
        var rng = SeededRandom(seed: 5)
        for trial in 0..<40 {
            let t = randomTable(rows: 4, actions: 3, rng: &rng, binary: trial % 2 == 0)
            var points: [(c: Double, a: Double)] = []
            for code in 0..<81 {
                var x = code
                let choice = (0..<4).map { _ in
                    defer { x /= 3 }
                    return x % 3
                }
                let e = Solver.evaluate(t, choice)
                points.append((e.meanCost, e.accuracy))
            }
            let s = Solver(table: t)
            guard let lo = s.curve.first?.meanCost, let hi = s.curve.last?.meanCost else { continue }
            for _ in 0..<10 {
                let b = Double.random(in: lo...(hi * 1.1), using: &rng)
                var best = points.filter { $0.c <= b }.map(\.a).max() ?? -1
                for p in points where p.c < b {
                    for q in points where q.c > b {
                        let w = (b - p.c) / (q.c - p.c)
                        best = max(best, (1 - w) * p.a + w * q.a)
                    }
                }
                #expect(abs(try s.solve(budget: b).accuracy - best) < 1e-9)
            }
        }
    }

    @Test func handComputedTwoRowCase() throws {
        // Row 1 gains 0.5 acc for 10 cost (slope 0.05); row 2 gains 1 for 30 (slope 1/30).
        let t = UtilityTable(
            actions: ["s", "b"],
            rows: [
                TableRow(id: "1", text: nil, acc: [0.5, 1], cost: [10, 20]),
                TableRow(id: "2", text: nil, acc: [0, 1], cost: [10, 40]),
            ])
        let s = Solver(table: t)
        #expect(s.curve.map(\.meanCost) == [10, 15, 30])
        #expect(s.curve.map(\.accuracy) == [0.25, 0.5, 1])
        let sol = try s.solve(budget: 20)  // between 15 and 30: λ* = 1/30, mix 1/3
        #expect(abs(sol.lambda - 1.0 / 30) < 1e-15)
        #expect(abs(sol.mix - 1.0 / 3) < 1e-12)
        #expect(abs(sol.accuracy - (0.5 + (1.0 / 3) * 0.5)) < 1e-12)
        #expect(sol.low == [1, 0] && sol.high == [1, 1] && sol.labels == [1, 0])
    }

    @Test func budgetGridSpansTheActions() throws {
        let t = try UtilityTable.load(path: TestPaths.data("gsm8k-ladder.jsonl"))
        let grid = Solver(table: t).budgetGrid(count: 9)
        #expect(grid.count == 9 && grid.first == t.meanCost.first && grid.last == t.meanCost.last)
        #expect(zip(grid, grid.dropFirst()).allSatisfy { $0 < $1 })
    }
}
