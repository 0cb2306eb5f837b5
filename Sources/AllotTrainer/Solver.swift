import Foundation

/// The per-instance oracle under a mean-cost budget (the "Solve" of Solve-then-Learn).
///
/// Maximise `mean_i acc(x_i, π_i)` subject to `mean_i cost(x_i, π_i) ≤ B` over (randomised) policies π. The
/// Lagrangian relaxation decouples per instance: `a*(x; λ) = argmax_a acc(x,a) − λ·cost(x,a)`, ties to the cheaper
/// action (then the lower action index). As λ falls from +∞ to 0 each instance climbs the upper concave hull of its
/// (cost, acc) points; the hull slopes are the only λ where anything changes, so the oracle curve is exact: the
/// sorted union of all instances' hull slopes. `solve(budget:)` binary-searches that sorted list for the breakpoint
/// λ* whose two adjacent policies bracket B, and mixes them with probability `mix` of the costlier one so the mean
/// cost is B (tolerance: floating-point rounding only, |mean cost − B| ≤ 1e-9·B; no λ bisection tolerance is needed
/// because λ* is one of the slopes). The mixture is an optimum of the LP relaxation.
public struct Solver: Sendable {
    public let table: UtilityTable
    /// The oracle's accuracy-cost curve, from the cheapest policy (λ = +∞) to the most accurate (λ = 0).
    public let curve: [OraclePoint]
    /// Per instance, its hull segments (slope, action reached), slopes strictly decreasing and positive.
    private let hulls: [[(slope: Double, action: Int)]]
    /// Per instance, its cheapest action (the policy at λ = +∞).
    private let base: [Int]

    public init(table: UtilityTable) {
        self.table = table
        var hulls: [[(slope: Double, action: Int)]] = []
        var base: [Int] = []
        hulls.reserveCapacity(table.rows.count)
        for row in table.rows {
            let (start, segments) = Solver.hull(acc: row.acc, cost: row.cost)
            base.append(start)
            hulls.append(segments)
        }
        self.hulls = hulls
        self.base = base
        // Distinct slopes, descending: the breakpoints of the curve.
        var slopes = Array(Set(hulls.flatMap { $0.map(\.slope) }))
        slopes.sort(by: >)
        var points: [OraclePoint] = []
        points.reserveCapacity(slopes.count + 1)
        var lambdas: [Double] = [.infinity] + slopes
        lambdas.append(0)
        var choice = base
        var next = hulls.map { _ in 0 }  // next hull segment per instance
        // Group instances by the slopes they cross, so the curve is built in O(segments log segments).
        var crossings: [Double: [Int]] = [:]
        for (i, segs) in hulls.enumerated() { for s in segs { crossings[s.slope, default: []].append(i) } }
        for k in 0..<(slopes.count + 1) {
            if k > 0 {
                for i in crossings[slopes[k - 1]] ?? [] {
                    choice[i] = hulls[i][next[i]].action
                    next[i] += 1
                }
            }
            let (a, c) = Solver.evaluate(table, choice)
            points.append(OraclePoint(lambdaMax: lambdas[k], lambdaMin: lambdas[k + 1], accuracy: a, meanCost: c))
        }
        self.curve = points
    }

    /// Solves at `table` and `budget`: `Solver(table:).solve(budget:)`.
    public static func solve(_ table: UtilityTable, budget: Double) throws -> OracleSolution {
        try Solver(table: table).solve(budget: budget)
    }

    /// The oracle at mean-cost budget `budget`. Budgets at or above the most accurate policy's cost are not binding
    /// (λ* = 0, mean cost below B); budgets below the cheapest policy's cost throw `.invalidArgument`.
    public func solve(budget: Double) throws -> OracleSolution {
        guard budget.isFinite, let first = curve.first, let last = curve.last else {
            throw TableError(.invalidArgument, "budget must be a finite number and the table non-empty")
        }
        guard budget >= first.meanCost * (1 - 1e-12) else {
            throw TableError(
                .invalidArgument, "budget \(budget) is below the cheapest policy's mean cost \(first.meanCost)")
        }
        if budget >= last.meanCost {
            let p = policy(lambda: 0)
            return OracleSolution(
                budget: budget, lambda: 0, low: p, high: p, mix: 0, accuracy: last.accuracy,
                meanCost: last.meanCost, lowPoint: last, highPoint: last)
        }
        // Binary search for the first curve point whose mean cost exceeds the budget (costs rise along the curve).
        var lo = 0
        var hi = curve.count - 1  // curve[lo].meanCost <= budget < curve[hi].meanCost
        if budget < first.meanCost { hi = 0 }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if curve[mid].meanCost <= budget { lo = mid } else { hi = mid }
        }
        if hi == 0 {  // budget within rounding below the cheapest policy
            let p = base
            return OracleSolution(
                budget: budget, lambda: first.lambdaMin, low: p, high: p, mix: 0,
                accuracy: first.accuracy, meanCost: first.meanCost, lowPoint: first, highPoint: first)
        }
        let lambda = curve[hi].lambdaMax  // the breakpoint between curve[lo] and curve[hi]
        let low = policy(lambda: lambda)  // ties to cheaper: exactly curve[lo]'s policy
        let high = policy(lambdaBelow: lambda)
        let (aLow, cLow) = Solver.evaluate(table, low)
        let (aHigh, cHigh) = Solver.evaluate(table, high)
        let mix = cHigh > cLow ? min(1, max(0, (budget - cLow) / (cHigh - cLow))) : 0
        return OracleSolution(
            budget: budget, lambda: lambda, low: low, high: high, mix: mix,
            accuracy: (1 - mix) * aLow + mix * aHigh, meanCost: (1 - mix) * cLow + mix * cHigh,
            lowPoint: curve[lo], highPoint: curve[hi])
    }

    /// The oracle policy at `lambda`: per instance the action maximising acc − λ·cost, ties to the cheaper.
    public func policy(lambda: Double) -> [Int] {
        hulls.indices.map { i in hulls[i].last(where: { $0.slope > lambda })?.action ?? base[i] }
    }

    /// The policy just below `lambda` (instances whose hull slope equals `lambda` take the costlier action).
    package func policy(lambdaBelow lambda: Double) -> [Int] {
        hulls.indices.map { i in hulls[i].last(where: { $0.slope >= lambda })?.action ?? base[i] }
    }

    /// Budgets for learning and evaluation: `count` budgets from the cheapest to the costliest action's mean cost
    /// (both included), spaced evenly in log cost (costs of a model ladder grow geometrically).
    public func budgetGrid(count: Int) -> [Double] {
        let means = table.meanCost
        guard count > 0, let lo = means.min(), let hi = means.max(), lo > 0 else { return [] }
        if count == 1 || hi <= lo { return [hi] }
        let (l0, l1) = (log(lo), log(hi))
        return (0..<count).map { k in
            k == count - 1 ? hi : (k == 0 ? lo : exp(l0 + (l1 - l0) * Double(k) / Double(count - 1)))
        }
    }

    /// Mean accuracy and mean cost of a deterministic policy (one action index per row; out-of-range indices count
    /// as accuracy 0 and cost 0).
    public static func evaluate(_ table: UtilityTable, _ choice: [Int]) -> (accuracy: Double, meanCost: Double) {
        guard !table.rows.isEmpty else { return (0, 0) }
        var a = 0.0
        var c = 0.0
        for (row, k) in zip(table.rows, choice) where row.acc.indices.contains(k) && row.cost.indices.contains(k) {
            a += row.acc[k]
            c += row.cost[k]
        }
        let n = Double(table.rows.count)
        return (a / n, c / n)
    }

    /// One instance's upper concave hull for λ ≥ 0: its cheapest action and the segments (slope, action reached),
    /// slopes strictly decreasing and positive, ending at the cheapest most-accurate action.
    package static func hull(acc: [Double], cost: [Double]) -> (start: Int, segments: [(slope: Double, action: Int)]) {
        // Order by cost, then best accuracy first, then index; keep one action per cost.
        // Rows built in code (not loaded) may be ragged: only actions with both values count.
        let count: Int = min(acc.count, cost.count)
        let order: [Int] = (0..<count).sorted { (i: Int, j: Int) -> Bool in
            if cost[i] != cost[j] { return cost[i] < cost[j] }
            return acc[i] != acc[j] ? acc[i] > acc[j] : i < j
        }
        guard let start = order.first else { return (0, []) }
        var vertices = [start]
        for k in order.dropFirst() {
            guard let last = vertices.last, cost[k] > cost[last], acc[k] > acc[last] else { continue }
            while vertices.count >= 2 {
                let (u, v) = (vertices[vertices.count - 2], vertices[vertices.count - 1])
                // Pop v when it does not lie strictly above the chord u -> k.
                if (acc[v] - acc[u]) * (cost[k] - cost[u]) <= (acc[k] - acc[u]) * (cost[v] - cost[u]) {
                    vertices.removeLast()
                } else {
                    break
                }
            }
            vertices.append(k)
        }
        var segments: [(slope: Double, action: Int)] = []
        for (u, v) in zip(vertices, vertices.dropFirst()) {
            segments.append(((acc[v] - acc[u]) / (cost[v] - cost[u]), v))
        }
        return (start, segments)
    }
}
