import AllotModel
import AllotPolicy
import Foundation

extension Simulation {
    func measure(
        _ o: Options, order: [Int], cost: [Double], acc: [Double], chosen: [Int],
        predictions: [(u: [Double], c: [Double])], initialLambda: Double, finalLambda: Double
    ) -> SimulationResult {
        let n = cost.count
        let meanCost = cost.reduce(0, +) / Double(n)
        let w = o.window
        let stream = order.map { (row: table.rows[$0], p: predictions[$0]) }
        // What each request would cost at λ = 0 (the best predicted utility, whatever its price): by the
        // predictions no price makes the policy spend more on it, so a window's budget cannot bind above their mean.
        let ceiling = stream.map { $0.row.cost[columns[Policy.choose(utilities: $0.p.u, costs: $0.p.c, lambda: 0)]] }
        let pace = Self.pacing(cost: cost, budget: o.budget, window: w, shift: o.shift, passes: o.passes,
                               tolerance: o.tolerance, ceiling: ceiling)
        let (worst, worstAll, points, recovery, recovered) =
            (pace.worst, pace.worstAll, pace.shiftPoints, pace.recovery, pace.recovered)

        let fixed = hindsight(stream, target: meanCost)
        // The same fixed policy, realized request by request (seeded mixing), to show what its windows do.
        var mixRng = SplitMix64(seed: o.seed ^ 0x5eed)
        let fixedWorst = Self.pacing(cost: realize(stream[...], fixed, rng: &mixRng), budget: o.budget, window: w,
                                     shift: .none, passes: 1, tolerance: o.tolerance).worst
        // The reference that spends each regime's budget as the pacer must: between shift points (and the stream's
        // ends), the hindsight fixed λ at the cost the paced policy realized there, i.e. a fixed price that knew
        // when each regime begins. Without a shift it is the fixed λ above.
        let bounds = [0] + pace.shiftPoints + [n]
        var segmentAccuracy = 0.0
        var segmentCost: [Double] = []
        var segmentRng = SplitMix64(seed: o.seed ^ 0x5e9)
        for (from, to) in zip(bounds, bounds.dropFirst()) where to > from {
            let part = Array(stream[from..<to])
            let h = hindsight(part, target: cost[from..<to].reduce(0, +) / Double(to - from))
            segmentAccuracy += h.accuracy * Double(to - from)
            segmentCost += realize(part[...], h, rng: &segmentRng)
        }
        let segmentWorst = Self.pacing(cost: segmentCost, budget: o.budget, window: w, shift: .none, passes: 1,
                                       tolerance: o.tolerance).worst
        let warm = Pacer.tableLambda(policy.model.lambdaTable, budget: o.budget)
        let unadapted = mixed(stream, lambda: warm.lambda, mix: warm.mix)

        var share: [String: Double] = [:]
        for (a, k) in chosen.enumerated() { share[policy.model.actions[a].name] = Double(k) / Double(n) }
        return SimulationResult(
            requests: n, budget: o.budget, window: w, shift: o.shift, seed: o.seed, reportDelay: o.reportDelay,
            gain: o.gain ?? PacerConfig(budget: .window(meanCost: 1, requests: 1)).gain,
            meanCost: meanCost, accuracy: acc.reduce(0, +) / Double(n),
            worstWindowDeviation: worst, worstWindowDeviationAll: worstAll, shiftPoints: points,
            recovery: recovery, recovered: recovered, steadyWorstWindowDeviation: pace.steadyWorst,
            spendableRecovery: pace.spendableRecovery, spendableRecovered: pace.spendableRecovered,
            initialLambda: initialLambda, finalLambda: finalLambda,
            actionShare: share, fixedLambda: fixed.lambda, fixedAccuracy: fixed.accuracy,
            fixedMeanCost: fixed.cost, fixedWorstWindowDeviation: fixedWorst,
            segmentFixedAccuracy: segmentAccuracy / Double(n), segmentFixedWorstWindowDeviation: segmentWorst,
            tableLambda: warm.lambda,
            tableAccuracy: unadapted.accuracy,
            tableMeanCost: unadapted.cost)
    }

    package typealias Stream = [(row: TableRow, p: (u: [Double], c: [Double]))]

    /// The actual costs of a hindsight policy request by request: its costlier side with probability `weightLo`.
    func realize(_ s: Stream.SubSequence, _ h: Hindsight, rng: inout SplitMix64) -> [Double] {
        s.map { row, p in
            let useLo = rng.nextUnit() < h.weightLo
            return row.cost[columns[Policy.choose(utilities: p.u, costs: p.c, lambda: useLo ? h.lambdaLo : h.lambda)]]
        }
    }

    /// Mean actual cost and accuracy of the fixed price λ: `π⁻` with probability `mix`, else `π⁺` (expectation).
    package func mixed(_ s: Stream, lambda: Double, mix: Double) -> (cost: Double, accuracy: Double) {
        var c = 0.0
        var a = 0.0
        for (row, p) in s {
            let lo = Policy.choose(utilities: p.u, costs: p.c, lambda: lambda)
            let hi = mix > 0 ? Policy.choose(utilities: p.u, costs: p.c, lambda: lambda, mix: 1, draw: 0) : lo
            c += (1 - mix) * row.cost[columns[lo]] + mix * row.cost[columns[hi]]
            a += (1 - mix) * row.acc[columns[lo]] + mix * row.acc[columns[hi]]
        }
        return (c / Double(s.count), a / Double(s.count))
    }

    /// The fixed λ whose policy realizes mean cost `target` on the same rows: bisection in log λ to bracket it,
    /// then the two bracketing policies mixed to hit it exactly (accuracy is linear in the mixing probability).
    ///
    /// Returns the cheaper side's λ (`lambda`), the costlier side's (`lambdaLo`) and its weight `weightLo`.
    package func hindsight(_ s: Stream, target: Double) -> Hindsight {
        var lo = -30.0  // log λ: costlier side
        var hi = 20.0
        let atLo = mixed(s, lambda: Foundation.exp(lo), mix: 0)
        if atLo.cost <= target {
            return Hindsight(lambda: Foundation.exp(lo), cost: atLo.cost, accuracy: atLo.accuracy)
        }
        let atHi = mixed(s, lambda: Foundation.exp(hi), mix: 0)
        if atHi.cost >= target {
            return Hindsight(lambda: Foundation.exp(hi), cost: atHi.cost, accuracy: atHi.accuracy)
        }
        var (cLo, cHi) = (atLo, atHi)
        for _ in 0..<80 {
            let mid = (lo + hi) / 2
            let m = mixed(s, lambda: Foundation.exp(mid), mix: 0)
            if m.cost > target { (lo, cLo) = (mid, m) } else { (hi, cHi) = (mid, m) }
        }
        let wLo = cLo.cost == cHi.cost ? 0 : (target - cHi.cost) / (cLo.cost - cHi.cost)
        return Hindsight(
            lambda: Foundation.exp(hi), cost: target, accuracy: cHi.accuracy + wLo * (cLo.accuracy - cHi.accuracy),
            lambdaLo: Foundation.exp(lo), weightLo: wLo)
    }

    package struct Hindsight {
        package var lambda: Double
        package var cost: Double
        package var accuracy: Double
        package var lambdaLo: Double = 0
        package var weightLo: Double = 0
    }
}


/// How well a realized cost stream held its budget: the figures `simulate` and `replay` share.
package struct PacingFigures: Sendable {
    /// Worst signed rolling-window deviation after the first window, and over every window.
    package var worst: Double?
    package var worstAll: Double?
    package var shiftPoints: [Int]
    package var recovery: Int?
    package var recovered: Bool
    /// The same against the budget the policy can spend, `min(B, ceiling)` per window (see `pacing`): nil without
    /// a ceiling. `steadyWorst` leaves out the windows in each shift's recovery allowance.
    package var steadyWorst: Double?
    package var spendableRecovery: Int?
    package var spendableRecovered = true
}

extension Simulation {
    /// Rolling-window deviations from `budget` and the recovery after each shift point of `shift`'s order.
    ///
    /// With `ceiling` (each request's actual cost at λ = 0), also the figures against the budget the policy can
    /// spend: a window's target is `min(B, max(mean ceiling, mean spent))`, since by the predictions no price makes
    /// the policy spend more than the best predicted utility costs (spending below B there is the cap not binding,
    /// not an error; a request whose cheaper-predicted action costs more in fact can spend above its ceiling, hence
    /// the `max`); and the worst such window outside the recovery allowance, the first
    /// `min(recovery, recoveryLimit)` requests after each shift point, which the recovery target governs instead.
    package static func pacing(cost: [Double], budget: Double, window w: Int, shift: Shift, passes: Int,
                               tolerance: Double, ceiling: [Double]? = nil, recoveryLimit: Int = 500)
        -> PacingFigures
    {
        let n = cost.count
        let prefix = Self.prefixSums(cost)
        func dev(_ from: Int, _ to: Int) -> Double { (prefix[to] - prefix[from]) / Double(to - from) / budget - 1 }
        // Signed deviation of largest magnitude.
        func worse(_ a: Double?, _ d: Double) -> Double { abs(d) > abs(a ?? 0) ? d : (a ?? d) }
        var worst: Double?
        var worstAll: Double?
        if n >= w {
            for t in w...n {
                let d = dev(t - w, t)
                worstAll = worse(worstAll, d)
                if t - w >= w { worst = worse(worst, d) }
            }
        }
        // Shift points: a third into each pass, and (after the first) each pass boundary.
        var points: [Int] = []
        if shift != .none, n > 0 {
            let m = n / passes
            for p in 0..<passes {
                if p > 0 { points.append(p * m) }
                points.append(p * m + m / 3)
            }
        }
        let (recoveries, recovered) = Self.recoveries(points, n: n, window: w, tolerance: tolerance, deviation: dev)
        var figures = PacingFigures(worst: worst, worstAll: worstAll, shiftPoints: points,
                                    recovery: recoveries.max(), recovered: recovered)
        guard let ceiling, ceiling.count == n else { return figures }
        let top = Self.prefixSums(ceiling)
        func spendable(_ from: Int, _ to: Int) -> Double {
            let spent = prefix[to] - prefix[from]
            return spent / Swift.min(budget * Double(to - from), Swift.max(top[to] - top[from], spent)) - 1
        }
        let (spendableRecoveries, spendableRecovered) =
            Self.recoveries(points, n: n, window: w, tolerance: tolerance, deviation: spendable)
        figures.spendableRecovery = spendableRecoveries.max()
        figures.spendableRecovered = spendableRecovered
        if n >= 2 * w {
            var allowance = [Bool](repeating: false, count: n + 1)  // windows ending here are the recovery's
            for (s, r) in zip(points, spendableRecoveries) {
                for t in stride(from: s + 1, through: Swift.min(n, s + Swift.min(r, recoveryLimit)), by: 1) {
                    allowance[t] = true
                }
            }
            for t in (2 * w)...n where !allowance[t] {
                figures.steadyWorst = worse(figures.steadyWorst, spendable(t - w, t))
            }
        }
        return figures
    }

    static func prefixSums(_ x: [Double]) -> [Double] {
        var prefix = [0.0]
        prefix.reserveCapacity(x.count + 1)
        for v in x { prefix.append(prefix[prefix.count - 1] + v) }
        return prefix
    }

    /// For each shift point, the requests until the rolling `deviation` is within `tolerance` and stays so until
    /// the next point (or the end); false when some point's last window is still outside.
    static func recoveries(_ points: [Int], n: Int, window w: Int, tolerance: Double,
                           deviation: (Int, Int) -> Double) -> ([Int], Bool) {
        var out: [Int] = []
        var recovered = true
        for (j, s) in points.enumerated() {
            let next = j + 1 < points.count ? points[j + 1] : n
            var last = s
            for t in Swift.max(s, 1)...Swift.max(next, 1) where t > s {
                if abs(deviation(Swift.max(0, t - w), t)) > tolerance { last = t }
            }
            if last == next && next > s && abs(deviation(Swift.max(0, next - w), next)) > tolerance {
                recovered = false
            }
            out.append(last - s)
        }
        return (out, recovered)
    }
}
