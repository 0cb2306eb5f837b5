/// One vertex of the oracle accuracy-cost curve: the deterministic oracle policy for λ in [lambdaMin, lambdaMax).
public struct OraclePoint: Sendable, Equatable {
    /// Upper end of the λ range (+∞ for the cheapest policy).
    public var lambdaMax: Double
    /// Lower end of the λ range (0 for the most accurate policy).
    public var lambdaMin: Double
    public var accuracy: Double
    public var meanCost: Double
}

/// The oracle at a budget: two adjacent deterministic policies and the probability of the costlier one.
///
/// The randomised policy plays `high` with probability `mix` and `low` otherwise (the same coin for all instances,
/// or equally, per instance): `accuracy = (1−mix)·acc(low) + mix·acc(high)`, `meanCost = (1−mix)·cost(low) +
/// mix·cost(high) = budget` when the budget binds.
public struct OracleSolution: Sendable, Equatable {
    public var budget: Double
    /// λ*, in accuracy per cost unit.
    public var lambda: Double
    /// The cheaper adjacent policy (the argmax at λ* with ties to the cheaper action): one action index per row.
    public var low: [Int]
    /// The costlier adjacent policy (the argmax just below λ*).
    public var high: [Int]
    /// Probability of `high`, in [0, 1].
    public var mix: Double
    /// Expected accuracy of the mixture (deterministic expectation, not a draw).
    public var accuracy: Double
    /// Expected mean cost of the mixture.
    public var meanCost: Double
    public var lowPoint: OraclePoint
    public var highPoint: OraclePoint

    /// One label per row for imitation: the policy the mixture plays more often.
    public var labels: [Int] { mix >= 0.5 ? high : low }
    /// Whether the budget binds (λ* > 0); otherwise the oracle spends less than the budget.
    public var budgetBinds: Bool { lambda > 0 }
}
