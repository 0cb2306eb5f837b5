import Foundation

/// Settings of `allot learn`: folds, seed, the hyperparameter grid and the shrinkage grid.
package struct LearnOptions: Sendable {
    /// Cross-validation folds `learn` and `eval` take, from flags or from a model card's recipe.
    package static let foldRange = 2...20

    package var folds = 5
    package var seed: UInt64 = 1
    /// Utility-head candidates; the one with the best held-out policy accuracy (not loss) wins.
    package var grid: [GBDTParameters] = LearnOptions.defaultGrid
    /// Cost heads fit with fixed parameters: their job (predicting output length) is easy and it keeps the grid
    /// search to the utility heads.
    package var costParams = GBDTParameters(depth: 4, learningRate: 0.1, maxTrees: 200, l2: 5, minLeaf: 20,
                                            earlyStopping: 20)
    /// Shrinkage candidates `α` of `u' = α·u + (1−α)·ū`, best first on ties; `0` is the fixed allocation.
    package var alphas: [Double] = [1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0]
    /// Interior budgets of the grid (geometric between the cheapest and costliest action's mean cost).
    package var budgetCount = 10
    /// Explicit budgets instead of the grid (`allot eval --budgets`).
    package var budgetList: [Double]? = nil
    /// The imitation learner's parameters (a softmax classifier on the oracle's labels).
    package var imitationParams = GBDTParameters(depth: 3, learningRate: 0.15, maxTrees: 60, l2: 5, minLeaf: 20,
                                                 featureFraction: 0.5, earlyStopping: 10)
    /// Budgets (indices into the interior grid) at which the imitation learner is cross-validated.
    package var imitationBudgets: [Int]? = nil

    package init() {}

    package static let defaultGrid: [GBDTParameters] = [
        GBDTParameters(depth: 3, learningRate: 0.05, maxTrees: 300, l2: 10, minLeaf: 20, earlyStopping: 30),
        GBDTParameters(depth: 4, learningRate: 0.05, maxTrees: 300, l2: 10, minLeaf: 20, earlyStopping: 30),
        GBDTParameters(depth: 6, learningRate: 0.03, maxTrees: 300, l2: 20, minLeaf: 30, featureFraction: 0.6,
                       earlyStopping: 30),
    ]

    /// Interior budgets: `count` points geometric strictly between `low` and `high`.
    package static func budgets(low: Double, high: Double, count: Int) -> [Double] {
        guard low > 0, high > low, count > 0 else { return [] }
        let ratio = high / low
        return (1...count).map { low * Foundation.pow(ratio, Double($0) / Double(count + 1)) }
    }
}
