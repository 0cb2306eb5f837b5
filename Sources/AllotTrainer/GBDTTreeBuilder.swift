import AllotModel
import AllotModelWriter

/// Grows one oblivious tree from gradients and hessians by histogram split search.
///
/// At level `l` the current `2^l` leaves all take the same split `(f, t)` (rows with `code > t` go to the 1-side).
/// The split maximises `Σ_leaves [G_L²/(H_L+λ₂) + G_R²/(H_R+λ₂)]`, the second-order gain (for squared loss,
/// the reduction of the squared error summed over all leaves); a leaf whose children would fall below `minLeaf`
/// rows scores as unsplit. Ties go to the lowest feature, then the lowest threshold, so trees are deterministic.
package struct GBDTTreeBuilder {
    let data: BinnedData
    let params: GBDTParameters
    // Scratch reused across trees and levels.
    private var histG: [Double]
    private var histH: [Double]
    private var histN: [Int32]
    private var leafOf: [Int32]

    package init(data: BinnedData, params: GBDTParameters) {
        self.data = data
        self.params = params
        let maxBins = data.binCounts.max() ?? 1
        let size = (1 << params.depth) * maxBins
        histG = [Double](repeating: 0, count: size)
        histH = [Double](repeating: 0, count: size)
        histN = [Int32](repeating: 0, count: size)
        leafOf = []
    }

    /// Grows a tree on `rows` (indices into `data`) with per-row `grad`/`hess` (indexed by data row), splitting only
    /// on `features`. Returns `nil` when no split improves the fit. Leaf values include the learning rate.
    package mutating func grow(rows: [Int], features: [Int], grad: [Double], hess: [Double],
                               leafScale: Double = 1) -> FloatTree? {
        let n = data.rowCount
        let lambda = params.l2
        let minLeaf = Int32(params.minLeaf)
        leafOf = [Int32](repeating: 0, count: rows.count)
        var splitFeatures: [UInt16] = []
        var splitThresholds: [UInt8] = []

        for level in 0..<params.depth {
            let leaves = 1 << level
            // Unsplit score of the current leaves.
            var leafG = [Double](repeating: 0, count: leaves)
            var leafH = [Double](repeating: 0, count: leaves)
            var leafN = [Int32](repeating: 0, count: leaves)
            for (i, r) in rows.enumerated() {
                let k = Int(leafOf[i])
                leafG[k] += grad[r]
                leafH[k] += hess[r]
                leafN[k] += 1
            }
            var parentScore = 0.0
            for k in 0..<leaves { parentScore += leafG[k] * leafG[k] / (leafH[k] + lambda) }

            var bestScore = parentScore + 1e-9 * Swift.max(1, abs(parentScore))
            var bestFeature = -1
            var bestThreshold = 0
            for f in features {
                let nb = data.binCounts[f]
                if nb <= 2 && !hasMissing(f, rows: rows) { continue }
                let used = leaves * nb
                histG.withUnsafeMutableBufferPointer { hg in
                    histH.withUnsafeMutableBufferPointer { hh in
                        histN.withUnsafeMutableBufferPointer { hn in
                            data.codes.withUnsafeBufferPointer { codes in
                                for k in 0..<used {
                                    hg[k] = 0
                                    hh[k] = 0
                                    hn[k] = 0
                                }
                                let column = f * n
                                for (i, r) in rows.enumerated() {
                                    let k = Int(leafOf[i]) * nb + Int(codes[column + r])
                                    hg[k] += grad[r]
                                    hh[k] += hess[r]
                                    hn[k] += 1
                                }
                            }
                        }
                    }
                }
                // Scan thresholds t = 0 ..< nb-1 with running left sums per leaf.
                var cumG = [Double](repeating: 0, count: leaves)
                var cumH = [Double](repeating: 0, count: leaves)
                var cumN = [Int32](repeating: 0, count: leaves)
                for t in 0..<(nb - 1) {
                    var score = 0.0
                    for k in 0..<leaves {
                        let idx = k * nb + t
                        cumG[k] += histG[idx]
                        cumH[k] += histH[idx]
                        cumN[k] += histN[idx]
                        let rn = leafN[k] - cumN[k]
                        if cumN[k] < minLeaf || rn < minLeaf {
                            score += leafG[k] * leafG[k] / (leafH[k] + lambda)
                        } else {
                            let rg = leafG[k] - cumG[k]
                            let rh = leafH[k] - cumH[k]
                            score += cumG[k] * cumG[k] / (cumH[k] + lambda) + rg * rg / (rh + lambda)
                        }
                    }
                    if score > bestScore {
                        bestScore = score
                        bestFeature = f
                        bestThreshold = t
                    }
                }
            }
            if bestFeature < 0 { break }
            splitFeatures.append(UInt16(bestFeature))
            splitThresholds.append(UInt8(bestThreshold))
            let column = bestFeature * n
            for (i, r) in rows.enumerated() where Int(data.codes[column + r]) > bestThreshold {
                leafOf[i] |= Int32(1 << level)
            }
        }
        if splitFeatures.isEmpty { return nil }

        let leafCount = 1 << splitFeatures.count
        var g = [Double](repeating: 0, count: leafCount)
        var h = [Double](repeating: 0, count: leafCount)
        for (i, r) in rows.enumerated() {
            g[Int(leafOf[i])] += grad[r]
            h[Int(leafOf[i])] += hess[r]
        }
        let eta = params.learningRate * leafScale
        let leaves = (0..<leafCount).map { Float(-eta * g[$0] / (h[$0] + lambda)) }
        return FloatTree(features: splitFeatures, thresholds: splitThresholds, leaves: leaves)
    }

    private func hasMissing(_ f: Int, rows: [Int]) -> Bool {
        let column = f * data.rowCount
        for r in rows where data.codes[column + r] == 0 { return true }
        return false
    }
}

extension FloatTree {
    /// The leaf value for row `r` of column-major binned data.
    package func predict(_ data: BinnedData, row r: Int) -> Float {
        var index = 0
        for l in 0..<features.count where data.codes[Int(features[l]) * data.rowCount + r] > thresholds[l] {
            index |= 1 << l
        }
        return leaves[index]
    }
}
