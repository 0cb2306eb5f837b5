import AllotModel

/// The float form of a λ-aware policy: per action a utility ensemble (predicted accuracy) and, where the cost
/// varies per prompt, a cost ensemble; `nil` cost heads stand for the action's mean cost.
package struct LearnHeads: Sendable, Equatable {
    package var utility: [GBDTModel]
    package var cost: [GBDTModel?]
    /// Per-action means on the rows the heads were fit on: the shrinkage target and the cost of `nil` heads.
    package var meanAccuracy: [Double]
    package var meanCost: [Double]

    /// Fits every head on `rows`, early-stopping each on a seeded share of them. `costHeads`, when given, are
    /// reused (they do not depend on the utility hyperparameters, so a grid search fits them once per fold).
    package static func fit(_ d: LearnData, rows: [Int], utilityParams: GBDTParameters, costParams: GBDTParameters,
                            seed: UInt64, costHeads: [GBDTModel?]? = nil, stopShare: Double = 0.15) -> LearnHeads {
        let split = LearnData.holdOut(rows, share: stopShare, seed: seed)
        let utility = (0..<d.actionCount).map { a in
            var p = utilityParams
            p.seed = seed &+ UInt64(a) &* 7919
            return GBDT.fitRegression(data: d.data, targets: d.accuracy[a], rows: split.fit, validation: split.stop,
                                      params: p)
        }
        let cost = costHeads ?? fitCost(d, rows: rows, params: costParams, seed: seed, stopShare: stopShare)
        return LearnHeads(utility: utility, cost: cost,
                          meanAccuracy: d.accuracy.map { LearnData.mean($0, rows) },
                          meanCost: d.cost.map { LearnData.mean($0, rows) })
    }

    /// Cost heads for the actions whose cost varies per prompt; `nil` for the others.
    package static func fitCost(_ d: LearnData, rows: [Int], params: GBDTParameters, seed: UInt64,
                                stopShare: Double = 0.15) -> [GBDTModel?] {
        let split = LearnData.holdOut(rows, share: stopShare, seed: seed)
        return (0..<d.actionCount).map { a in
            guard d.costVaries[a] else { return nil }
            var p = params
            p.seed = seed &+ UInt64(a) &* 104_729
            return GBDT.fitRegression(data: d.data, targets: d.cost[a], rows: split.fit, validation: split.stop,
                                      params: p)
        }
    }

    /// `u' = α·u + (1−α)·ū_a`, `c' = α·c + (1−α)·c̄_a`: at `α = 0` every prompt gets the same
    /// scores, so the λ-policy is exactly the best fixed allocation (mixing at the breakpoint).
    package func shrunk(alpha: Double) -> LearnHeads {
        if alpha >= 1 { return self }
        return LearnHeads(
            utility: utility.indices.map { utility[$0].shrunk(toward: meanAccuracy[$0], alpha: alpha) },
            cost: cost.indices.map { a in cost[a].map { $0.shrunk(toward: meanCost[a], alpha: alpha) } },
            meanAccuracy: meanAccuracy, meanCost: meanCost)
    }

    /// Predicted utility and cost of every action for `row`.
    package func predict(_ data: BinnedData, row r: Int) -> (utility: [Double], cost: [Double]) {
        (utility.map { $0.predict(data, row: r) },
         cost.indices.map { a in cost[a]?.predict(data, row: r) ?? meanCost[a] })
    }

    package var treeCount: Int {
        utility.reduce(0) { $0 + $1.trees.count } + cost.reduce(0) { $0 + ($1?.trees.count ?? 0) }
    }
}
