/// What the operator asks the pacer to hold.
public enum Budget: Sendable, Equatable {
    /// Mean cost per request `B` over the last `requests` requests (the paper's average budget).
    case window(meanCost: Double, requests: Int)
    /// At most `costPerSecond` cost units per second over a rolling `horizon` of seconds (battery, thermal).
    case rate(costPerSecond: Double, horizon: Double)
}

/// Settings of a `Pacer`. The defaults are the ones `docs/pacing.md` argues for.
public struct PacerConfig: Sendable, Equatable {
    public var budget: Budget
    /// η: change of `log λ` per unit of relative cost error `(c − B)/B` of one request.
    public var gain: Double
    /// Gain scheduling: both terms of the update are multiplied by `min(maxBoost, 1 + (w / boostScale)²)`, where
    /// `w` is the window's relative deviation from the budget. `maxBoost = 1` (the default) turns it off: the
    /// momentum term does its job better (docs/pacing.md, "Tuning").
    public var boostScale: Double
    public var maxBoost: Double
    /// μ: change of `log λ` per request per unit of `m`, the moving average of the per-request relative error
    /// over about `momentumHorizon` requests. A persistent error (a shift, a flat stretch of the cost curve) moves
    /// λ at rate `η + μ`, the per-request noise only at `η`. 0 turns it off.
    public var momentum: Double
    /// Requests the moving average `m` spans (its weight is `1 / momentumHorizon`).
    public var momentumHorizon: Double
    /// Largest change of `log λ` per event; a larger correction is carried over to later events, not lost.
    public var maxStep: Double
    /// A single request counts at most `maxCostFactor · B` (bounds the influence of one absurd report).
    public var maxCostFactor: Double
    /// Seconds after which an unreported reservation expires, charged at its estimate.
    public var reservationTTL: Double
    /// Most reservations kept (outstanding or recently settled); the oldest outstanding one expires early at the
    /// cap, and a settled ticket is remembered for idempotent re-reports until its slot is reused.
    public var maxOutstanding: Int
    /// Rate budgets only: expected requests per second, to warm-start λ at the table's `B = R / rate`.
    public var expectedRequestRate: Double?

    /// Largest `requests` of a window budget (bounds memory: 8 bytes per request).
    public static let maxWindow = 1 << 17
    public static let maxReservations = 1 << 16
    /// Number of time buckets of a rate budget's horizon.
    public static let rateBuckets = 64

    public init(
        budget: Budget, gain: Double = 0.08, boostScale: Double = 0.03, maxBoost: Double = 1, maxStep: Double = 0.25,
        maxCostFactor: Double = 100, momentum: Double = 0.2, momentumHorizon: Double = 30,
        reservationTTL: Double = 60, maxOutstanding: Int = 4096, expectedRequestRate: Double? = nil
    ) {
        self.budget = budget
        self.gain = gain
        self.boostScale = boostScale
        self.maxBoost = maxBoost
        self.maxStep = maxStep
        self.maxCostFactor = maxCostFactor
        self.momentum = momentum
        self.momentumHorizon = momentumHorizon
        self.reservationTTL = reservationTTL
        self.maxOutstanding = maxOutstanding
        self.expectedRequestRate = expectedRequestRate
    }

    func validate() throws(PolicyError) {
        func bad(_ m: String) -> PolicyError { PolicyError(.badBudget, m) }
        switch budget {
        case .window(let b, let n):
            guard b.isFinite, b > 0 else { throw bad("mean-cost budget must be positive and finite, got \(b)") }
            guard n >= 1, n <= Self.maxWindow else { throw bad("window must be 1...\(Self.maxWindow) requests") }
        case .rate(let r, let t):
            guard r.isFinite, r > 0 else { throw bad("rate budget must be positive and finite, got \(r)") }
            guard t.isFinite, t > 0, t <= 1e9 else { throw bad("horizon must be positive seconds, got \(t)") }
        }
        guard gain.isFinite, gain > 0, gain <= 10 else { throw bad("gain must be in (0, 10]") }
        guard boostScale.isFinite, boostScale > 0 else { throw bad("boostScale must be positive") }
        guard maxBoost.isFinite, maxBoost >= 1, maxBoost <= 100 else { throw bad("maxBoost must be in [1, 100]") }
        guard maxStep.isFinite, maxStep > 0, maxStep <= 10 else { throw bad("maxStep must be in (0, 10]") }
        // Bounded above so that momentum · (a request's capped error) stays finite and λ keeps moving.
        guard maxCostFactor.isFinite, maxCostFactor >= 1, maxCostFactor <= 1e6 else {
            throw bad("maxCostFactor must be in [1, 1e6]")
        }
        guard momentum.isFinite, momentum >= 0, momentum <= 10 else { throw bad("momentum must be in [0, 10]") }
        guard momentumHorizon.isFinite, momentumHorizon >= 1, momentumHorizon <= Double(Self.maxWindow) else {
            throw bad("momentumHorizon must be in [1, \(Self.maxWindow)] requests")
        }
        guard reservationTTL.isFinite, reservationTTL > 0 else { throw bad("reservation TTL must be positive") }
        guard maxOutstanding >= 1, maxOutstanding <= Self.maxReservations else {
            throw bad("maxOutstanding must be 1...\(Self.maxReservations)")
        }
        if let r = expectedRequestRate, !(r.isFinite && r > 0) { throw bad("expected request rate must be > 0") }
    }
}
