/// The paper's own learner, for comparison: a softmax classifier of boosted trees that imitates the oracle's
/// action `a*(x) = argmax_a acc(x,a) − λ*·cost(x,a)` at a budget's `λ*`.
///
/// Held out by the same folds as the policy. To compare at matched mean cost, the classifier is read ordinally,
/// as the paper's labels are ordered by cost: with `T_a(x) = Σ_{b ⪰ a} p_b(x)` the probability that the oracle
/// needs action `a` or a costlier one, it takes the costliest `a` with `T_a(x) ≥ τ`. Lowering `τ` spends more,
/// one prompt at a time, through every intermediate action; `τ` (and a mix of the two adjacent rules) is set so
/// the mean cost is the budget. (Pricing `p_a − μ·c̄_a` instead cannot spend more than the argmax without a
/// negative price, which jumps straight to the costliest action.) The plain argmax is reported alongside.
package struct ImitationLearner: Sendable {
    package let learner: Learner

    package struct Result: Sendable, Equatable {
        package var budget: Double
        /// Held-out point of the ordinal rule matched to the budget (its threshold `τ` in `lambda`).
        package var point: EvalCurve.Point
        /// Held-out accuracy of the plain argmax class (no repricing) and its mean cost.
        package var argmaxAccuracy: Double
        package var argmaxCost: Double
        /// How often the held-out argmax class is the oracle's label.
        package var labelAccuracy: Double
    }

    package init(learner: Learner) {
        self.learner = learner
    }

    /// Cross-validates one classifier per budget in `budgetIndices`, trained on `labels[budget index]`.
    package func crossValidate(budgetIndices: [Int], labels: [[Int]]) -> [Result] {
        let d = learner.d
        let k = learner.options.folds
        let params = learner.options.imitationParams
        let seed = learner.options.seed
        let labelSets = budgetIndices.map { labels[$0] }
        let jobs = LearnParallel.map(budgetIndices.count * k) { job in
            let b = job / k
            let fold = job % k
            let split = LearnData.holdOut(learner.rows(outOfFold: fold), share: 0.15, seed: seed &+ UInt64(fold))
            var p = params
            p.seed = seed &+ UInt64(job) &* 31
            let model = GBDTClassifier.fit(data: d.data, labels: labelSets[b], classCount: d.actionCount,
                                           rows: split.fit, validation: split.stop, params: p)
            let means = d.cost.map { LearnData.mean($0, learner.rows(outOfFold: fold)) }
            return learner.rows(inFold: fold).map { r in (r, model.probabilities(d.data, row: r), means) }
        }
        return budgetIndices.enumerated().map { b, index in
            var prob = [[Double]](repeating: [], count: d.rowCount)
            var means = [[Double]](repeating: [], count: d.rowCount)
            for fold in 0..<k {
                for (r, p, m) in jobs[b * k + fold] {
                    prob[r] = p
                    means[r] = m
                }
            }
            let curve = EvalCurve(score: prob, predictedCost: means, acc: d.table.rows.map(\.acc),
                                  cost: d.table.rows.map(\.cost))
            let plain = curve.outcome(lambda: 0)
            let argmax = curve.decisions(lambda: 0)
            let hits = zip(argmax, labelSets[b]).filter { $0 == $1 }.count
            let ordinal = Ordinal(prob: prob, order: d.meanCost.indices.sorted {
                d.meanCost[$0] < d.meanCost[$1] || (d.meanCost[$0] == d.meanCost[$1] && $0 < $1)
            }, acc: d.table.rows.map(\.acc), cost: d.table.rows.map(\.cost))
            return Result(budget: learner.budgets[index], point: ordinal.match(budget: learner.budgets[index]),
                          argmaxAccuracy: plain.accuracy, argmaxCost: plain.meanCost,
                          labelAccuracy: Double(hits) / Double(Swift.max(d.rowCount, 1)))
        }
    }
}

extension ImitationLearner {
    /// The ordinal reading of class probabilities at threshold `τ` (see the type's comment).
    struct Ordinal {
        let prob: [[Double]]
        /// Actions by increasing mean cost.
        let order: [Int]
        let acc: [[Double]]
        let cost: [[Double]]

        func choose(row r: Int, tau: Double) -> Int {
            var tail = 0.0
            for a in order.reversed() {
                tail += prob[r][a]
                if tail >= tau { return a }
            }
            return order[0]
        }

        func outcome(tau: Double) -> EvalCurve.Outcome {
            var c = 0.0
            var u = 0.0
            for r in prob.indices {
                let a = choose(row: r, tau: tau)
                c += cost[r][a]
                u += acc[r][a]
            }
            let n = Double(Swift.max(prob.count, 1))
            return (c / n, u / n)
        }

        /// The threshold (in `lambda`) and mix whose mean cost is `budget`; cost is non-increasing in `τ`.
        func match(budget: Double) -> EvalCurve.Point {
            func point(_ tau: Double, _ o: (meanCost: Double, accuracy: Double)) -> EvalCurve.Point {
                EvalCurve.Point(lambda: tau, mix: 0, lowerLambda: tau, upperLambda: tau, meanCost: o.meanCost,
                                accuracy: o.accuracy)
            }
            let lo = 0.0  // spends the most
            let hi = 1.0
            let low = outcome(tau: lo)
            let high = outcome(tau: hi)
            if low.meanCost <= budget { return point(lo, low) }
            if high.meanCost > budget { return point(hi, high) }
            let (lower, upper, mixed) = EvalCurve.bisect(budget: budget, lo: (lo, low), hi: (hi, high), steps: 60) {
                outcome(tau: $0)
            }
            return EvalCurve.Point(lambda: upper, mix: mixed.mix, lowerLambda: lower, upperLambda: upper,
                                   meanCost: mixed.meanCost, accuracy: mixed.accuracy)
        }
    }
}
