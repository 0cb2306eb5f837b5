/// What `stats` reports about a pacer.
public struct PacerStats: Sendable, Equatable {
    public var lambda: Double
    public var budget: Budget
    /// Window budgets: mean cost per request over the last `requests` (reservations at their estimate).
    /// Rate budgets: cost per second over the horizon.
    public var windowMeanCost: Double
    /// Requests the window currently holds.
    public var windowRequests: Int
    public var routes: UInt64
    public var reports: UInt64
    public var outstanding: Int
    public var expired: UInt64
    /// Reservations expired early because `maxOutstanding` were outstanding.
    public var evicted: UInt64
    public var duplicateReports: UInt64
    public var unknownReports: UInt64
    /// Routes per action, in the model's action order.
    public var perAction: [UInt64]
}

extension Pacer {
    /// A snapshot at time `now` (which only matters for rate budgets).
    public func stats(at now: Double) -> PacerStats {
        let t = now.isFinite ? Swift.max(now, lastNow) : lastNow
        var mean = requests.mean
        var held = requests.filled
        if case .rate(_, let horizon) = config.budget {
            let (c, n) = times.totals(at: t)
            mean = c / horizon
            held = n
        }
        return PacerStats(
            lambda: lambda, budget: config.budget, windowMeanCost: mean, windowRequests: held, routes: routes,
            reports: reports, outstanding: outstanding, expired: expired, evicted: evicted,
            duplicateReports: duplicates, unknownReports: unknown, perAction: perAction)
    }
}
