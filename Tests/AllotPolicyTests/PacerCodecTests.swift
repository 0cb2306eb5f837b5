import AllotModel
import AllotPolicy
import Foundation
import Testing

private let table = Traffic.table(seed: 99)

/// A pacer with history: settled, outstanding, expired and duplicate-reported requests.
private func busyPacer(_ budget: Budget) throws -> Pacer {
    var p = try Pacer(
        config: PacerConfig(budget: budget, reservationTTL: 30, maxOutstanding: 64, expectedRequestRate: 3),
        lambdaTable: table, actionCount: 5, at: 1000)
    var traffic = Traffic(rng: SplitMix64(seed: 8))
    var open: [(Ticket, Double)] = []
    for k in 0..<700 {
        let t = 1000 + Double(k) / 4
        let r = traffic.next()
        let a = Policy.choose(utilities: r.u, costs: r.c, lambda: p.lambda)
        open.append((p.reserve(action: a, estimate: r.c[a], at: t), r.actual[a]))
        if k % 3 != 0, open.count > 5 {
            let (ticket, cost) = open.removeFirst()
            p.settle(ticket, cost: cost, at: t)
            if k % 7 == 0 { p.settle(ticket, cost: cost, at: t) }
        }
    }
    return p
}

private let budgets: [Budget] = [.window(meanCost: 4, requests: 300), .rate(costPerSecond: 12, horizon: 120)]

@Test(arguments: budgets)
func encodeDecodeRoundTripsAndBehavesTheSame(budget: Budget) throws {
    var a = try busyPacer(budget)
    let bytes = a.encode()
    var b = try Pacer(decoding: bytes)
    #expect(b.encode() == bytes)
    #expect(b.lambda == a.lambda && b.config == a.config)
    #expect(b.stats(at: 1200) == a.stats(at: 1200))
    // The restored pacer continues exactly like the original.
    var traffic = Traffic(rng: SplitMix64(seed: 9))
    for k in 0..<300 {
        let t = 1200 + Double(k)
        let r = traffic.next()
        let ta = a.reserve(action: 1, estimate: r.c[1], at: t)
        let tb = b.reserve(action: 1, estimate: r.c[1], at: t)
        #expect(ta == tb)
        #expect(
            a.settle(Ticket(ta.rawValue - 3), cost: r.actual[1], at: t)
                == b.settle(Ticket(tb.rawValue - 3), cost: r.actual[1], at: t))
    }
    #expect(a.encode() == b.encode())
}

@Test(arguments: budgets)
func corruptStatesAreRejected(budget: Budget) throws {
    let bytes = try busyPacer(budget).encode()
    // Every truncation.
    for n in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 997)) {
        #expect(throws: PolicyError.self) { try Pacer(decoding: Array(bytes[0..<n])) }
    }
    // Flipped bits anywhere.
    var rng = SplitMix64(seed: 11)
    for _ in 0..<500 {
        var c = bytes
        let i = Int(rng.next() % UInt64(c.count))
        c[i] ^= UInt8(1 << (rng.next() % 8))
        #expect(throws: PolicyError.self) { try Pacer(decoding: c) }
    }
    // Trailing garbage, random bytes, another version.
    #expect(throws: PolicyError.self) { try Pacer(decoding: bytes + [0]) }
    #expect(throws: PolicyError.self) {
        try Pacer(decoding: (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }
    for version: UInt8 in [0, 3] {
        var other = bytes
        other[4] = version
        #expect(throws: PolicyError.self) { try Pacer(decoding: other) }
    }
}

@Test func aValidChecksumOverInconsistentContentIsStillRejected() throws {
    var bytes = try busyPacer(.window(meanCost: 4, requests: 300)).encode()
    // Set λ (the first f64 after the 4+2+4 header, 73 bytes of settings) to NaN and re-seal the checksum.
    let at = 10 + 1 + 16 + 64 + 4 + 1 + 8
    for k in 0..<8 { bytes[at + k] = UInt8(truncatingIfNeeded: Double.nan.bitPattern >> (8 * UInt64(k))) }
    let sum = FNV1a.hash(bytes[0..<(bytes.count - 8)])
    for k in 0..<8 { bytes[bytes.count - 8 + k] = UInt8(truncatingIfNeeded: sum >> (8 * UInt64(k))) }
    #expect(throws: PolicyError.self) { try Pacer(decoding: bytes) }
}

@Test func stateStoreSavesAtomicallyAndLoads() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("allot-state-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("pacer.state").path
    #expect(try StateStore.load(path) == nil)
    let p = try busyPacer(.window(meanCost: 4, requests: 300))
    try StateStore.save(p.encode(), to: path)
    try StateStore.save(p.encode(), to: path)
    let loaded = try #require(try StateStore.load(path))
    #expect(try Pacer(decoding: loaded).encode() == p.encode())
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["pacer.state"])
    #expect(throws: PolicyError.self) { try StateStore.save([1], to: dir.appendingPathComponent("no/such").path) }
    #expect(throws: PolicyError.self) { try StateStore.load(dir.path) }
}

@Test func restartKeepsSpendAndLambdaAndRebasesTime() throws {
    var p = try busyPacer(.rate(costPerSecond: 12, horizon: 120))
    let before = p.stats(at: 1175)
    var q = try Pacer(decoding: p.encode())
    q.rebase(at: 5)  // the clock restarted near zero
    #expect(q.lambda == p.lambda)
    let after = q.stats(at: 5)
    #expect(abs(after.windowMeanCost - before.windowMeanCost) < 1e-9)
    #expect(after.outstanding == before.outstanding)
    // Time moves on from the rebased clock: old reservations expire after the TTL, not at once.
    #expect(q.expire(at: 5) == 0)
    p.rebase(at: 2000)  // a later clock is not a rebase
    #expect(p.stats(at: 2000).windowRequests == 0)
}

@Test func reconfiguringKeepsWhatStillApplies() throws {
    let policy = try Policy(model: { var rng = SplitMix64(seed: 3); return TestModels.model(&rng) }())
    var p = try Pacer(config: PacerConfig(budget: .window(meanCost: 3, requests: 100)), policy: policy, at: 0)
    var tickets: [Ticket] = []
    for k in 0..<150 { tickets.append(p.reserve(action: k % 4, estimate: Double(1 + k % 4), at: Double(k))) }
    for t in tickets.prefix(140) { p.settle(t, cost: 2, at: 150) }
    let before = p.stats(at: 150)

    // Same budget, another gain: λ, window, tickets and counters all carry over.
    var same = PacerConfig(budget: .window(meanCost: 3, requests: 100))
    same.gain = 0.02
    let q = try p.reconfigured(to: same, policy: policy, at: 150)
    #expect(q.lambda == p.lambda && q.stats(at: 150) == before)
    var q2 = q
    #expect(q2.settle(tickets[145], cost: 2, at: 151) == .settled)
    #expect(q2.settle(tickets[139], cost: 2, at: 151) == .duplicate)

    // A smaller window keeps the most recent requests; a new budget warm-starts λ.
    let r = try p.reconfigured(to: PacerConfig(budget: .window(meanCost: 5, requests: 20)), policy: policy, at: 150)
    let rs = r.stats(at: 150)
    #expect(rs.windowRequests == 20 && rs.routes == before.routes)
    // Requests 130...139 settled at 2; 140...149 still at their estimates 1, 2, 3, 4, 1, 2, 3, 4, 1, 2.
    let expected: Double = (20 + 23) / 20
    #expect(abs(rs.windowMeanCost - expected) < 1e-12)
    #expect(r.lambda == Pacer.tableLambda(policy.model.lambdaTable, budget: 5).lambda)

    // Switching to a rate budget starts its spend history empty, but keeps the counters.
    let t = try p.reconfigured(
        to: PacerConfig(budget: .rate(costPerSecond: 1, horizon: 60)), policy: policy, at: 150)
    #expect(t.stats(at: 150).windowRequests == 0 && t.stats(at: 150).routes == 150)
}

/// State files written by the version-1 encoder (before momentum; `Fixtures/make-pacer-v1-states.swift` made
/// them with that code) still load: as the pacer that wrote them, without momentum, and they continue.
@Test(arguments: [
    ("window", 0.10422149140646507, 4.013803318651924, 300), ("rate", 0.12975987895798183, 11.900140888542076, 477),
])
func versionOneStatesStillLoad(name: String, lambda: Double, windowMean: Double, held: Int) throws {
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    let bytes = [UInt8](try Data(contentsOf: here.appendingPathComponent("Fixtures/pacer-v1-\(name).state")))
    #expect(bytes[4] == 1 && bytes[5] == 0)
    var p = try Pacer(decoding: bytes)
    // What the v1 generator printed for these files.
    #expect(p.lambda == lambda)
    #expect(p.config.momentum == 0 && p.config.maxBoost == 4 && p.config.maxOutstanding == 64)
    let s = p.stats(at: 1175)
    #expect(s.routes == 700 && s.reports == 117 && s.outstanding == 64 && s.windowRequests == held)
    #expect(s.windowMeanCost == windowMean)
    // Re-encoded, it is a current-version file that decodes to the same pacer.
    let again = p.encode()
    #expect(again[4] == 2)
    let q = try Pacer(decoding: again)
    #expect(q.config == p.config && q.lambda == p.lambda && q.stats(at: 1175) == s)
    // An old file with a flipped bit is still rejected.
    var bad = bytes
    bad[bytes.count / 2] ^= 4
    #expect(throws: PolicyError.self) { try Pacer(decoding: bad) }
    // And it keeps pacing.
    var traffic = Traffic(rng: SplitMix64(seed: 12))
    for k in 0..<200 {
        let r = traffic.next()
        let a = Policy.choose(utilities: r.u, costs: r.c, lambda: p.lambda)
        let t = p.reserve(action: a, estimate: r.c[a], at: 1175 + Double(k))
        #expect(p.settle(t, cost: r.actual[a], at: 1175 + Double(k)) == .settled)
    }
    #expect(p.lambda.isFinite && p.lambda > 0 && p.stats(at: 1400).routes == 900)
}

@Test func momentumSettingsAndStateRoundTrip() throws {
    var config = PacerConfig(budget: .window(meanCost: 4, requests: 100), momentum: 0.7, momentumHorizon: 12)
    config.maxBoost = 3
    var a = try Pacer(config: config, lambdaTable: table, actionCount: 5, at: 0)
    for k in 0..<150 { a.record(action: k % 5, cost: Double(k % 9), at: Double(k)) }
    var b = try Pacer(decoding: a.encode())
    #expect(b.config == config && b.lambda == a.lambda)
    // The moving average is restored too: both continue identically (it would diverge at once otherwise).
    for k in 150..<300 {
        a.record(action: 2, cost: Double(k % 7), at: Double(k))
        b.record(action: 2, cost: Double(k % 7), at: Double(k))
        #expect(a.lambda == b.lambda)
    }
    // Out-of-range settings are refused, as every other setting.
    for (m, h) in [(-0.1, 30.0), (11, 30), (.nan, 30), (0.2, 0.5), (0.2, .infinity)] {
        #expect(throws: PolicyError.self) {
            try Pacer(
                config: PacerConfig(budget: .window(meanCost: 4, requests: 100), momentum: m, momentumHorizon: h),
                lambdaTable: table, actionCount: 5, at: 0)
        }
    }
}
