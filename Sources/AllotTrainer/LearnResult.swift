/// What `allot learn` found: the shipped float heads, the chosen settings, and the cross-validated table.
package struct LearnResult: Sendable {
    /// Interior budgets of the grid.
    package var budgets: [Double]
    /// Per budget: best fixed allocation, oracle, shipped policy (held out), best unshrunk policy (held out).
    package var fixed: [EvalCurve.Point]
    package var oracle: [EvalCurve.Point]
    package var policy: [EvalCurve.Point]
    package var unshrunk: [EvalCurve.Point]
    /// Per budget: how often the held-out shipped policy takes the oracle's action at `λ*`.
    package var agreement: [Double]
    package var imitation: [ImitationLearner.Result]
    package var params: GBDTParameters
    /// Shrinkage of the shipped heads toward the per-action means (`0`: the fixed allocation).
    package var alpha: Double
    package var unshrunkParams: GBDTParameters
    /// The cost heads' and the imitation classifier's parameters (fixed, not searched).
    package var costParams: GBDTParameters
    package var imitationParams: GBDTParameters
    /// Final heads, fit on all rows and shrunk by `alpha`.
    package var heads: LearnHeads
    /// Every `(grid index, α, objective, admissible)` tried.
    package var candidates: [(grid: Int, alpha: Double, objective: Double, admissible: Bool)]

    /// Relative gain of the shipped policy over the best fixed allocation at budget `b`.
    package func gain(_ b: Int) -> Double {
        fixed[b].accuracy > 0 ? policy[b].accuracy / fixed[b].accuracy - 1 : 0
    }

    /// Share of the oracle's gap over the fixed allocation that the policy closes at budget `b`.
    package func gapClosed(_ b: Int) -> Double {
        let gap = oracle[b].accuracy - fixed[b].accuracy
        return gap > 0 ? (policy[b].accuracy - fixed[b].accuracy) / gap : 0
    }

    /// The cheapest budget whose held-out accuracy is within a point of the best over the grid.
    package var recommendedBudget: Double {
        let top = policy.map(\.accuracy).max() ?? 0
        return budgets.indices.first { policy[$0].accuracy >= top - 0.01 }.map { budgets[$0] } ?? (budgets.last ?? 0)
    }

    /// True when the guard fell all the way back to the fixed allocation.
    package var fellBack: Bool { alpha == 0 }
}
