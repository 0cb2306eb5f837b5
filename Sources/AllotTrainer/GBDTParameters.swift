/// Hyperparameters of the gradient-boosted oblivious trees.
package struct GBDTParameters: Sendable, Equatable, Hashable {
    /// Levels per oblivious tree (1...`Head.maxDepth`): one (feature, threshold) split per level, `2^depth` leaves.
    package var depth: Int = 4
    /// Shrinkage `η`: each tree adds `η · leaf`.
    package var learningRate: Double = 0.05
    /// Most trees per head (per class for the classifier).
    package var maxTrees: Int = 300
    /// L2 penalty `λ₂` on leaf values: a leaf is `-G / (H + λ₂)`.
    package var l2: Double = 5
    /// A split only counts in a leaf when both children keep at least this many sampled rows.
    package var minLeaf: Int = 10
    /// Share of rows each tree sees (drawn without replacement from a seeded generator).
    package var rowFraction: Double = 0.8
    /// Share of features each tree may split on.
    package var featureFraction: Double = 0.8
    /// Stop after this many trees without a better validation loss (0: never stop early).
    package var earlyStopping: Int = 30
    package var seed: UInt64 = 1

    package init(depth: Int = 4, learningRate: Double = 0.05, maxTrees: Int = 300, l2: Double = 5,
                 minLeaf: Int = 10, rowFraction: Double = 0.8, featureFraction: Double = 0.8,
                 earlyStopping: Int = 30, seed: UInt64 = 1) {
        self.depth = depth
        self.learningRate = learningRate
        self.maxTrees = maxTrees
        self.l2 = l2
        self.minLeaf = minLeaf
        self.rowFraction = rowFraction
        self.featureFraction = featureFraction
        self.earlyStopping = earlyStopping
        self.seed = seed
    }

    /// A short label for cards and logs: `d4 η0.05 l2=5`.
    package var label: String {
        "depth \(depth), lr \(learningRate), l2 \(l2), min leaf \(minLeaf)"
    }
}
