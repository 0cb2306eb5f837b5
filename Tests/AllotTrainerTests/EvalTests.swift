import AllotModel
import AllotTrainer
import Foundation
import Testing

/// Writes a small table whose signal `hint` tells which prompts the cheap action solves.
private func writeTable() throws -> String {
    var rng = GBDTRandom(seed: 21)
    var rows: [TableRow] = []
    for i in 0..<240 {
        let easy = rng.nextUnit() < 0.5
        let acc: [Double] = easy ? [1, 1, 1] : [rng.nextUnit() < 0.2 ? 1 : 0, rng.nextUnit() < 0.5 ? 1 : 0, 1]
        let hint = (easy ? 1 : 0) + rng.nextUnit() * 0.3
        rows.append(TableRow(id: "q\(i)", text: "Question \(i): what is \(i) times 3?", acc: acc,
                             cost: [1 + rng.nextUnit() * 0.2, 2, 4], signals: ["hint": hint]))
    }
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("allot-eval-\(UUID().uuidString).jsonl").path
    try UtilityTable(actions: ["small", "medium", "large"], rows: rows).write(to: path)
    return path
}

private func quickOptions() -> LearnOptions {
    var o = LearnOptions()
    o.grid = [GBDTParameters(depth: 2, learningRate: 0.1, maxTrees: 30, l2: 5, minLeaf: 10, earlyStopping: 10)]
    o.costParams = GBDTParameters(depth: 2, maxTrees: 10)
    o.imitationParams = GBDTParameters(depth: 2, learningRate: 0.2, maxTrees: 8, earlyStopping: 4)
    o.budgetCount = 4
    o.alphas = [1, 0.5, 0]
    return o
}

@Test func evalReproducesTheCardsHeldOutFiguresAndOrdersTheBaselines() throws {
    let table = try writeTable()
    var recipe = LearnRun.Recipe(table: table, id: "tiny-eval")
    recipe.folds = 3
    recipe.hashBuckets = 8
    let learned = try LearnRun.run(recipe, options: quickOptions())
    let eval = try EvalRun.run(table: table, actions: nil, model: learned.package.bytes,
                               budgets: learned.result.budgets, folds: nil)
    #expect(eval.rows.count == learned.result.budgets.count)
    for (b, row) in eval.rows.enumerated() {
        // Same folds, seed and hyperparameters: the held-out policy equals what learn reported.
        #expect(abs(row.policy.accuracy - learned.result.policy[b].accuracy) < 1e-12)
        #expect(abs(row.oracle.accuracy - learned.result.oracle[b].accuracy) < 1e-12)
        let fixed = try #require(row.fixed)
        #expect(row.policy.accuracy >= fixed - 1e-9)
        #expect(row.oracle.accuracy >= fixed - 1e-9)
        #expect(try #require(row.random) <= fixed + 1e-9)
        #expect((0...1).contains(row.agreement))
    }
    // Reusing learn's held-out figures (what reproduce does) gives the same rows as recomputing them.
    let reused = try EvalRun.from(learned, table: table)
    for (a, b) in zip(eval.rows, reused.rows) {
        #expect(a.policy.accuracy == b.policy.accuracy && a.oracle.accuracy == b.oracle.accuracy)
        #expect(a.fixed == b.fixed && a.shipped.accuracy == b.shipped.accuracy && a.agreement == b.agreement)
        #expect(a.imitation?.point.accuracy == b.imitation?.point.accuracy)
    }
    let json = eval.json.text
    #expect(json.contains("\"policy\":") && json.contains("\"shipped_in_sample\":"))
    #expect(eval.plot.render().contains("policy (held out)"))
}

@Test func evalRejectsATableWithOtherActions() throws {
    let table = try writeTable()
    var recipe = LearnRun.Recipe(table: table, id: "tiny-eval")
    recipe.folds = 3
    recipe.hashBuckets = 8
    let learned = try LearnRun.run(recipe, options: quickOptions())
    var other = try UtilityTable.load(path: table)
    other.actions = ["a", "b", "c"]
    let path = table + ".other.jsonl"
    try other.write(to: path)
    #expect(throws: TableError.self) {
        try EvalRun.run(table: path, actions: nil, model: learned.package.bytes, budgets: nil, folds: nil)
    }
}
