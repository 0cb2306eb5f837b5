import AllotModel
import AllotModelWriter
import AllotPolicy
import Foundation

/// Turns a `LearnResult` into the shipped model: quantized heads, the budget -> λ table priced with the quantized
/// policy as the device runs it, the quantization agreement, and the card summary.
package struct LearnPackage: Sendable {
    package var model: AllotModelFile
    package var bytes: [UInt8]
    /// `QuantizationReport`'s agreement: the lowest, over 65 prices spanning the λ table, share of training rows
    /// where the quantized policy chooses what the float one does.
    package var quantizationAgreement: Double
    /// Leaf bits `QuantizationReport.quantize` settled on (the fewest that keep >= 99.7% agreement).
    package var leafBits: Int
    /// Oracle λ* per interior budget (for the card; the file's table holds the learned policy's price).
    package var oracleLambdas: [Double]

    /// Budgets of the λ table: the cheapest action's mean cost, the interior grid, the costliest's.
    package static func tableBudgets(_ d: LearnData, interior: [Double]) -> [Double] {
        [d.meanCost.min() ?? 0] + interior + [d.meanCost.max() ?? 0]
    }

    package static func build(_ result: LearnResult, data d: LearnData, spec: FeatureSpec, info: ModelInfo,
                              card: (LearnPackage) -> LearnJSON) throws -> LearnPackage {
        let heads = result.heads
        let actions = d.table.actions.enumerated().map { a, name in
            ActionSpec(name: name, params: d.table.actionParams[name] ?? "{}", meanCost: d.meanCost[a])
        }
        let acc = d.table.rows.map(\.acc)
        let trueCost = d.table.rows.map(\.cost)

        // The float policy (as trained) on the training rows, and the prices it needs for the table's budgets.
        let floors = d.meanCost.map { 1e-3 * $0 }
        let float = (0..<d.rowCount).map { r in
            let p = heads.predict(d.data, row: r)
            return (p.utility, p.cost.indices.map { Swift.max(p.cost[$0], floors[$0]) })
        }
        let floatCurve = EvalCurve(score: float.map(\.0), predictedCost: float.map(\.1), acc: acc, cost: trueCost)
        let budgets = tableBudgets(d, interior: result.budgets)
        let prices = priceGrid(budgets.map { floatCurve.match(budget: $0).lambda })

        // Fewest leaf bits whose decisions match the float model's on >= 99.7% of the rows at every price.
        let floatUtility = heads.utility.map { FloatHead(base: $0.base, trees: $0.trees) }
        let floatCost = heads.cost.map { $0.map { FloatHead(base: $0.base, trees: $0.trees) } }
        let codes = (0..<d.rowCount).flatMap { d.data.row($0) }
        let template = AllotModelFile(
            info: info, features: spec, actions: actions, bins: d.data.bins,
            utility: heads.utility.map { Head.quantize(base: $0.base, trees: $0.trees) },
            cost: heads.cost.map { $0.map { Head.quantize(base: $0.base, trees: $0.trees) } }, lambdaTable: [])
        var (model, report) = try QuantizationReport.quantize(template: template, utility: floatUtility,
                                                              cost: floatCost, codes: codes, lambdas: prices)

        // The λ table, priced with the quantized policy exactly as the device evaluates it.
        let policy = try Policy(model: model)
        let served = d.features.map { policy.evaluate(features: $0) }
        let quantized = EvalCurve(score: served.map(\.utilities), predictedCost: served.map(\.costs), acc: acc,
                                  cost: trueCost)
        // Sorted by budget with non-increasing λ; equal budgets (one action) collapse.
        var table: [LambdaPoint] = []
        for b in budgets where table.last.map({ b > $0.budget }) ?? true {
            let p = quantized.match(budget: b)
            var q = LambdaPoint(budget: b, lambda: p.lambda, mix: p.mix)
            if let last = table.last, q.lambda > last.lambda { q.lambda = last.lambda }
            table.append(q)
        }
        model.lambdaTable = table
        var package = LearnPackage(model: model, bytes: [], quantizationAgreement: report.minAgreement,
                                   leafBits: report.leafBits ?? 16, oracleLambdas: result.oracle.map(\.lambda))
        package.model.card = card(package).text
        package.bytes = try ModelWriter.encode(package.model)
        return package
    }

    /// `0` and 64 prices log-spaced from half the smallest to twice the largest positive price: agreement is
    /// measured across the range the device will use, not only at breakpoints (where a row is tied by
    /// construction and any rounding flips it).
    static func priceGrid(_ lambdas: [Double]) -> [Double] {
        let positive = lambdas.filter { $0 > 0 && $0 < 1e11 }
        guard let lo = positive.min(), let hi = positive.max() else { return [0] }
        let a = lo / 2
        let ratio = (hi * 2) / a
        return [0] + (0..<64).map { a * Foundation.pow(ratio, Double($0) / 63) }
    }
}
