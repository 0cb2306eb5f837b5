extension Pacer {
    /// Routes one request: counts `estimate` (the predicted cost of `action`) in the spend at once, so concurrent
    /// requests whose reports are still outstanding cannot overspend, and updates λ. Returns the ticket to settle.
    ///
    /// Expires overdue reservations first. When `maxOutstanding` reservations are outstanding, the oldest is
    /// expired early (charged at its estimate, which is already counted).
    public mutating func reserve(action: Int, estimate: Double, at now: Double) -> Ticket {
        let t = advance(now)
        expire(at: t)
        let b = perRequestBudget(at: t)
        let c = clampCost(estimate, budget: b)
        let ticket = nextTicket
        nextTicket &+= 1
        let i = Int(ticket % UInt64(slots.count))
        if slots[i].state == .outstanding {
            evicted &+= 1
            outstanding -= 1
        }
        let cap = UInt64(slots.count)
        if ticket > cap && oldest <= ticket - cap { oldest = ticket - cap + 1 }
        var bucket: Int64 = 0
        var error = c / b - 1
        switch config.budget {
        case .window:
            requests.push(c, seq: ticket)
        case .rate(let r, let horizon):
            bucket = times.add(c, at: t)
            error = (c - r * Swift.min(t - lastAccrual, horizon)) / b
            lastAccrual = t
        }
        slots[i] = Reservation(
            ticket: ticket, action: Int32(clamping: action), state: .outstanding, cost: c, at: t, bucket: bucket)
        outstanding += 1
        routes &+= 1
        if action >= 0 && action < perAction.count { perAction[action] &+= 1 }
        noteError(error, correction: false)
        step(error, drift: config.momentum * recent, at: t)
        return Ticket(ticket)
    }

    /// Replaces the reservation's estimate by the actual `cost` (clamped to `[0, maxCostFactor · B]`; NaN counts as
    /// 0). Idempotent: a second report of a settled ticket changes nothing and returns `.duplicate`. A ticket that
    /// expired, was never issued, or is older than the last `maxOutstanding` is `.notFound`.
    @discardableResult
    public mutating func settle(_ ticket: Ticket, cost: Double, at now: Double) -> SettleResult {
        let t = advance(now)
        expire(at: t)
        let id = ticket.rawValue
        let i = Int(id % UInt64(slots.count))
        guard id >= 1, id < nextTicket, slots[i].ticket == id else {
            unknown &+= 1
            return .notFound
        }
        switch slots[i].state {
        case .settled:
            duplicates &+= 1
            return .duplicate
        case .outstanding:
            break
        case .expired, .empty:
            unknown &+= 1
            return .notFound
        }
        let b = perRequestBudget(at: t)
        let actual = clampCost(cost, budget: b)
        let delta = actual - slots[i].cost
        switch config.budget {
        case .window: requests.adjust(seq: id, by: delta, newest: nextTicket &- 1)
        case .rate: times.adjust(bucket: slots[i].bucket, by: delta)
        }
        slots[i].cost = actual
        slots[i].state = .settled
        outstanding -= 1
        reports &+= 1
        noteError(delta / b, correction: true)
        step(delta / b, at: t)
        return .settled
    }

    /// Expires reservations older than `reservationTTL`: they stay charged at their estimate and their tickets
    /// become `.notFound`. Returns how many expired. Amortized O(1): reservations expire in ticket order.
    @discardableResult
    public mutating func expire(at now: Double) -> Int {
        let t = advance(now)
        var n = 0
        while oldest < nextTicket {
            let i = Int(oldest % UInt64(slots.count))
            if slots[i].ticket == oldest && slots[i].state == .outstanding {
                guard t - slots[i].at >= config.reservationTTL else { break }
                slots[i].state = .expired
                outstanding -= 1
                expired &+= 1
                n += 1
            }
            oldest &+= 1
        }
        return n
    }

    /// A request whose actual cost is known at once: `reserve` then `settle`.
    public mutating func record(action: Int, cost: Double, at now: Double) {
        let ticket = reserve(action: action, estimate: cost, at: now)
        settle(ticket, cost: cost, at: now)
    }
}
