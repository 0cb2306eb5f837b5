/// A λ-priced policy scored on rows with known outcomes: the tool that puts every learner on the same footing.
///
/// For row `r` the policy takes `a(r, λ) = argmax_a s[r][a] − λ·ĉ[r][a]` (ties to the cheaper action), from
/// scores `s` (predicted utility) and predicted costs `ĉ`, and is judged on the true accuracy and cost. With
/// `s = acc` and `ĉ = cost` it is the per-row oracle. `match(budget:)` finds the price whose realised mean cost
/// is the budget: a bisection on `λ` to two adjacent policies, then mixing them with probability `mix` for the
/// costlier one, so accuracy at *matched* mean cost is compared across learners.
package struct EvalCurve: Sendable {
    package let rowCount: Int
    package let actionCount: Int
    /// Flat `[r * actionCount + a]` arrays.
    let score: [Double]
    let predictedCost: [Double]
    let acc: [Double]
    let cost: [Double]
    /// Actions by increasing mean cost: the tie-break order.
    let order: [Int]

    /// The outcome at one price, or the mix of two.
    package struct Point: Sendable, Equatable {
        package var lambda: Double
        /// Probability of the costlier neighbouring policy, the one at `lowerLambda` (just below `lambda`).
        package var mix: Double
        package var lowerLambda: Double
        /// The price of the cheaper neighbouring policy (`lambda` itself up to rounding).
        package var upperLambda: Double
        package var meanCost: Double
        package var accuracy: Double
    }

    package init(score: [[Double]], predictedCost: [[Double]], acc: [[Double]], cost: [[Double]]) {
        rowCount = acc.count
        actionCount = acc.first?.count ?? 0
        self.score = score.flatMap { $0 }
        self.predictedCost = predictedCost.flatMap { $0 }
        self.acc = acc.flatMap { $0 }
        self.cost = cost.flatMap { $0 }
        var means = [Double](repeating: 0, count: actionCount)
        for row in cost { for a in 0..<actionCount { means[a] += row[a] } }
        order = (0..<actionCount).sorted { means[$0] < means[$1] || (means[$0] == means[$1] && $0 < $1) }
    }

    /// The oracle curve of a table: scores are the true accuracies, predicted costs the true costs.
    package init(oracle table: UtilityTable) {
        let acc = table.rows.map(\.acc)
        let cost = table.rows.map(\.cost)
        self.init(score: acc, predictedCost: cost, acc: acc, cost: cost)
    }

    /// The action each row takes at price `lambda`.
    package func decisions(lambda: Double) -> [Int] {
        (0..<rowCount).map { choose(row: $0, lambda: lambda) }
    }

    @inline(__always)
    func choose(row r: Int, lambda: Double) -> Int {
        let base = r * actionCount
        var best = order[0]
        var bestValue = score[base + best] - lambda * predictedCost[base + best]
        for a in order.dropFirst() {
            let v = score[base + a] - lambda * predictedCost[base + a]
            if v > bestValue {
                best = a
                bestValue = v
            }
        }
        return best
    }

    package typealias Outcome = (meanCost: Double, accuracy: Double)

    /// Mean true cost and accuracy at price `lambda`.
    package func outcome(lambda: Double) -> Outcome {
        var c = 0.0
        var u = 0.0
        for r in 0..<rowCount {
            let a = choose(row: r, lambda: lambda)
            c += cost[r * actionCount + a]
            u += acc[r * actionCount + a]
        }
        let n = Double(Swift.max(rowCount, 1))
        return (c / n, u / n)
    }

    /// The price (and mix) at which the mean true cost equals `budget`. Budgets above the cost at `λ = 0` get the
    /// `λ = 0` policy (spending less) unless `allowNegative`, which lets a policy that under-spends (a classifier)
    /// buy costlier actions with a negative price; budgets below the cheapest reachable cost get the cheapest.
    package func match(budget: Double, allowNegative: Bool = false) -> Point {
        let free = outcome(lambda: 0)
        var lo = 0.0
        var hi = 0.0
        var low = free
        var high = free
        if free.meanCost > budget {
            hi = 1e-12
            high = outcome(lambda: hi)
            while high.meanCost > budget && hi < 1e12 {
                hi *= 4
                high = outcome(lambda: hi)
            }
            if high.meanCost > budget {
                return Point(lambda: hi, mix: 0, lowerLambda: hi, upperLambda: hi, meanCost: high.meanCost,
                             accuracy: high.accuracy)
            }
        } else if allowNegative && free.meanCost < budget {
            lo = -1e-12
            low = outcome(lambda: lo)
            while low.meanCost <= budget && lo > -1e12 {
                lo *= 4
                low = outcome(lambda: lo)
            }
            if low.meanCost <= budget {
                return Point(lambda: lo, mix: 0, lowerLambda: lo, upperLambda: lo, meanCost: low.meanCost,
                             accuracy: low.accuracy)
            }
        } else {
            return Point(lambda: 0, mix: 0, lowerLambda: 0, upperLambda: 0, meanCost: free.meanCost,
                         accuracy: free.accuracy)
        }
        let (lower, upper, mixed) = Self.bisect(budget: budget, lo: (lo, low), hi: (hi, high), steps: 100, outcome)
        return Point(lambda: breakpoint(lower: lower, upper: upper), mix: mixed.mix, lowerLambda: lower,
                     upperLambda: upper, meanCost: mixed.meanCost, accuracy: mixed.accuracy)
    }

    /// Bisection on a price whose mean cost is non-increasing, from `cost(lo) > budget >= cost(hi)` (an
    /// invariant it keeps) for at most `steps` halvings or until the ends are adjacent doubles; then the mix of
    /// the two ends' policies whose mean cost is `budget`. Shared by the λ and the imitation threshold searches.
    static func bisect(
        budget: Double, lo: (Double, Outcome), hi: (Double, Outcome), steps: Int, _ outcome: (Double) -> Outcome
    ) -> (lo: Double, hi: Double, mixed: (mix: Double, meanCost: Double, accuracy: Double)) {
        var (lo, low) = lo
        var (hi, high) = hi
        for _ in 0..<steps {
            let mid = lo + (hi - lo) / 2
            if mid <= lo || mid >= hi { break }
            let o = outcome(mid)
            if o.meanCost > budget {
                lo = mid
                low = o
            } else {
                hi = mid
                high = o
            }
        }
        let span = low.meanCost - high.meanCost
        let mix = span > 0 ? Swift.min(1, Swift.max(0, (budget - high.meanCost) / span)) : 0
        return (lo, hi, (mix, mix * low.meanCost + (1 - mix) * high.meanCost,
                         mix * low.accuracy + (1 - mix) * high.accuracy))
    }

    /// The exact price between `lower` and `upper` at which a row's choice flips: there its two actions tie, so a
    /// runtime that breaks ties toward the cheaper action reproduces `upper`'s policy and toward the costlier one
    /// `lower`'s (bisection alone only gets within rounding of it).
    package func breakpoint(lower: Double, upper: Double) -> Double {
        var flips: [Double] = []
        for r in 0..<rowCount {
            let a = choose(row: r, lambda: lower)
            let b = choose(row: r, lambda: upper)
            guard a != b else { continue }
            let base = r * actionCount
            let dc = predictedCost[base + a] - predictedCost[base + b]
            guard dc != 0 else { continue }
            let t = (score[base + a] - score[base + b]) / dc
            if t.isFinite && t >= lower && t <= upper { flips.append(t) }
        }
        guard !flips.isEmpty else { return upper }
        flips.sort()
        return flips[flips.count / 2]
    }

    /// How often the matched policy's choice equals `reference[r]` (expected over the mix), over all rows.
    package func agreement(at point: Point, with reference: [Int]) -> Double {
        let high = decisions(lambda: point.upperLambda)
        // The costlier neighbour: the decisions just below the breakpoint.
        let low = point.mix > 0 ? decisions(lambda: point.lowerLambda) : high
        var s = 0.0
        for r in 0..<rowCount {
            s += (1 - point.mix) * (high[r] == reference[r] ? 1 : 0) + point.mix * (low[r] == reference[r] ? 1 : 0)
        }
        return s / Double(Swift.max(rowCount, 1))
    }
}
