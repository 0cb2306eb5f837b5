import AllotModel
import AllotTrainer
import Foundation
import Testing

/// A temporary repository root with one small table under Models/data.
private func makeRoot() throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("allot-repro-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: root + "/Models/data", withIntermediateDirectories: true)
    var rng = GBDTRandom(seed: 5)
    var rows: [TableRow] = []
    for i in 0..<150 {
        let easy = rng.nextUnit() < 0.5
        let acc: [Double] = easy ? [1, 1] : [rng.nextUnit() < 0.3 ? 1 : 0, rng.nextUnit() < 0.8 ? 1 : 0]
        rows.append(TableRow(id: "q\(i)", text: easy ? "add \(i) and 1" : "prove that \(i) is the answer",
                             acc: acc, cost: [10, 40]))
    }
    try UtilityTable(actions: ["small", "big"], rows: rows).write(to: root + "/Models/data/syn.jsonl")
    return root
}

/// Small settings so the test stays quick in debug builds; shipped models use the defaults.
private func quickOptions() -> LearnOptions {
    var o = LearnOptions()
    o.grid = [GBDTParameters(depth: 2, learningRate: 0.1, maxTrees: 30, l2: 5, minLeaf: 10, earlyStopping: 10)]
    o.costParams = GBDTParameters(depth: 2, maxTrees: 10)
    o.imitationParams = GBDTParameters(depth: 2, learningRate: 0.2, maxTrees: 8, earlyStopping: 4)
    o.alphas = [1, 0.5, 0]
    o.budgetCount = 4
    return o
}

@Test func reproduceRebuildsByteForByteAndCheckNamesWhatDiffers() throws {
    let root = try makeRoot()
    let options = quickOptions()
    var recipe = LearnRun.Recipe(table: "Models/data/syn.jsonl", id: "syn")
    recipe.folds = 3
    recipe.hashBuckets = 8
    let run = try LearnRun.run(recipe, root: root, options: options)
    try run.write(model: root + "/Models/syn.allot", card: root + "/Models/syn.card.md")

    // A link (Models/default.allot) is not a model of its own.
    try FileManager.default.createSymbolicLink(atPath: root + "/Models/default.allot",
                                               withDestinationPath: "syn.allot")
    #expect(try Reproducer(root: root, check: true, options: options).models() == ["Models/syn.allot"])

    // Models and cards match; the docs do not exist yet.
    let first = try Reproducer(root: root, check: true, options: options).run { _ in }
    #expect(Set(first.mismatches.map(\.path)) == ["docs/syn.svg", "docs/results.md"])
    #expect(first.written.isEmpty)

    let written = try Reproducer(root: root, check: false, options: options).run { _ in }
    #expect(Set(written.written) == ["docs/syn.svg", "docs/results.md"])
    #expect(try Reproducer(root: root, check: true, options: options).run { _ in }.mismatches.isEmpty)
    let results = try String(contentsOfFile: root + "/docs/results.md", encoding: .utf8)
    #expect(results.contains("## syn") && results.contains("![syn: accuracy at matched mean cost](syn.svg)"))

    // A hand edit of the card is caught, with the offset of the first differing byte.
    let cardPath = root + "/Models/syn.card.md"
    var card = try [UInt8](Data(contentsOf: URL(fileURLWithPath: cardPath)))
    card[10] ^= 0x01
    try Data(card).write(to: URL(fileURLWithPath: cardPath))
    let edited = try Reproducer(root: root, check: true, options: options).run { _ in }
    #expect(edited.mismatches.map(\.path) == ["Models/syn.card.md"])
    #expect(edited.mismatches.first?.firstDifference == 10)
}

@Test func recipeRoundTripsThroughTheCard() throws {
    var recipe = LearnRun.Recipe(table: "Models/data/x.jsonl", actions: "Models/data/x.actions.json", id: "x")
    recipe.version = 7
    recipe.folds = 4
    recipe.seed = 99
    recipe.hashBuckets = 128
    recipe.ngramMax = 1
    recipe.createdAt = 1_700_000_000
    let card = LearnJSON.object([("recommended_budget", .number(1)), ("recipe", recipe.cardJSON)]).text
    #expect(LearnRun.Recipe(card: card) == recipe)
    #expect(!card.contains("max_trees"))  // cards of models learned without a cap stay as they were
    #expect(LearnRun.Recipe(card: "{}") == nil)
    #expect(LearnRun.Recipe(card: "not json") == nil)
    recipe.maxTrees = 150
    let capped = LearnJSON.object([("recipe", recipe.cardJSON)]).text
    #expect(LearnRun.Recipe(card: capped) == recipe)
}

/// `maxTrees` caps every head, utility and cost, and the recipe (so `reproduce`) keeps it.
@Test func maxTreesCapsEveryHead() throws {
    let root = try makeRoot()
    var options = quickOptions()
    options.grid[0].maxTrees = 60
    options.grid[0].earlyStopping = 60  // would grow every head to 60 trees
    options.costParams.maxTrees = 40
    var recipe = LearnRun.Recipe(table: "Models/data/syn.jsonl", id: "syn")
    recipe.folds = 3
    recipe.hashBuckets = 8
    let full = try LearnRun.run(recipe, root: root, options: options).package.model
    recipe.maxTrees = 7
    let run = try LearnRun.run(recipe, root: root, options: options)
    let heads = run.package.model.utility + run.package.model.cost.compactMap { $0 }
    #expect(full.utility.contains { $0.treeCount > 7 })
    #expect(!heads.isEmpty && heads.allSatisfy { $0.treeCount <= 7 })
    #expect(LearnRun.Recipe(card: run.package.model.card)?.maxTrees == 7)
}
