import AllotModel
import AllotModelWriter

/// A boosted ensemble in float form: `base + Σ_t tree_t(x)`.
package struct GBDTModel: Sendable, Equatable {
    package var base: Float
    package var trees: [FloatTree]

    package init(base: Float, trees: [FloatTree]) {
        self.base = base
        self.trees = trees
    }

    package func predict(_ data: BinnedData, row r: Int) -> Double {
        var s = Double(base)
        for t in trees { s += Double(t.predict(data, row: r)) }
        return s
    }

    package func predict(_ data: BinnedData, rows: [Int]) -> [Double] {
        rows.map { predict(data, row: $0) }
    }

    /// `u' = α·u + (1−α)·mean`: the leaves scaled by `α`, the base moved toward `mean`.
    package func shrunk(toward mean: Double, alpha: Double) -> GBDTModel {
        if alpha <= 0 { return GBDTModel(base: Float(mean), trees: []) }
        let trees = self.trees.map { t in
            FloatTree(features: t.features, thresholds: t.thresholds,
                      leaves: t.leaves.map { Float(alpha * Double($0)) })
        }
        return GBDTModel(base: Float(alpha * Double(base) + (1 - alpha) * mean), trees: trees)
    }
}

/// Gradient boosting of oblivious trees (CatBoost-style) on binned features.
///
/// Regression minimises `½ Σ (F(x) − y)²`: each tree fits the gradient `F − y` with unit hessians. With
/// validation rows, boosting stops `earlyStopping` trees after the best validation loss and keeps the trees up
/// to it. Row and feature subsets per tree come from a `GBDTRandom` seeded by `params.seed`, so the same data and
/// parameters give the same trees.
package enum GBDT {
    package static func fitRegression(data: BinnedData, targets: [Double], rows: [Int], validation: [Int] = [],
                                      params: GBDTParameters) -> GBDTModel {
        precondition(targets.count == data.rowCount)
        guard !rows.isEmpty else { return GBDTModel(base: 0, trees: []) }
        let base = Float(rows.reduce(0.0) { $0 + targets[$1] } / Double(rows.count))
        var pred = [Double](repeating: Double(base), count: data.rowCount)
        var grad = [Double](repeating: 0, count: data.rowCount)
        let hess = [Double](repeating: 1, count: data.rowCount)
        var rng = GBDTRandom(seed: params.seed)
        var builder = GBDTTreeBuilder(data: data, params: params)
        var trees: [FloatTree] = []
        var bestLoss = squaredLoss(pred, targets, validation)
        var bestCount = 0
        let scored = rows + validation

        for _ in 0..<params.maxTrees {
            for r in rows { grad[r] = pred[r] - targets[r] }
            let (sampleRows, sampleFeatures) = draw(rows: rows, features: data.featureCount, params: params, rng: &rng)
            guard let tree = builder.grow(rows: sampleRows, features: sampleFeatures, grad: grad, hess: hess) else {
                break
            }
            trees.append(tree)
            for r in scored { pred[r] += Double(tree.predict(data, row: r)) }
            if !validation.isEmpty && params.earlyStopping > 0 {
                let loss = squaredLoss(pred, targets, validation)
                if loss < bestLoss {
                    bestLoss = loss
                    bestCount = trees.count
                } else if trees.count - bestCount >= params.earlyStopping {
                    break
                }
            } else {
                bestCount = trees.count
            }
        }
        return GBDTModel(base: base, trees: Array(trees.prefix(bestCount)))
    }

    /// Rows without replacement and features for one tree; both sorted so histogram passes stay sequential.
    static func draw(rows: [Int], features: Int, params: GBDTParameters,
                     rng: inout GBDTRandom) -> (rows: [Int], features: [Int]) {
        var sampleRows = rows
        if params.rowFraction < 1 {
            let k = Swift.max(1, Int((Double(rows.count) * params.rowFraction).rounded()))
            rng.shuffle(&sampleRows)
            sampleRows = Array(sampleRows.prefix(k)).sorted()
        }
        var sampleFeatures = Array(0..<features)
        if params.featureFraction < 1 {
            let k = Swift.max(1, Int((Double(features) * params.featureFraction).rounded()))
            rng.shuffle(&sampleFeatures)
            sampleFeatures = Array(sampleFeatures.prefix(k)).sorted()
        }
        return (sampleRows, sampleFeatures)
    }

    static func squaredLoss(_ pred: [Double], _ y: [Double], _ rows: [Int]) -> Double {
        var s = 0.0
        for r in rows {
            let d = pred[r] - y[r]
            s += d * d
        }
        return s
    }
}
