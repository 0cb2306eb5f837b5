import AllotTrainer
import Foundation
import Testing

@Suite struct BaselinesTests {
    /// Three actions; the middle one lies below the chord of the others, so the frontier skips it.
    static let table = UtilityTable(
        actions: ["s", "m", "b"],
        rows: [
            TableRow(id: "1", text: "short", acc: [0, 0, 1], cost: [10, 20, 30]),
            TableRow(id: "2", text: "a much longer prompt", acc: [1, 0, 1], cost: [10, 20, 30]),
        ])

    @Test func frontierSkipsActionsBelowTheChord() {
        #expect(Baselines.frontier(Self.table) == [0, 2])  // (10, .5), (20, 0), (30, 1)
    }

    @Test func bestFixedMixesAdjacentFrontierActions() throws {
        let r = try Baselines.bestFixed(Self.table, budget: 25)
        #expect(r.actions == [0, 2])
        #expect(abs(r.meanCost - 25) < 1e-12)
        #expect(abs(r.accuracy - 0.875) < 1e-12)  // 0.25·0.5 + 0.75·1
        #expect(try Baselines.bestFixed(Self.table, budget: 100).accuracy == 1)
        #expect(throws: TableError.self) { try Baselines.bestFixed(Self.table, budget: 5) }
    }

    /// A table in another action order (a part of a table can order them by mean cost differently) is the same
    /// table, column for column, and so are its baselines; other actions are no order of it.
    @Test func aTableReorderedToAModelsActionsKeepsEveryColumn() throws {
        let r = try #require(Self.table.reordered(to: ["b", "s", "m"]))
        #expect(r.actions == ["b", "s", "m"])
        #expect(r.rows[1].acc == [1, 1, 0] && r.rows[1].cost == [30, 10, 20])
        #expect(try Baselines.bestFixed(r, budget: 25).accuracy == Baselines.bestFixed(Self.table, budget: 25).accuracy)
        #expect(Self.table.reordered(to: ["s", "m"]) == nil)
        #expect(Self.table.reordered(to: ["s", "m", "x"]) == nil)
    }

    @Test func randomInterpolatesCheapestAndCostliest() throws {
        let r = try Baselines.random(Self.table, budget: 20)
        #expect(abs(r.meanCost - 20) < 1e-12 && abs(r.accuracy - 0.75) < 1e-12)
    }

    @Test func promptLengthSendsLongPromptsUp() throws {
        // Budget 20: one of two rows can take the 30-cost action; the longer prompt (row 2) gets it.
        let r = try Baselines.promptLength(Self.table, budget: 20)
        #expect(r.rows.map(\.p) == [0, 1])
        #expect(abs(r.meanCost - 20) < 1e-12 && abs(r.accuracy - 0.5) < 1e-12)
        // Equal lengths share the boundary evenly.
        let flat = try Baselines.promptLength(Self.table, budget: 20, length: { _ in 1 })
        #expect(flat.rows.map(\.p) == [0.5, 0.5])
    }

    /// Every baseline hits the budget, and best fixed is never beaten by another mixture of fixed actions.
    @Test func baselinesHitTheBudgetOnRandomTables() throws {
        var rng = SeededRandom(seed: 11)
        for _ in 0..<40 {
            let t = randomTable(rows: 30, actions: 4, rng: &rng)
            let (acc, cost) = (t.meanAccuracy, t.meanCost)
            guard let lo = cost.min(), let hi = cost.max(), hi > lo else { continue }
            for _ in 0..<10 {
                let b = Double.random(in: lo...hi, using: &rng)
                let fixed = try Baselines.bestFixed(t, budget: b)
                let maxAcc = acc.max() ?? 0
                let binds = b < (Baselines.frontier(t).last.map { cost[$0] } ?? 0)
                for r in [fixed, try Baselines.random(t, budget: b), try Baselines.promptLength(t, budget: b)] {
                    #expect(r.meanCost <= b * (1 + 1e-9))
                    if binds || r.name == "random" { #expect(abs(r.meanCost - b) <= 1e-9 * b) }
                }
                for i in acc.indices {
                    for j in acc.indices where cost[i] <= b && cost[j] >= b && cost[j] > cost[i] {
                        let w = (b - cost[i]) / (cost[j] - cost[i])
                        #expect((1 - w) * acc[i] + w * acc[j] <= fixed.accuracy + 1e-12)
                    }
                }
                #expect(fixed.accuracy <= maxAcc + 1e-12)
                #expect(fixed.accuracy <= (try Solver.solve(t, budget: b)).accuracy + 1e-12)
            }
        }
    }
}

@Test func raggedTablesGetAnErrorNotATrap() throws {
    let ragged = UtilityTable(actions: ["a", "b"], rows: [TableRow(id: "1", text: nil, acc: [1], cost: [1, 2])])
    #expect(throws: TableError.self) { try Baselines.bestFixed(ragged, budget: 1.5) }
    #expect(throws: TableError.self) { try Baselines.random(ragged, budget: 1.5) }
    #expect(throws: TableError.self) { try Baselines.promptLength(ragged, budget: 1.5) }
    let s = Solver(table: ragged)  // the solver only considers actions a row has
    #expect(s.policy(lambda: 0) == [0])
    #expect(Solver.evaluate(ragged, [1]).accuracy == 0)
}
