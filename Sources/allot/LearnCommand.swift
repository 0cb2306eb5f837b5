import AllotTrainer
import ArgumentParser
import Foundation

/// `allot learn`: a utility table in, a `.allot` model and its card out.
struct Learn: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Learn a λ-aware policy (boosted trees) from a utility table and write a .allot model.",
        discussion: """
            Cross-validates utility and cost heads over a small grid, picks the setting with the best held-out \
            accuracy at matched budget, shrinks toward (or falls back to) the best fixed allocation wherever it \
            does not beat it on held-out folds, and writes the model, its card (X.card.md) and a budget -> λ table.
            """)

    @Option(help: "Utility table (JSON Lines).") var table: String
    @Option(help: "Output model file (.allot).") var out: String
    @Option(help: "Actions file: action -> runtime params (JSON).") var actions: String?
    @Option(help: "Model id (default: the output file's base name).") var id: String?
    @Option(help: "Model version (monotonic).") var version: UInt64 = 1
    @Option(help: "Cross-validation folds.") var folds: Int = 5
    @Option(help: "Random seed (subsampling, folds).") var seed: UInt64 = 1
    @Option(help: "Hashed word n-gram buckets.") var buckets: UInt16 = 64
    @Option(help: "Creation time in the header (seconds since 1970; fixed by default, for reproducible files).")
    var created: Int64 = 1_790_000_000
    @Option(help: "Model card path (default: next to --out, X.card.md).") var card: String?
    @Option(help: """
        Cap on the trees of every head (default: 300 per utility head, 200 per cost head). Each tree costs a \
        served route one cache line; the cap is kept in the card, so `reproduce` rebuilds the same model.
        """)
    var maxTrees: Int?
    @Option(help: .hidden) var dumpFeatures: String?
    @Flag(help: "Print the results as one JSON object.") var json = false

    func validate() throws {
        guard LearnOptions.foldRange.contains(folds) else { throw ValidationError("--folds must be 2...20") }
        if let maxTrees, !(1...100_000).contains(maxTrees) { throw ValidationError("--max-trees must be 1...100000") }
    }

    func run() throws {
        let cardPath = card ?? LearnRun.cardPath(for: out)
        // One spelling per file: `.`, `..` and symbolic links resolved (a path that does not exist stays as given).
        func resolved(_ p: String) -> String {
            URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path
        }
        let inputs = Set(([table] + (actions.map { [$0] } ?? [])).map(resolved))
        let outputs = [out, cardPath] + (dumpFeatures.map { [$0] } ?? [])
        if Set(outputs.map(resolved)).count < outputs.count {
            throw ValidationError("the model, its card (and --dump-features) need paths of their own")
        }
        for path in outputs {
            if inputs.contains(resolved(path)) {
                throw ValidationError("\(path) is an input of this run; write the model and its card elsewhere")
            }
            // checked before the minutes of training, not after
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw ValidationError("cannot write \(path): its folder \(folder) does not exist")
            }
        }
        let name = id ?? URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent
        var recipe = LearnRun.Recipe(table: table, actions: actions, id: name)
        recipe.version = version
        recipe.folds = folds
        recipe.seed = seed
        recipe.hashBuckets = buckets
        recipe.createdAt = created
        recipe.maxTrees = maxTrees
        let run = try LearnRun.run(recipe)
        try run.write(model: out, card: cardPath)
        if let dumpFeatures { try run.dumpFeatures(to: dumpFeatures) }
        print(json ? run.summary.pretty : run.humanSummary(model: out, card: cardPath))
    }
}
