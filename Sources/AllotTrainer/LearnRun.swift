import AllotModel
import AllotPolicy
import Foundation

/// One `allot learn` run, from files to files: what the command and `allot reproduce` both call.
///
/// The recipe (table, actions file, id, version, folds, seed, buckets, creation time) is stored in the model's
/// card, so `reproduce` can rebuild any shipped model from the model alone.
package struct LearnRun: Sendable {
    package struct Recipe: Sendable, Equatable {
        package var table: String
        package var actions: String?
        package var id: String
        package var version: UInt64 = 1
        package var folds = 5
        package var seed: UInt64 = 1
        package var hashBuckets: UInt16 = 64
        package var ngramMax: UInt8 = 2
        /// Creation time written into the header: fixed, never the clock, so files are reproducible.
        package var createdAt: Int64 = 1_790_000_000
        /// A cap on the trees of every head (nil: the grid's own, 300 for utility and 200 for cost heads). Each
        /// tree costs a served route one cache line; recorded in the card only when set.
        package var maxTrees: Int?

        package init(table: String, actions: String? = nil, id: String) {
            self.table = table
            self.actions = actions
            self.id = id
        }

        /// Reads a recipe back from a model's card JSON (`nil` when the card has none).
        package init?(card text: String) {
            guard let data = text.data(using: .utf8),
                  let card = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let r = card["recipe"] as? [String: Any], let table = r["table"] as? String,
                  let id = r["id"] as? String
            else { return nil }
            self.init(table: table, actions: r["actions"] as? String, id: id)
            func number(_ key: String) -> Double? { (r[key] as? NSNumber)?.doubleValue }
            func int<T: FixedWidthInteger>(_ key: String, _ fallback: T) -> T {
                guard let v = number(key), v.isFinite, v == v.rounded(), let t = T(exactly: v) else { return fallback }
                return t
            }
            version = int("version", version)
            folds = int("folds", folds)
            seed = int("seed", seed)
            hashBuckets = int("hash_buckets", hashBuckets)
            ngramMax = int("ngram_max", ngramMax)
            createdAt = int("created_at", createdAt)
            if let n = number("max_trees"), n.isFinite, n == n.rounded(), n >= 1, n <= 100_000 { maxTrees = Int(n) }
        }

        package var cardJSON: LearnJSON {
            .object([
                ("table", .string(table)), ("actions", actions.map { .string($0) } ?? .null), ("id", .string(id)),
                ("version", .number(Double(version))), ("folds", .number(Double(folds))),
                ("seed", .number(Double(seed))), ("hash_buckets", .number(Double(hashBuckets))),
                ("ngram_max", .number(Double(ngramMax))), ("created_at", .number(Double(createdAt))),
            ] + (maxTrees.map { [("max_trees", LearnJSON.number(Double($0)))] } ?? []))
        }

        /// `options` with every head's tree count capped at `maxTrees`.
        package func capped(_ options: LearnOptions) -> LearnOptions {
            guard let cap = maxTrees else { return options }
            var o = options
            o.grid = o.grid.map { p in
                var p = p
                p.maxTrees = Swift.min(p.maxTrees, cap)
                return p
            }
            o.costParams.maxTrees = Swift.min(o.costParams.maxTrees, cap)
            return o
        }
    }

    package var recipe: Recipe
    package var result: LearnResult
    package var package: LearnPackage
    package var data: LearnData
    package var card: LearnCard
    /// Wall-clock seconds spent learning (reported, never stored in the model).
    package var seconds: Double

    /// Loads the table, extracts features with the serving extractor, learns, and packages the model.
    /// Relative paths in the recipe are resolved against `root` (the repository), and stored as given.
    package static func run(_ recipe: Recipe, root: String? = nil, options base: LearnOptions = LearnOptions())
        throws -> LearnRun
    {
        let start = Date()
        let table = try UtilityTable.load(path: resolve(recipe.table, root), actionsFile: recipe.actions.map {
            resolve($0, root)
        })
        // Learning needs a choice to learn and, for its held-out figures, rows in every fold to train and test on.
        guard table.actions.count >= 2 else {
            throw TableError(.invalidArgument, "the table has one action (\(table.actions[0])): nothing to allocate",
                             path: recipe.table)
        }
        guard LearnOptions.foldRange.contains(recipe.folds) else {  // a recipe read from a card too
            throw TableError(.invalidArgument, "folds must be 2...20, got \(recipe.folds)", path: recipe.table)
        }
        guard table.rows.count >= 2 * recipe.folds else {
            throw TableError(.invalidArgument, "the table has \(table.rows.count) rows; \(recipe.folds)-fold "
                + "cross-validation needs at least \(2 * recipe.folds)", path: recipe.table)
        }
        // The model's cost heads are 32-bit floats, as are the sums a route makes of them.
        if let top = table.rows.lazy.flatMap(\.cost).max(), top > 1e30 {
            throw TableError(.invalidArgument, "the table's costs go up to \(top); a model holds costs up to 1e30: "
                + "give them in a larger unit", path: recipe.table)
        }
        let signals = Array(Set(table.rows.flatMap { $0.signals.keys })).sorted()
        let spec = FeatureSpec(hashBuckets: recipe.hashBuckets, ngramMax: recipe.ngramMax, signals: signals)
        let extractor = try FeatureExtractor(spec: spec)
        let features = table.rows.map { extractor.extract(text: $0.text, signals: $0.signals) }
        let d = LearnData(table: table, features: features)
        var options = recipe.capped(base)
        options.folds = recipe.folds
        options.seed = recipe.seed
        let result = Learner(d, options: options).run()
        let info = ModelInfo(id: recipe.id, version: recipe.version, createdAt: recipe.createdAt,
                             costUnit: costUnit(table))
        let card = LearnCard(result: result, data: d, info: info, source: recipe.table, folds: recipe.folds,
                             seed: recipe.seed)
        let package = try LearnPackage.build(result, data: d, spec: spec, info: info) { p in
            guard case .object(var pairs) = card.json(p) else {
                return .null
            }
            pairs.append(("recipe", recipe.cardJSON))
            return .object(pairs)
        }
        return LearnRun(recipe: recipe, result: result, package: package, data: d, card: card,
                        seconds: Date().timeIntervalSince(start))
    }

    package static func resolve(_ path: String, _ root: String?) -> String {
        guard let root, !path.hasPrefix("/") else { return path }
        return root + "/" + path
    }

    /// The cost unit named by the actions' params (`"cost_unit"`), else `"cost"`.
    static func costUnit(_ table: UtilityTable) -> String {
        for name in table.actions {
            guard let text = table.actionParams[name], let data = text.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let unit = object["cost_unit"] as? String
            else { continue }
            return unit
        }
        return "cost"
    }

    /// Writes the model file and its Markdown card.
    package func write(model path: String, card cardPath: String) throws {
        try Data(package.bytes).write(to: URL(fileURLWithPath: path))
        try Data(card.markdown(package: package, recipe: recipe).utf8).write(to: URL(fileURLWithPath: cardPath))
    }

    /// The card path that goes with a model path: `X.allot` -> `X.card.md`.
    package static func cardPath(for model: String) -> String {
        (model.hasSuffix(".allot") ? String(model.dropLast(6)) : model) + ".card.md"
    }
}
