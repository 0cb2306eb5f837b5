import AllotModel

/// The online price controller: holds a budget by adapting λ from realized spend. A pure state machine: every call
/// takes the time `now` (seconds, non-decreasing; an earlier time is treated as the latest seen).
///
/// Update rule (exponentiated dual ascent with momentum; `docs/pacing.md` has the argument). With `x = log λ`,
/// per-request budget `B` (window budgets; `R / r̂` for rate budgets at the observed request rate `r̂`) and each
/// spend event `c`:
///
///     x ← clamp(x + η · e + μ · m, log λ_min, log λ_max)      (the μ·m term at reserve only)
///     e = (c − B)/B at reserve,  e = (actual − estimate)/B at settle,  m ← m + (e − m)/h at reserve, + e/h at settle
///
/// (`m`: moving average of the per-request error over about `h = momentumHorizon` requests; rate budgets use
/// `e = (c − R·Δt)/B`; optional gain scheduling multiplies both terms by `min(maxBoost, 1 + (w/boostScale)²)`,
/// `w` the window's relative deviation). Summing while λ stays inside its range (gain scheduling off),
/// `x_T − x_0 = (η + μ)·(S_T − B·T)/B − μ·(h − 1)·(m_T − m_0) − (μ/h)·Σ(settle corrections)`: the whole-stream
/// mean-cost error is about `(x_T − x_0 + μ(h−1)(m_T − m_0)) / ((η + μ)·T)`, so bounding how far λ moves bounds
/// the error of the stream and, the same way, of every window. Persistent errors move λ at rate `η + μ`,
/// per-request noise mostly at `η` (the average damps it by `1/h`).
/// One event moves `x` by at most `maxStep` (the rest is carried, not lost) and one request counts at most
/// `maxCostFactor · B`.
public struct Pacer: Sendable {
    public internal(set) var config: PacerConfig
    var x: Double
    var xMin: Double
    var xMax: Double
    /// Correction accepted but not yet applied because of `maxStep`.
    var carry: Double = 0
    /// `m`: moving average of the per-request relative error (the momentum term's input).
    var recent: Double = 0
    /// λ and mixing probability of the warm start; `mix` applies while λ has not moved from it.
    var warmX: Double
    var warmMix: Double
    var start: Double
    var lastNow: Double
    var lastAccrual: Double

    var requests: RequestWindow
    var times: TimeWindow
    var slots: [Reservation]
    var nextTicket: UInt64 = 1
    var oldest: UInt64 = 1
    var outstanding = 0

    var routes: UInt64 = 0
    var reports: UInt64 = 0
    var expired: UInt64 = 0
    var evicted: UInt64 = 0
    var duplicates: UInt64 = 0
    var unknown: UInt64 = 0
    var perAction: [UInt64]

    /// A pacer warm-started from `lambdaTable` (see `warmStart`). `costScale` (e.g. the cheapest action's mean
    /// cost) sets λ's range when the table has no positive λ.
    public init(
        config: PacerConfig, lambdaTable: [LambdaPoint], actionCount: Int, costScale: Double = 1, at now: Double
    ) throws(PolicyError) {
        try config.validate()
        guard actionCount >= 1, actionCount <= Int(Int32.max) else { throw PolicyError(.badBudget, "no actions") }
        let t = now.isFinite ? now : 0
        self.config = config
        let range = Self.lambdaRange(lambdaTable, costScale: costScale)
        xMin = range.lowerBound.log
        xMax = range.upperBound.log
        let warm = Self.warmStart(config, lambdaTable)
        x = Swift.max(xMin, Swift.min(xMax, warm.lambda > 0 ? warm.lambda.log : xMin))
        warmX = x
        warmMix = warm.mix
        start = t
        lastNow = t
        lastAccrual = t
        switch config.budget {
        case .window(_, let n):
            requests = RequestWindow(size: n)
            times = TimeWindow(horizon: 1, buckets: 0)
        case .rate(_, let horizon):
            requests = RequestWindow(size: 0)
            times = TimeWindow(horizon: horizon, buckets: PacerConfig.rateBuckets)
        }
        slots = [Reservation](repeating: Reservation(), count: config.maxOutstanding)
        perAction = [UInt64](repeating: 0, count: actionCount)
    }

    /// A pacer for `policy`'s actions and λ table.
    public init(config: PacerConfig, policy: Policy, at now: Double) throws(PolicyError) {
        let cheapest = policy.model.actions.map(\.meanCost).min() ?? 1
        try self.init(
            config: config, lambdaTable: policy.model.lambdaTable, actionCount: policy.actionCount,
            costScale: cheapest, at: now)
    }

    /// The current price λ (finite, within its range, never negative).
    public var lambda: Double { x.exp }

    /// Probability of the costlier policy at a tie (`Policy.choose`'s `mix`): the table's mix while λ is still
    /// the warm start, 0 once the controller has moved it.
    public var mix: Double { x == warmX ? warmMix : 0 }

    /// The per-request budget `B` the controller normalizes errors by.
    ///
    /// Always inlined: called from a mutating method, it made the compiler copy the whole pacer (344 bytes) to the
    /// stack first, on every `reserve` and `settle`.
    @inline(__always)
    func perRequestBudget(at t: Double) -> Double {
        switch config.budget {
        case .window(let b, _): return b
        case .rate(let r, let horizon):
            let elapsed = Swift.max(t - start, times.width)
            let (_, n) = times.totals(at: t)
            var rate: Double
            if let expected = config.expectedRequestRate, elapsed < horizon {
                rate = (Double(n) + expected * (horizon - elapsed)) / horizon
            } else {
                rate = Double(Swift.max(n, 1)) / Swift.min(elapsed, horizon)
            }
            rate = Swift.max(rate, 1 / horizon)
            return r / rate
        }
    }

    /// Relative deviation of the window's spend from the budget (0 until the window holds a tenth of its span).
    /// Always inlined, as `perRequestBudget` is.
    @inline(__always)
    func windowDeviation(at t: Double) -> Double {
        switch config.budget {
        case .window(let b, let n):
            guard requests.filled * 10 >= n else { return 0 }
            return requests.mean / b - 1
        case .rate(let r, let horizon):
            guard t - start >= horizon / 10 else { return 0 }
            let span = Swift.min(horizon, t - start)
            return times.totals(at: t).cost / (r * span) - 1
        }
    }

    mutating func advance(_ now: Double) -> Double {
        if now.isFinite && now > lastNow { lastNow = now }
        return lastNow
    }

    /// Applies one relative error `e` (and, at a reserve, the momentum `drift = μ·m`) to `x`, at most `maxStep`
    /// at a time, with anti-windup at the range ends.
    mutating func step(_ e: Double, drift: Double = 0, at t: Double) {
        guard e.isFinite, drift.isFinite else { return }
        let span = xMax - xMin
        var boost = 1.0
        if config.maxBoost > 1 {
            let w = windowDeviation(at: t) / config.boostScale
            boost = Swift.min(config.maxBoost, 1 + w * w)
        }
        carry = Swift.max(-span, Swift.min(span, carry + boost * (config.gain * e + drift)))
        let s = Swift.max(-config.maxStep, Swift.min(config.maxStep, carry))
        carry -= s
        let next = x + s
        if next >= xMax {
            x = xMax
            carry = Swift.min(carry, 0)
        } else if next <= xMin {
            x = xMin
            carry = Swift.max(carry, 0)
        } else {
            x = next
        }
    }

    /// Folds one request's relative error `e` into `m` (a settle's correction `e` is added to it undecayed: it
    /// belongs to a request already averaged). A request counts at most 100% under budget, so an idle stretch of a
    /// rate budget (`e` far below −1) cannot drive the momentum; `m` stays within `[−1, maxCostFactor]`.
    mutating func noteError(_ e: Double, correction: Bool) {
        guard e.isFinite else { return }
        let a = 1 / config.momentumHorizon
        let next = correction ? recent + a * e : recent + a * (Swift.max(-1, e) - recent)
        recent = Swift.max(-1, Swift.min(config.maxCostFactor, next))
    }

    func clampCost(_ c: Double, budget b: Double) -> Double {
        guard !c.isNaN else { return 0 }
        return Swift.max(0, Swift.min(c, config.maxCostFactor * b))
    }
}
