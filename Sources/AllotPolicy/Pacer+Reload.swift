extension Pacer {
    /// Adopts a new model (SIGHUP, `reload`): with `keepLambda` (same action set) λ stays where the controller
    /// took it, clamped to the new range; otherwise λ is warm-started from the new table. Spend, reservations and
    /// counters are kept; per-action counts restart when the number of actions changes.
    public mutating func adopt(policy: Policy, keepLambda: Bool) {
        let table = policy.model.lambdaTable
        let cheapest = policy.model.actions.map(\.meanCost).min() ?? 1
        let range = Self.lambdaRange(table, costScale: cheapest)
        xMin = range.lowerBound.log
        xMax = range.upperBound.log
        if keepLambda {
            x = Swift.max(xMin, Swift.min(xMax, x))
        } else {
            let warm = Self.warmStart(config, table)
            x = Swift.max(xMin, Swift.min(xMax, warm.lambda > 0 ? warm.lambda.log : xMin))
            warmX = x
            warmMix = warm.mix
            carry = 0
            recent = 0
        }
        if perAction.count != policy.actionCount {
            perAction = [UInt64](repeating: 0, count: policy.actionCount)
        }
    }

    /// After a restart whose clock reads earlier than the saved state's (a reboot under a monotonic clock), shifts
    /// every stored time so `now` is the latest time seen: the downtime counts as zero, spend is not forgotten.
    public mutating func rebase(at now: Double) {
        guard now.isFinite, now < lastNow else { return }
        let d = now - lastNow
        start += d
        lastNow = now
        lastAccrual += d
        for i in slots.indices where slots[i].state != .empty { slots[i].at += d }
        if !times.ids.isEmpty {
            let shift = times.bucket(now) &- times.bucket(now - d)
            for i in times.ids.indices where times.ids[i] != .min { times.ids[i] &+= shift }
            for i in slots.indices { slots[i].bucket &+= shift }
            var moved = TimeWindow(horizon: times.horizon, buckets: times.ids.count)
            for i in times.ids.indices where times.ids[i] != .min {
                let id = times.ids[i]
                let n = Int64(moved.ids.count)
                let s = Int(((id % n) + n) % n)
                (moved.ids[s], moved.cost[s], moved.count[s]) = (id, times.cost[i], times.count[i])
            }
            times = moved
        }
    }
}

extension Pacer {
    /// This pacer under new settings (the operator restarted with other flags): λ is kept when the budget is
    /// unchanged and warm-started from `policy`'s table otherwise; counters, tickets and reservations carry over
    /// when `maxOutstanding` is unchanged; the spend history carries over between budgets of the same kind
    /// (a window budget keeps its most recent requests, a rate budget of the same horizon its buckets).
    public func reconfigured(to config: PacerConfig, policy: Policy, at now: Double) throws(PolicyError) -> Pacer {
        if config == self.config { return self }
        var p = try Pacer(config: config, policy: policy, at: Swift.min(start, now.isFinite ? now : start))
        p.lastNow = Swift.max(p.lastNow, lastNow)
        p.lastAccrual = lastAccrual
        if config.budget == self.config.budget {
            p.x = Swift.max(p.xMin, Swift.min(p.xMax, x))
            p.carry = carry
            p.recent = Swift.max(-1, Swift.min(config.maxCostFactor, recent))
        }
        (p.routes, p.reports, p.expired, p.evicted, p.duplicates, p.unknown) =
            (routes, reports, expired, evicted, duplicates, unknown)
        if perAction.count == p.perAction.count { p.perAction = perAction }
        if config.maxOutstanding == self.config.maxOutstanding {
            p.slots = slots
            p.nextTicket = nextTicket
            p.oldest = oldest
            p.outstanding = outstanding
        } else {
            p.nextTicket = nextTicket  // old tickets become unknown, new ones never collide with them
            p.oldest = nextTicket
        }
        switch (self.config.budget, config.budget) {
        case (.window, .window):
            // Replay the most recent requests, oldest first, at their sequence numbers.
            let keep = Swift.min(requests.filled, p.requests.size)
            let newest = nextTicket &- 1
            for k in stride(from: keep - 1, through: 0, by: -1) where newest > UInt64(k) {
                let seq = newest - UInt64(k)
                p.requests.push(requests.ring[Int(seq % UInt64(requests.size))], seq: seq)
            }
        case (.rate(_, let a), .rate(_, let b)) where a == b:
            p.times = times
        default:
            break
        }
        return p
    }
}
