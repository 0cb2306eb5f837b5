/// The paper's own learner, for comparison: a softmax classifier of boosted trees that imitates the oracle's
/// action `a*(x) = argmax_a acc(x,a) − λ*·cost(x,a)` at a budget's `λ*`.
///
/// Held out by the same folds as the policy. To compare at matched mean cost, its class probabilities
/// are priced like utilities, `argmax_a p_a(x) − μ·c̄_a` with `μ ≥ 0` and a mix, so a classifier that
/// over-spends is brought down to the budget. One that under-spends at `μ = 0` (its own argmax) is reported at its
/// own, lower, mean cost: buying costlier actions with a negative price would skip straight to the costliest one
/// and only add noise.
package struct ImitationLearner: Sendable {
    package let learner: Learner

    package struct Result: Sendable, Equatable {
        package var budget: Double
        /// Held-out matched point of the classifier's curve.
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
            return Result(budget: learner.budgets[index],
                          point: curve.match(budget: learner.budgets[index]),
                          argmaxAccuracy: plain.accuracy, argmaxCost: plain.meanCost,
                          labelAccuracy: Double(hits) / Double(Swift.max(d.rowCount, 1)))
        }
    }
}
