import AllotModel

/// A utility table joined with its feature matrix, binned once: what every fit and fold reads.
package struct LearnData: Sendable {
    package let table: UtilityTable
    package let data: BinnedData
    /// Raw feature vectors, row-major (for serving-path checks: `Policy.evaluate` bins them itself).
    package let features: [[Float]]
    /// `accuracy[a][r]` and `cost[a][r]`: per-action target columns.
    package let accuracy: [[Double]]
    package let cost: [[Double]]
    /// Whether action `a`'s cost varies across rows enough to deserve a cost head (relative std above 1%).
    package let costVaries: [Bool]
    package let meanAccuracy: [Double]
    package let meanCost: [Double]

    package var rowCount: Int { table.rows.count }
    package var actionCount: Int { table.actions.count }

    /// `features[r]` is row `r`'s feature vector (every row the same length). Bin edges come from all rows:
    /// binning looks at features only, never at labels, so folds share it without leaking outcomes.
    package init(table: UtilityTable, features: [[Float]]) {
        self.table = table
        self.features = features
        let width = features.first?.count ?? 0
        data = BinnedData(rows: features, bins: GBDTBinner.edges(rows: features, featureCount: width))
        let actions = table.actions.count
        let acc = (0..<actions).map { a in table.rows.map { $0.acc[a] } }
        let cost = (0..<actions).map { a in table.rows.map { $0.cost[a] } }
        let n = Double(Swift.max(table.rows.count, 1))
        let means = cost.map { $0.reduce(0, +) / n }
        accuracy = acc
        self.cost = cost
        meanAccuracy = acc.map { $0.reduce(0, +) / n }
        meanCost = means
        costVaries = (0..<actions).map { a in
            let v = cost[a].reduce(0) { $0 + ($1 - means[a]) * ($1 - means[a]) } / n
            return means[a] > 0 && v.squareRoot() > 0.01 * means[a]
        }
    }

    /// Fold of each row: a seeded shuffle dealt round-robin into `k` folds of near-equal size.
    package func folds(_ k: Int, seed: UInt64) -> [Int] {
        var order = Array(0..<rowCount)
        var rng = GBDTRandom(seed: seed ^ 0xF01D)
        rng.shuffle(&order)
        var fold = [Int](repeating: 0, count: rowCount)
        for (i, r) in order.enumerated() { fold[r] = i % Swift.max(k, 1) }
        return fold
    }

    /// Splits training rows into fitting rows and early-stopping rows (`share` of them), seeded.
    package static func holdOut(_ rows: [Int], share: Double, seed: UInt64) -> (fit: [Int], stop: [Int]) {
        var order = rows
        var rng = GBDTRandom(seed: seed ^ 0x57_0B)
        rng.shuffle(&order)
        let k = Int((Double(rows.count) * share).rounded())
        return (Array(order.dropFirst(k)).sorted(), Array(order.prefix(k)).sorted())
    }

    /// Mean of `column` over `rows`.
    package static func mean(_ column: [Double], _ rows: [Int]) -> Double {
        rows.isEmpty ? 0 : rows.reduce(0) { $0 + column[$1] } / Double(rows.count)
    }
}
