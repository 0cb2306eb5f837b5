import AllotModel
import AllotPolicy
import Foundation

/// Turns a `LearnResult` into the shipped model: quantized heads, the budget -> λ table priced with the quantized
/// policy as the device runs it, the quantization agreement, and the card summary.
package struct LearnPackage: Sendable {
    package var model: AllotModelFile
    package var bytes: [UInt8]
    /// Share of (training row, price) pairs, over 65 prices spanning the λ table, where the quantized policy
    /// chooses what the float one does.
    package var quantizationAgreement: Double
    /// Oracle λ* per interior budget (for the card; the file's table holds the learned policy's price).
    package var oracleLambdas: [Double]

    /// Budgets of the λ table: the cheapest action's mean cost, the interior grid, the costliest's.
    package static func tableBudgets(_ d: LearnData, interior: [Double]) -> [Double] {
        [d.meanCost.min() ?? 0] + interior + [d.meanCost.max() ?? 0]
    }

    package static func build(_ result: LearnResult, data d: LearnData, spec: FeatureSpec, info: ModelInfo,
                              card: (LearnPackage) -> LearnJSON) throws -> LearnPackage {
        let heads = result.heads
        let utility = heads.utility.map { Head.quantize(base: $0.base, trees: $0.trees) }
        let cost = heads.cost.map { $0.map { Head.quantize(base: $0.base, trees: $0.trees) } }
        let actions = d.table.actions.enumerated().map { a, name in
            ActionSpec(name: name, params: d.table.actionParams[name] ?? "{}", meanCost: d.meanCost[a])
        }
        var model = AllotModelFile(info: info, features: spec, actions: actions, bins: d.data.bins,
                                   utility: utility, cost: cost, lambdaTable: [])
        let policy = try Policy(model: model)

        // Predictions on the training rows, quantized (as served) and float (as trained).
        let served = d.features.map { policy.evaluate(features: $0) }
        let floors = d.meanCost.map { 1e-3 * $0 }
        let float = (0..<d.rowCount).map { r in
            let p = heads.predict(d.data, row: r)
            return (p.utility, p.cost.indices.map { Swift.max(p.cost[$0], floors[$0]) })
        }
        let acc = d.table.rows.map(\.acc)
        let trueCost = d.table.rows.map(\.cost)
        let quantized = EvalCurve(score: served.map(\.utilities), predictedCost: served.map(\.costs), acc: acc,
                                  cost: trueCost)
        let floatCurve = EvalCurve(score: float.map(\.0), predictedCost: float.map(\.1), acc: acc, cost: trueCost)

        let budgets = tableBudgets(d, interior: result.budgets)
        let table = budgets.map { b in
            let p = quantized.match(budget: b)
            return LambdaPoint(budget: b, lambda: p.lambda, mix: p.mix)
        }
        // Agreement over a log grid of prices spanning the table (not only at its breakpoints, where some row is
        // tied by construction and any rounding flips it).
        let positive = table.map(\.lambda).filter { $0 > 0 }
        var prices = [0.0]
        if let lo = positive.min(), let hi = positive.max() {
            let a = lo / 2
            let ratio = (hi * 2) / a
            prices += (0..<64).map { a * Foundation.pow(ratio, Double($0) / 63) }
        }
        var same = 0
        var total = 0
        for lambda in prices {
            let q = quantized.decisions(lambda: lambda)
            let f = floatCurve.decisions(lambda: lambda)
            same += zip(q, f).filter { $0 == $1 }.count
            total += q.count
        }
        // The table must be sorted by budget with non-increasing λ; equal budgets (one action) collapse.
        var sorted: [LambdaPoint] = []
        for p in table where sorted.last.map({ p.budget > $0.budget }) ?? true {
            var q = p
            if let last = sorted.last, q.lambda > last.lambda { q.lambda = last.lambda }
            sorted.append(q)
        }
        model.lambdaTable = sorted
        let agreement = Double(same) / Double(Swift.max(total, 1))
        var package = LearnPackage(model: model, bytes: [], quantizationAgreement: agreement,
                                   oracleLambdas: result.oracle.map(\.lambda))
        package.model.card = card(package).text
        package.bytes = try ModelWriter.encode(package.model)
        return package
    }
}
