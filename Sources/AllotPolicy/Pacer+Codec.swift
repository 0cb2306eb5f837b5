extension Pacer {
    /// Magic of a state file: "ALPS" (Allot pacer state).
    static let magic: [UInt8] = [0x41, 0x4C, 0x50, 0x53]
    /// Version 2 added the momentum settings and its moving average; version 1 files still load (as a pacer
    /// without momentum, which is what wrote them).
    static let stateVersion: UInt16 = 2

    /// The whole state (settings, λ, window, reservations, counters) as bytes:
    /// `"ALPS" | version u16 | payload length u32 | payload | FNV-1a 64 of everything before it`, little-endian.
    public func encode() -> [UInt8] {
        var w = ByteWriter()
        switch config.budget {
        case .window(let b, let n):
            w.u8(1)
            w.f64(b)
            w.f64(Double(n))
        case .rate(let r, let t):
            w.u8(2)
            w.f64(r)
            w.f64(t)
        }
        for v in [
            config.gain, config.boostScale, config.maxBoost, config.maxStep, config.maxCostFactor,
            config.reservationTTL, config.momentum, config.momentumHorizon,
        ] {
            w.f64(v)
        }
        w.count(config.maxOutstanding)
        w.u8(config.expectedRequestRate == nil ? 0 : 1)
        w.f64(config.expectedRequestRate ?? 0)
        for v in [x, xMin, xMax, carry, warmX, warmMix, start, lastNow, lastAccrual, recent] { w.f64(v) }
        w.u64(nextTicket)
        w.u64(oldest)
        for v in [routes, reports, expired, evicted, duplicates, unknown] { w.u64(v) }
        w.count(perAction.count)
        for v in perAction { w.u64(v) }
        w.count(requests.size)
        w.count(requests.filled)
        w.count(requests.pushesSinceRecompute)
        w.f64(requests.sum)
        for v in requests.ring { w.f64(v) }
        w.count(times.ids.count)
        w.f64(times.width)
        for i in times.ids.indices {
            w.i64(times.ids[i])
            w.f64(times.cost[i])
            w.u32(times.count[i])
        }
        w.count(slots.count)
        for s in slots {
            w.u64(s.ticket)
            w.u32(UInt32(bitPattern: s.action))
            w.u8(s.state.rawValue)
            w.f64(s.cost)
            w.f64(s.at)
            w.i64(s.bucket)
        }
        var out = ByteWriter()
        out.bytes = Self.magic
        out.u16(Self.stateVersion)
        out.count(w.bytes.count)
        out.bytes += w.bytes
        out.u64(FNV1a.hash(out.bytes))
        return out.bytes
    }

    /// Restores a state written by `encode` (this version or version 1). Anything corrupt, truncated, of another
    /// version, or inconsistent is rejected with `.badState`: a state file is never trusted.
    public init(decoding bytes: [UInt8]) throws(PolicyError) {
        func bad(_ m: String, _ at: Int? = nil) -> PolicyError { PolicyError(.badState, m, offset: at) }
        guard bytes.count >= 18, Array(bytes[0..<4]) == Self.magic else { throw bad("not a pacer state file") }
        var h = ByteReader(bytes, from: 4)
        let version = try h.u16()
        guard version == 1 || version == Self.stateVersion else {
            throw bad("state version \(version) is unknown", 4)
        }
        let length = Int(try h.u32())
        guard length == bytes.count - 18 else { throw bad("state length \(length) does not match the file", 6) }
        var sumReader = ByteReader(bytes, from: bytes.count - 8)
        guard try sumReader.u64() == FNV1a.hash(bytes[0..<(bytes.count - 8)]) else {
            throw bad("state checksum mismatch")
        }
        var r = ByteReader(bytes, from: 10, to: bytes.count - 8)
        let kind = try r.u8()
        let p1 = try r.finite()
        let p2 = try r.finite()
        let budget: Budget
        switch kind {
        case 1:
            guard p2 >= 1, p2 <= Double(PacerConfig.maxWindow), p2 == p2.rounded() else { throw bad("bad window") }
            budget = .window(meanCost: p1, requests: Int(p2))
        case 2: budget = .rate(costPerSecond: p1, horizon: p2)
        default: throw bad("unknown budget kind \(kind)", 10)
        }
        var config = PacerConfig(budget: budget)
        config.gain = try r.finite()
        config.boostScale = try r.finite()
        config.maxBoost = try r.finite()
        config.maxStep = try r.finite()
        config.maxCostFactor = try r.finite()
        config.reservationTTL = try r.finite()
        if version >= 2 {
            config.momentum = try r.finite()
            config.momentumHorizon = try r.finite()
        } else {
            config.momentum = 0
        }
        config.maxOutstanding = try r.count(max: PacerConfig.maxReservations)
        let hasRate = try r.u8()
        let rate = try r.finite()
        config.expectedRequestRate = hasRate == 1 ? rate : nil
        try config.validate()

        var f: [Double] = []
        for _ in 0..<(version >= 2 ? 10 : 9) { f.append(try r.finite()) }
        let recent = version >= 2 ? f[9] : 0
        let nextTicket = try r.u64()
        let oldest = try r.u64()
        var counters: [UInt64] = []
        for _ in 0..<6 { counters.append(try r.u64()) }
        let actions = try r.count(max: 1 << 16)
        var perAction: [UInt64] = []
        for _ in 0..<actions { perAction.append(try r.u64()) }
        guard f[1] < f[2], f[0] >= f[1], f[0] <= f[2], f[5] >= 0, f[5] <= 1, nextTicket >= 1, oldest >= 1,
            oldest <= nextTicket,
            actions >= 1, recent >= -1, recent <= config.maxCostFactor
        else { throw bad("inconsistent controller state") }

        try self.init(config: config, lambdaTable: [], actionCount: actions, at: f[6])
        (x, xMin, xMax, carry, warmX, warmMix, start, lastNow, lastAccrual) =
            (f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8])
        self.recent = recent
        self.nextTicket = nextTicket
        self.oldest = oldest
        (routes, reports, expired, evicted, duplicates, unknown) =
            (counters[0], counters[1], counters[2], counters[3], counters[4], counters[5])
        self.perAction = perAction

        let size = try r.count(max: PacerConfig.maxWindow)
        requests.filled = try r.count(max: size)
        requests.pushesSinceRecompute = try r.count(max: size)
        let sum = try r.finite()
        guard size == requests.size else { throw bad("window size \(size) does not match the budget") }
        for i in 0..<size { requests.ring[i] = try r.finite() }
        // The running sum is kept bit for bit (so a restored pacer continues exactly), if it matches the ring.
        let exact = requests.ring.reduce(0, +)
        guard abs(sum - exact) <= 1e-6 * (1 + abs(exact)) else { throw bad("window sum does not match its entries") }
        requests.sum = sum
        let buckets = try r.count(max: PacerConfig.rateBuckets)
        let width = try r.finite()
        guard buckets == times.ids.count, buckets == 0 || width == times.width else {
            throw bad("time buckets do not match the budget")
        }
        for i in 0..<buckets {
            times.ids[i] = try r.i64()
            times.cost[i] = try r.finite()
            times.count[i] = try r.u32()
        }
        let slotCount = try r.count(max: PacerConfig.maxReservations)
        guard slotCount == slots.count else { throw bad("reservation slots do not match maxOutstanding") }
        var open = 0
        for i in 0..<slotCount {
            let ticket = try r.u64()
            let action = Int32(bitPattern: try r.u32())
            let at = r.offset
            guard let state = Reservation.State(rawValue: try r.u8()) else { throw bad("bad reservation", at) }
            let cost = try r.finite()
            let time = try r.finite()
            let bucket = try r.i64()
            guard ticket < nextTicket, state == .empty || Int(ticket % UInt64(slotCount)) == i else {
                throw bad("reservation ticket out of place", at)
            }
            if state == .outstanding { open += 1 }
            slots[i] = Reservation(ticket: ticket, action: action, state: state, cost: cost, at: time, bucket: bucket)
        }
        outstanding = open
        guard r.offset == r.end else { throw bad("trailing bytes in state", r.offset) }
    }
}
