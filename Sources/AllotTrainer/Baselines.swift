/// Allocations a learned policy must beat, each at a matched mean cost B.
///
/// - best fixed: one action for every instance, or the two actions adjacent on the efficient frontier of the
///   (mean cost, mean accuracy) points mixed with probability `p = (B − c_lo)/(c_hi − c_lo)` of the costlier one.
///   The frontier is the upper concave hull: no mixture of fixed actions does better at any B.
/// - random: each instance independently gets the costliest action with probability p and the cheapest otherwise,
///   p chosen so the mean cost is B (RouteLLM's random router); its accuracy interpolates the two.
/// - prompt length: the same two frontier actions as best fixed, but the longest prompts get the costlier one:
///   rows in decreasing length take it until the mean cost is B, the boundary group of equal length mixed.
/// Tables failing `validateShape()` throw; budgets below the cheapest action's mean cost throw; budgets above
/// the most accurate frontier action's cost do not bind (that action for all).
public enum Baselines {
    /// Action indices on the efficient frontier (upper concave hull of (mean cost, mean accuracy)), in cost order,
    /// from the cheapest action to the cheapest most accurate one.
    public static func frontier(_ table: UtilityTable) -> [Int] {
        frontier(meanAccuracy: table.meanAccuracy, meanCost: table.meanCost)
    }

    package static func frontier(meanAccuracy acc: [Double], meanCost cost: [Double]) -> [Int] {
        let hull = Solver.hull(acc: acc, cost: cost)
        return [hull.start] + hull.segments.map(\.action)
    }

    /// The two frontier actions bracketing `budget` and the probability of the costlier one.
    public static func fixedMix(_ table: UtilityTable, budget: Double) throws -> RowMix {
        try table.validateShape()
        let (acc, cost) = (table.meanAccuracy, table.meanCost)
        let f = frontier(meanAccuracy: acc, meanCost: cost)
        guard let first = f.first, let last = f.last, budget.isFinite else {
            throw TableError(.invalidArgument, "empty table or non-finite budget")
        }
        guard budget >= cost[first] * (1 - 1e-12) else {
            throw TableError(
                .invalidArgument, "budget \(budget) is below the cheapest action's mean cost \(cost[first])")
        }
        if budget >= cost[last] { return RowMix(low: last, high: last, p: 0) }
        for (lo, hi) in zip(f, f.dropFirst()) where budget < cost[hi] {
            return RowMix(low: lo, high: hi, p: max(0, (budget - cost[lo]) / (cost[hi] - cost[lo])))
        }
        return RowMix(low: last, high: last, p: 0)
    }

    /// Best fixed allocation at `budget`.
    public static func bestFixed(_ table: UtilityTable, budget: Double) throws -> BaselineResult {
        let m = try fixedMix(table, budget: budget)
        return result("best-fixed", table, budget, Array(repeating: m, count: table.rows.count))
    }

    /// Random allocation between the cheapest and the costliest action (by mean cost) at `budget`.
    public static func random(_ table: UtilityTable, budget: Double) throws -> BaselineResult {
        try table.validateShape()
        let cost = table.meanCost
        guard let lo = cost.indices.min(by: { cost[$0] < cost[$1] }),
            let hi = cost.indices.max(by: { cost[$0] < cost[$1] }), budget.isFinite
        else { throw TableError(.invalidArgument, "empty table or non-finite budget") }
        guard budget >= cost[lo] * (1 - 1e-12) else {
            throw TableError(.invalidArgument, "budget \(budget) is below the cheapest action's mean cost \(cost[lo])")
        }
        let p = cost[hi] > cost[lo] ? min(1, max(0, (budget - cost[lo]) / (cost[hi] - cost[lo]))) : 0
        return result(
            "random", table, budget, Array(repeating: RowMix(low: lo, high: hi, p: p), count: table.rows.count))
    }

    /// Prompt-length heuristic at `budget`: longer prompts (by `length`, default the text's character count) get
    /// the costlier of the two frontier actions that bracket the budget.
    public static func promptLength(
        _ table: UtilityTable, budget: Double,
        length: (TableRow) -> Double = { Double($0.text?.count ?? 0) }
    ) throws
        -> BaselineResult
    {
        let m = try fixedMix(table, budget: budget)
        let n = table.rows.count
        var mixes = Array(repeating: RowMix(low: m.low, high: m.high, p: 0), count: n)
        guard m.low != m.high else { return result("prompt-length", table, budget, mixes) }
        let lengths = table.rows.map(length)
        let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        // Extra total cost still to spend, relative to everyone on the cheaper action.
        var remaining = budget * Double(n) - table.rows.reduce(0) { $0 + $1.cost[m.low] }
        var k = 0
        while k < n && remaining > 0 {
            var end = k
            while end < n && lengths[order[end]] == lengths[order[k]] { end += 1 }
            let group = order[k..<end]
            let extra = group.reduce(0.0) { $0 + table.rows[$1].cost[m.high] - table.rows[$1].cost[m.low] }
            let p = extra > remaining ? remaining / extra : 1
            for i in group { mixes[i].p = p }
            remaining -= extra * p
            k = end
        }
        return result("prompt-length", table, budget, mixes)
    }

    private static func result(_ name: String, _ table: UtilityTable, _ budget: Double, _ mixes: [RowMix])
        -> BaselineResult
    {
        let (a, c) = BaselineResult.evaluate(table, mixes)
        let used = Set(mixes.flatMap { $0.p > 0 ? [$0.low, $0.high] : [$0.low] }).sorted()
        return BaselineResult(name: name, budget: budget, accuracy: a, meanCost: c, actions: used, rows: mixes)
    }
}
