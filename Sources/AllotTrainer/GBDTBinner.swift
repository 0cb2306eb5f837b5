import AllotModel
import AllotModelWriter

/// Features binned once for training: bin codes per `FeatureBins` in a column-major byte matrix, so a histogram
/// pass over one feature reads contiguous memory.
package struct BinnedData: Sendable {
    package let rowCount: Int
    package let featureCount: Int
    /// `codes[f * rowCount + r]` is the code of row `r`, feature `f`.
    package let codes: [UInt8]
    /// Codes of feature `f` lie in `0..<binCounts[f]` (`edges + 2`: missing, and `edges + 1` value bins).
    package let binCounts: [Int]
    package let bins: FeatureBins

    /// Bins row-major `rows` (each `bins.featureCount` long; shorter rows read as missing).
    package init(rows: [[Float]], bins: FeatureBins) {
        let n = rows.count
        let m = bins.featureCount
        var codes = [UInt8](repeating: 0, count: n * m)
        for f in 0..<m {
            for r in 0..<n {
                let x = f < rows[r].count ? rows[r][f] : .nan
                codes[f * n + r] = bins.code(feature: f, x)
            }
        }
        self.rowCount = n
        self.featureCount = m
        self.codes = codes
        self.binCounts = bins.edges.map { $0.count + 2 }
        self.bins = bins
    }

    /// The codes of one row, in feature order (for `Head.predict` and `FloatTree.predict`).
    package func row(_ r: Int) -> [UInt8] {
        (0..<featureCount).map { codes[$0 * rowCount + r] }
    }
}

/// Quantile bin edges from training data.
package enum GBDTBinner {
    /// Edges for each feature of row-major `rows`: every distinct value gets its own bin when there are at most
    /// `maxEdges + 1` of them, otherwise bins of about equal counts. Edges sit midway between the neighbouring
    /// distinct values (or on the lower one when the midpoint does not separate them in `Float`), so serving's
    /// `code` sends every training value to the bin it had in training.
    package static func edges(rows: [[Float]], featureCount: Int, maxEdges: Int = FeatureBins.maxEdges) -> FeatureBins {
        var all: [[Float]] = []
        all.reserveCapacity(featureCount)
        for f in 0..<featureCount {
            var values: [Float] = []
            values.reserveCapacity(rows.count)
            for row in rows where f < row.count && row[f].isFinite { values.append(row[f]) }
            all.append(edges(of: values, maxEdges: Swift.max(0, Swift.min(maxEdges, FeatureBins.maxEdges))))
        }
        return FeatureBins(edges: all)
    }

    static func edges(of values: [Float], maxEdges: Int) -> [Float] {
        guard maxEdges > 0, !values.isEmpty else { return [] }
        let sorted = values.sorted()
        // Distinct values and the count of values up to and including each.
        var distinct: [Float] = []
        var cumulative: [Int] = []
        for (i, v) in sorted.enumerated() {
            if let last = distinct.last, last == v {
                cumulative[cumulative.count - 1] = i + 1
            } else {
                distinct.append(v)
                cumulative.append(i + 1)
            }
        }
        guard distinct.count > 1 else { return [] }
        var cuts: [Int] = []  // an edge after distinct[i]
        if distinct.count <= maxEdges + 1 {
            cuts = Array(0..<(distinct.count - 1))
        } else {
            let n = sorted.count
            var next = 1
            for i in 0..<(distinct.count - 1) where cuts.count < maxEdges {
                // Cut once the running count passes the next quantile boundary.
                if cumulative[i] * (maxEdges + 1) >= next * n {
                    cuts.append(i)
                    while next * n <= cumulative[i] * (maxEdges + 1) { next += 1 }
                }
            }
        }
        return cuts.map { i in
            let a = distinct[i]
            let b = distinct[i + 1]
            let mid = Float((Double(a) + Double(b)) / 2)
            return (mid > a && mid < b) ? mid : a
        }
    }
}
