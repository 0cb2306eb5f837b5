import AllotModel
import AllotPolicy
import Foundation

/// `allot eval`: every allocation at matched mean cost on one table.
///
/// Held out (k-fold, the model's own folds, seed and hyperparameters, so the figures equal the card's): our
/// policy and the paper's imitation classifier. Not learned, so no folds needed: best fixed allocation, random,
/// prompt length, oracle. In-sample (the shipped model scored on the table, which is usually its training
/// table): `shipped`, reported for reference and never as the headline.
package struct EvalRun: Sendable {
    package struct Row: Sendable {
        package var budget: Double
        package var fixed: Double?
        package var random: Double?
        package var length: Double?
        package var imitation: ImitationLearner.Result?
        /// Held-out policy (k-fold) at matched cost.
        package var policy: EvalCurve.Point
        /// The shipped file's policy on this table (in-sample when the table is its training table).
        package var shipped: EvalCurve.Point
        package var oracle: EvalCurve.Point
        /// How often the held-out policy picks the oracle's label.
        package var agreement: Double

        package var gain: Double? { fixed.map { $0 > 0 ? policy.accuracy / $0 - 1 : 0 } }
        package var gapClosed: Double? {
            fixed.map { f in oracle.accuracy - f > 0 ? (policy.accuracy - f) / (oracle.accuracy - f) : 0 }
        }
    }

    package var model: AllotModelFile
    package var table: String
    package var folds: Int
    package var alpha: Double
    package var params: GBDTParameters
    package var rows: [Row]
    /// Each action's mean accuracy on the table (the plot's action marks).
    package var actionAccuracy: [Double]
    package var seconds: Double

    /// The evaluation of a model `learn` has just built: its held-out figures are reused, not recomputed
    /// (`reproduce` relies on this to stay fast); only the baselines and the in-sample score are computed.
    package static func from(_ run: LearnRun, table path: String) throws -> EvalRun {
        let start = Date()
        let r = run.result
        let policy = try Policy(model: run.package.model)
        let imitation = r.imitation.count == r.budgets.count ? r.imitation : []
        let rows = assemble(run.data, policy: policy, budgets: r.budgets, heldOut: r.policy, agreement: r.agreement,
                            imitation: imitation, oracle: r.oracle)
        return EvalRun(model: run.package.model, table: path, folds: run.recipe.folds, alpha: r.alpha,
                       params: r.params, rows: rows, actionAccuracy: run.data.meanAccuracy,
                       seconds: Date().timeIntervalSince(start))
    }

    /// Rows from held-out points, adding the baselines and the shipped file's in-sample score.
    static func assemble(_ d: LearnData, policy: Policy, budgets: [Double], heldOut: [EvalCurve.Point],
                         agreement: [Double], imitation: [ImitationLearner.Result],
                         oracle: [EvalCurve.Point]) -> [Row] {
        let table = d.table
        let served = d.features.map { policy.evaluate(features: $0) }
        let shipped = EvalCurve(score: served.map(\.utilities), predictedCost: served.map(\.costs),
                                acc: table.rows.map(\.acc), cost: table.rows.map(\.cost))
        return budgets.enumerated().map { b, budget in
            Row(budget: budget,
                fixed: (try? Baselines.bestFixed(table, budget: budget))?.accuracy,
                random: (try? Baselines.random(table, budget: budget))?.accuracy,
                length: (try? Baselines.promptLength(table, budget: budget))?.accuracy,
                imitation: b < imitation.count ? imitation[b] : nil, policy: heldOut[b],
                shipped: shipped.match(budget: budget), oracle: oracle[b], agreement: agreement[b])
        }
    }

    package static func run(table path: String, actions: String?, model bytes: [UInt8], budgets: [Double]?,
                            folds: Int?) throws -> EvalRun {
        let start = Date()
        let model = try ModelReader.decode(bytes)
        let policy = try Policy(model: model)
        let loaded = try UtilityTable.load(path: path, actionsFile: actions)
        guard let table = loaded.reordered(to: model.actions.map(\.name)) else {
            throw TableError(.invalidArgument, "the table's actions \(loaded.actions) are not the model's "
                + "\(model.actions.map(\.name))", path: path)
        }
        let features = table.rows.map { policy.extractor.extract(text: $0.text, signals: $0.signals) }
        let d = LearnData(table: table, features: features)
        let card = EvalCardSettings(json: model.card)

        var options = LearnOptions()
        options.folds = folds ?? card.folds
        guard LearnOptions.foldRange.contains(options.folds) else {  // --folds, or the card's recipe
            throw TableError(.invalidArgument, "folds must be 2...20, got \(options.folds)", path: path)
        }
        options.seed = card.seed
        options.grid = [card.params]
        options.costParams = card.costParams
        options.imitationParams = card.imitationParams
        options.budgetList = budgets
        let learner = Learner(d, options: options)
        let (oracleAt, labels) = learner.oracleSolutions()
        let heldOut = card.alpha > 0 ? learner.crossValidate(grid: [card.params])[0].curve(d, alpha: card.alpha)
            : learner.fixed
        let imitation = ImitationLearner(learner: learner).crossValidate(
            budgetIndices: Array(learner.budgets.indices), labels: labels)
        let points = learner.budgets.map { heldOut.match(budget: $0) }
        let agreement = learner.budgets.indices.map { heldOut.agreement(at: points[$0], with: labels[$0]) }
        let rows = assemble(d, policy: policy, budgets: learner.budgets, heldOut: points, agreement: agreement,
                            imitation: imitation, oracle: oracleAt)
        return EvalRun(model: model, table: path, folds: options.folds, alpha: card.alpha, params: card.params,
                       rows: rows, actionAccuracy: d.meanAccuracy, seconds: Date().timeIntervalSince(start))
    }
}

/// The training settings `allot learn` stored in a model's card JSON (defaults when absent).
struct EvalCardSettings {
    var params = LearnOptions.defaultGrid[0]
    var costParams = LearnOptions().costParams
    var imitationParams = LearnOptions().imitationParams
    var alpha = 1.0
    var folds = 5
    var seed: UInt64 = 1

    init(json text: String) {
        guard let data = text.data(using: .utf8),
              let card = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return }
        func number(_ o: [String: Any]?, _ key: String) -> Double? { (o?[key] as? NSNumber)?.doubleValue }
        if let a = number(card, "shrink_alpha") { alpha = a }
        let cv = card["cross_validation"] as? [String: Any]
        if let f = number(cv, "folds"), f >= 2, f <= 100 { folds = Int(f) }
        if let s = number(cv, "seed"), s >= 0, s < 9e15 { seed = UInt64(s) }
        Self.read(card["params"] as? [String: Any], into: &params)
        Self.read(card["cost_params"] as? [String: Any], into: &costParams)
        Self.read(card["imitation_params"] as? [String: Any], into: &imitationParams)
    }

    private static func read(_ p: [String: Any]?, into params: inout GBDTParameters) {
        func number(_ key: String) -> Double? { (p?[key] as? NSNumber)?.doubleValue }
        func int(_ key: String, _ range: ClosedRange<Int>) -> Int? {
            number(key).flatMap { $0.isFinite && Double(range.lowerBound) <= $0 && $0 <= Double(range.upperBound)
                ? Int($0) : nil }
        }
        if let v = int("depth", 1...Head.maxDepth) { params.depth = v }
        if let v = number("learning_rate"), v > 0, v <= 1 { params.learningRate = v }
        if let v = int("max_trees", 1...10_000) { params.maxTrees = v }
        if let v = number("l2"), v >= 0, v.isFinite { params.l2 = v }
        if let v = int("min_leaf", 1...1_000_000) { params.minLeaf = v }
        if let v = number("row_fraction"), v > 0, v <= 1 { params.rowFraction = v }
        if let v = number("feature_fraction"), v > 0, v <= 1 { params.featureFraction = v }
        if let v = int("early_stopping", 0...10_000) { params.earlyStopping = v }
    }
}
