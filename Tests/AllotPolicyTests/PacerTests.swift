import AllotModel
import AllotPolicy
import Foundation
import Testing

private let table = Traffic.table(seed: 99)

private func pacer(_ budget: Budget, gain: Double = 0.1, at t: Double = 0) throws -> Pacer {
    try Pacer(config: PacerConfig(budget: budget, gain: gain), lambdaTable: table, actionCount: 5, at: t)
}

/// Runs `n` requests at ten per second through the pacer, reporting each after `delay` further requests.
private func run(
    _ p: inout Pacer, _ traffic: inout Traffic, n: Int, delay: Int = 0, from t0: Double = 0
) -> [Double] {
    var realized: [Double] = []
    var pending: [(Ticket, Double)] = []
    for k in 0..<n {
        let r = traffic.next()
        let a = Policy.choose(utilities: r.u, costs: r.c, lambda: p.lambda)
        let t = t0 + Double(k) / 10
        pending.append((p.reserve(action: a, estimate: r.c[a], at: t), r.actual[a]))
        realized.append(r.actual[a])
        while pending.count > delay {
            let (ticket, cost) = pending.removeFirst()
            #expect(p.settle(ticket, cost: cost, at: t) == .settled)
        }
    }
    return realized
}

private func mean(_ xs: ArraySlice<Double>) -> Double { xs.reduce(0, +) / Double(xs.count) }

@Test func tableInterpolation() {
    let t = [
        LambdaPoint(budget: 1, lambda: 0.4, mix: 0.2), LambdaPoint(budget: 2, lambda: 0.1, mix: 0.3),
        LambdaPoint(budget: 3, lambda: 0.1, mix: 0.9),
    ]
    #expect(Pacer.tableLambda(t, budget: 0.5) == (0.4, 0))
    #expect(Pacer.tableLambda(t, budget: 1) == (0.4, 0.2))
    #expect(abs(Pacer.tableLambda(t, budget: 1.5).lambda - 0.2) < 1e-12)
    #expect(abs(Pacer.tableLambda(t, budget: 2.5).mix - 0.6) < 1e-12)
    #expect(Pacer.tableLambda(t, budget: 2.5).lambda == 0.1)
    #expect(Pacer.tableLambda(t, budget: 9) == (0.1, 1))
    #expect(Pacer.tableLambda([], budget: 9) == (0, 0))
}

@Test(arguments: [2.0, 4.0, 7.0])
func convergesOnAStationaryStream(budget: Double) throws {
    var p = try pacer(.window(meanCost: budget, requests: 500))
    var traffic = Traffic(rng: SplitMix64(seed: 1))
    let costs = run(&p, &traffic, n: 20_000)
    let m = mean(costs[...])
    #expect(abs(m / budget - 1) < 0.01, "mean \(m) for budget \(budget)")
    var worst = 0.0
    for end in stride(from: 1000, through: costs.count, by: 100) {
        worst = max(worst, abs(mean(costs[(end - 500)..<end]) / budget - 1))
    }
    #expect(worst < 0.05, "worst 500-window deviation \(worst)")
    #expect(p.lambda.isFinite && p.lambda > 0)
}

/// Requests after `shift` until the rolling `window` mean is within ±`tol` of `budget` and stays there.
private func recovery(_ costs: [Double], shift: Int, budget: Double, window: Int = 500, tol: Double = 0.05) -> Int {
    var last = shift
    var sum = costs[(shift - window)..<shift].reduce(0, +)
    for end in (shift + 1)...costs.count {
        sum += costs[end - 1] - costs[end - 1 - window]
        if abs(sum / Double(window) / budget - 1) > tol { last = end }
    }
    return last - shift
}

@Test(arguments: [(0.2, 0.8), (0.8, 0.2), (0.5, 0.95)])
func recoversAfterAnAbruptShift(from: Double, to: Double) throws {
    let budget = 4.0
    var p = try pacer(.window(meanCost: budget, requests: 500))
    var traffic = Traffic(rng: SplitMix64(seed: 2), difficulty: from)
    var costs = run(&p, &traffic, n: 5000)
    traffic.difficulty = to
    costs += run(&p, &traffic, n: 5000, from: 5000)
    let r = recovery(costs, shift: 5000, budget: budget)
    #expect(r <= 500)
    #expect(abs(mean(costs[...]) / budget - 1) < 0.01)
}

@Test(arguments: [10, 200])
func lateReportsDoNotOverspend(delay: Int) throws {
    let budget = 4.0
    var p = try pacer(.window(meanCost: budget, requests: 500))
    var traffic = Traffic(rng: SplitMix64(seed: 3))
    let costs = run(&p, &traffic, n: 10_000, delay: delay)
    #expect(abs(mean(costs[...]) / budget - 1) < 0.01)
    #expect(abs(mean(costs[5000...]) / budget - 1) < 0.02)
}

@Test func aBurstOfUnreportedRequestsRaisesLambdaAtOnce() throws {
    var p = try pacer(.window(meanCost: 4, requests: 500))
    let before = p.lambda
    for _ in 0..<50 { _ = p.reserve(action: 4, estimate: 16, at: 0) }
    #expect(p.lambda > before * 2)
    let s = p.stats(at: 0)
    #expect(s.outstanding == 50 && s.windowMeanCost == 16 && s.routes == 50 && s.perAction == [0, 0, 0, 0, 50])
}

@Test func reservationsExpireAfterTheTTLAtTheirEstimate() throws {
    var p = try Pacer(
        config: PacerConfig(budget: .window(meanCost: 4, requests: 10), reservationTTL: 60), lambdaTable: table,
        actionCount: 5, at: 100)
    let t1 = p.reserve(action: 1, estimate: 2, at: 100)
    let t2 = p.reserve(action: 2, estimate: 6, at: 130)
    #expect(p.expire(at: 159) == 0)
    #expect(p.expire(at: 160) == 1)
    #expect(p.settle(t1, cost: 3, at: 161) == .notFound)
    #expect(p.stats(at: 161).windowMeanCost == 4)  // (2 + 6) / 2: the expired one stays charged at its estimate
    #expect(p.settle(t2, cost: 8, at: 170) == .settled)
    #expect(p.stats(at: 170).windowMeanCost == 5)
    #expect(p.expire(at: 1000) == 0)
    let s = p.stats(at: 1000)
    #expect(s.expired == 1 && s.reports == 1 && s.outstanding == 0 && s.unknownReports == 1)
}

@Test func settleIsIdempotentAndRejectsUnknownTickets() throws {
    var p = try pacer(.window(meanCost: 4, requests: 10))
    let t = p.reserve(action: 0, estimate: 1, at: 0)
    #expect(p.settle(t, cost: 5, at: 1) == .settled)
    let lam = p.lambda
    #expect(p.settle(t, cost: 5, at: 2) == .duplicate)
    #expect(p.settle(t, cost: 99, at: 2) == .duplicate)
    #expect(p.lambda == lam)
    #expect(p.stats(at: 2).windowMeanCost == 5)
    #expect(p.settle(Ticket(0), cost: 1, at: 2) == .notFound)
    #expect(p.settle(Ticket(2), cost: 1, at: 2) == .notFound)
    #expect(p.settle(Ticket(.max), cost: 1, at: 2) == .notFound)
}

@Test func outstandingReservationsAreCapped() throws {
    var p = try Pacer(
        config: PacerConfig(budget: .window(meanCost: 4, requests: 100), maxOutstanding: 8), lambdaTable: table,
        actionCount: 5, at: 0)
    let tickets = (0..<10).map { _ in p.reserve(action: 2, estimate: 4, at: 0) }
    let s = p.stats(at: 0)
    #expect(s.outstanding == 8 && s.evicted == 2)
    #expect(p.settle(tickets[0], cost: 1, at: 0) == .notFound)
    #expect(p.settle(tickets[9], cost: 1, at: 0) == .settled)
    // The settled ticket is remembered until its slot is reused 8 tickets later.
    for _ in 0..<7 { _ = p.reserve(action: 2, estimate: 4, at: 0) }
    #expect(p.settle(tickets[9], cost: 1, at: 0) == .duplicate)
    _ = p.reserve(action: 2, estimate: 4, at: 0)
    #expect(p.settle(tickets[9], cost: 1, at: 0) == .notFound)
}

@Test func lambdaStaysFiniteUnderAdversarialCosts() throws {
    let patterns: [[Double]] = [
        [0], [1e300], [.infinity], [.nan], [-5], [0, 1e300], [1e-300, 1e300, 0, .greatestFiniteMagnitude],
    ]
    for pattern in patterns {
        for budget in [Budget.window(meanCost: 4, requests: 50), .rate(costPerSecond: 2, horizon: 30)] {
            var p = try pacer(budget)
            for k in 0..<5000 {
                let c = pattern[k % pattern.count]
                let t = p.reserve(action: k % 5, estimate: c, at: Double(k) * 0.5)
                p.settle(t, cost: pattern[(k + 1) % pattern.count], at: Double(k) * 0.5)
                #expect(p.lambda.isFinite && p.lambda > 0)
            }
            let s = p.stats(at: 1e9)
            #expect(s.windowMeanCost.isFinite && s.windowMeanCost >= 0)
        }
    }
    // Time going backwards or NaN is treated as the latest time seen.
    var p = try pacer(.rate(costPerSecond: 2, horizon: 30), at: 100)
    _ = p.reserve(action: 0, estimate: 1, at: .nan)
    _ = p.reserve(action: 0, estimate: 1, at: -1e300)
    #expect(p.lambda.isFinite)
}

@Test func rateBudgetHoldsTheSpendRate() throws {
    // Two requests per second, 8 cost units per second: 4 per request on average.
    var p = try Pacer(
        config: PacerConfig(budget: .rate(costPerSecond: 8, horizon: 300), expectedRequestRate: 2),
        lambdaTable: table, actionCount: 5, at: 0)
    var traffic = Traffic(rng: SplitMix64(seed: 4))
    var spent = 0.0
    for k in 0..<20_000 {
        let t = Double(k) / 2
        let r = traffic.next()
        let a = Policy.choose(utilities: r.u, costs: r.c, lambda: p.lambda)
        let ticket = p.reserve(action: a, estimate: r.c[a], at: t)
        p.settle(ticket, cost: r.actual[a], at: t)
        if k >= 10_000 { spent += r.actual[a] }
    }
    #expect(abs(spent / 5000 / 8 - 1) < 0.02, "rate \(spent / 5000)")
    #expect(abs(p.stats(at: 10_000).windowMeanCost / 8 - 1) < 0.05)
}

/// Worst rolling-window deviation over windows ending in `range`.
private func worstWindow(_ costs: [Double], _ range: ClosedRange<Int>, budget: Double, window: Int = 500) -> Double {
    var worst = 0.0
    for end in range where end >= window {
        let d = costs[(end - window)..<end].reduce(0, +) / Double(window) / budget - 1
        if abs(d) > abs(worst) { worst = d }
    }
    return worst
}

/// A shift from easy to hard traffic (or back) that moves λ* by an order of magnitude, at the default settings
/// and with the momentum off and the old gain scheduling on (the settings before momentum): the default never lets
/// a window after the shift leave ±5% and always stays closer to the budget than the old settings.
@Test(arguments: [(0.1, 0.9), (0.9, 0.1)])
func momentumHoldsTheWindowThroughAnAbruptShift(from: Double, to: Double) throws {
    let budget = 4.0
    let old = PacerConfig(budget: .window(meanCost: budget, requests: 500), maxBoost: 4, momentum: 0)
    for seed: UInt64 in 1...4 {
        var worst: [Double] = []
        for config in [PacerConfig(budget: .window(meanCost: budget, requests: 500)), old] {
            var p = try Pacer(config: config, lambdaTable: table, actionCount: 5, at: 0)
            var traffic = Traffic(rng: SplitMix64(seed: seed), difficulty: from)
            var costs = run(&p, &traffic, n: 3000)
            let before = p.lambda
            traffic.difficulty = to
            costs += run(&p, &traffic, n: 3000, from: 300)
            #expect(abs(log(p.lambda / before)) > 2, "λ has to move by an order of magnitude")
            #expect(abs(mean(costs[...]) / budget - 1) < 0.01)
            if config != old { #expect(recovery(costs, shift: 3000, budget: budget) <= 100) }
            worst.append(worstWindow(costs, 3001...6000, budget: budget))
        }
        #expect(abs(worst[0]) < 0.05, "seed \(seed): worst window \(worst[0]) after the shift")
        #expect(abs(worst[0]) < abs(worst[1]), "seed \(seed): \(worst[0]) with momentum, \(worst[1]) without")
    }
}

/// The accounting identity of `docs/pacing.md`: while λ stays inside its range and no step is clipped,
/// `x_T − x_0 = (η+μ)·Σe_reserve + (η + μ − μ/h)·Σe_settle − μ(h−1)·m_T` with `m` the moving average of the
/// per-request errors (each a reserve error plus its settle correction).
@Test(arguments: [0.0, 0.2, 0.5])
func spendErrorIsAccountedInLambda(momentum: Double) throws {
    let (b, eta, h) = (4.0, 0.05, 30.0)
    var p = try Pacer(
        config: PacerConfig(budget: .window(meanCost: b, requests: 500), gain: eta, maxStep: 10, momentum: momentum),
        lambdaTable: table, actionCount: 5, at: 0)
    let x0 = log(p.lambda)
    var traffic = Traffic(rng: SplitMix64(seed: 5))
    var (reserved, corrections, m) = (0.0, 0.0, 0.0)
    for k in 0..<4000 {
        let r = traffic.next()
        let a = Policy.choose(utilities: r.u, costs: r.c, lambda: p.lambda)
        let t = p.reserve(action: a, estimate: r.c[a], at: Double(k))
        p.settle(t, cost: r.actual[a], at: Double(k))
        let (e1, e2) = (r.c[a] / b - 1, (r.actual[a] - r.c[a]) / b)
        reserved += e1
        corrections += e2
        m += (e1 - m) / h + e2 / h
    }
    let expected = (eta + momentum) * reserved + (eta + momentum - momentum / h) * corrections
        - momentum * (h - 1) * m
    #expect(abs(log(p.lambda) - x0 - expected) < 1e-8 * (1 + abs(expected)), "\(log(p.lambda) - x0) vs \(expected)")
    // The mean-cost error this bounds: small because λ ends near where it started.
    #expect(abs((reserved + corrections) / 4000) < 0.01)
}
