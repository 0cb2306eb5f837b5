import Foundation
import AllotModel
import AllotModelWriter

/// A softmax classifier of boosted oblivious trees: one ensemble per class, `p_k ∝ exp(F_k(x))`.
///
/// Each round grows one tree per class on the multinomial log-loss gradient `p_k − y_k` with hessian
/// `p_k (1 − p_k)` (Friedman's `(K−1)/K` leaf factor). Used for the paper's imitation learner, which predicts the
/// oracle's action at `λ*`.
package struct GBDTClassifier: Sendable, Equatable {
    package var classes: [GBDTModel]

    package func probabilities(_ data: BinnedData, row r: Int) -> [Double] {
        let f = classes.map { $0.predict(data, row: r) }
        let m = f.max() ?? 0
        let e = f.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Fits labels `labels[r]` in `0..<classCount` on `rows`, early-stopping on the log-loss of `validation`.
    package static func fit(data: BinnedData, labels: [Int], classCount: Int, rows: [Int], validation: [Int] = [],
                            params: GBDTParameters) -> GBDTClassifier {
        let k = classCount
        var counts = [Double](repeating: 1, count: k)  // add-one prior keeps log finite
        for r in rows { counts[labels[r]] += 1 }
        let total = counts.reduce(0, +)
        let bases = counts.map { Float(log($0 / total)) }
        var f = (0..<k).map { c in [Double](repeating: Double(bases[c]), count: data.rowCount) }
        var trees = [[FloatTree]](repeating: [], count: k)
        var rng = GBDTRandom(seed: params.seed)
        var builder = GBDTTreeBuilder(data: data, params: params)
        var grad = [Double](repeating: 0, count: data.rowCount)
        var hess = [Double](repeating: 0, count: data.rowCount)
        var prob = [[Double]](repeating: [], count: data.rowCount)
        let scored = rows + validation
        var bestLoss = logLoss(f, labels, validation)
        var bestRounds = 0
        var rounds = 0
        let factor = Double(k - 1) / Double(Swift.max(1, k))

        for _ in 0..<params.maxTrees {
            for r in rows { prob[r] = softmax((0..<k).map { f[$0][r] }) }
            let (sampleRows, sampleFeatures) = GBDT.draw(rows: rows, features: data.featureCount, params: params,
                                                         rng: &rng)
            var grew = false
            for c in 0..<k {
                for r in rows {
                    let p = prob[r][c]
                    grad[r] = p - (labels[r] == c ? 1 : 0)
                    hess[r] = Swift.max(p * (1 - p), 1e-6)
                }
                let tree = builder.grow(rows: sampleRows, features: sampleFeatures, grad: grad, hess: hess,
                                        leafScale: factor)
                    ?? FloatTree(features: [0], thresholds: [0], leaves: [0, 0])
                if tree.leaves.contains(where: { $0 != 0 }) { grew = true }
                trees[c].append(tree)
                for r in scored { f[c][r] += Double(tree.predict(data, row: r)) }
            }
            rounds += 1
            if !grew { break }
            if !validation.isEmpty && params.earlyStopping > 0 {
                let loss = logLoss(f, labels, validation)
                if loss < bestLoss {
                    bestLoss = loss
                    bestRounds = rounds
                } else if rounds - bestRounds >= params.earlyStopping {
                    break
                }
            } else {
                bestRounds = rounds
            }
        }
        return GBDTClassifier(classes: (0..<k).map {
            GBDTModel(base: bases[$0], trees: Array(trees[$0].prefix(bestRounds)))
        })
    }

    static func softmax(_ f: [Double]) -> [Double] {
        let m = f.max() ?? 0
        let e = f.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    static func logLoss(_ f: [[Double]], _ labels: [Int], _ rows: [Int]) -> Double {
        var s = 0.0
        for r in rows {
            let p = softmax(f.map { $0[r] })
            s -= log(Swift.max(p[labels[r]], 1e-15))
        }
        return s
    }
}
