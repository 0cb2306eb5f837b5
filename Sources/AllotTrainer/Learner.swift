/// Out-of-fold predictions of one hyperparameter setting: every row scored by heads that never saw it.
package struct LearnOutOfFold: Sendable {
    package var utility: [[Double]]
    package var cost: [[Double]]
    /// The fold-training means of each row's fold (the shrinkage target for that row).
    package var meanUtility: [[Double]]
    package var meanCost: [[Double]]

    /// The held-out policy curve at shrinkage `alpha`.
    package func curve(_ d: LearnData, alpha: Double) -> EvalCurve {
        func blend(_ x: [[Double]], _ m: [[Double]]) -> [[Double]] {
            zip(x, m).map { row, mean in zip(row, mean).map { alpha * $0 + (1 - alpha) * $1 } }
        }
        return EvalCurve(score: blend(utility, meanUtility), predictedCost: blend(cost, meanCost),
                         acc: d.table.rows.map(\.acc), cost: d.table.rows.map(\.cost))
    }
}

/// The learning pipeline of `allot learn`: k-fold cross-validation of the λ-aware policy over a hyperparameter
/// grid, selection on the policy objective, the never-worse-than-fixed guard, and the final fit on all rows.
///
/// Objective: the mean, over the interior budget grid, of held-out accuracy at matched mean cost. Guard: a
/// candidate `(params, α)` is admissible only if at every budget its held-out accuracy is at least the best fixed
/// allocation's; `α = 0` (the fixed allocation itself) always is, so the shipped policy never loses to it.
package struct Learner: Sendable {
    package let d: LearnData
    package let options: LearnOptions
    package let folds: [Int]
    package let budgets: [Double]
    package let oracle: EvalCurve
    package let fixed: EvalCurve

    package init(_ d: LearnData, options: LearnOptions) {
        self.d = d
        self.options = options
        folds = d.folds(options.folds, seed: options.seed)
        budgets = options.budgetList ?? LearnOptions.budgets(low: d.meanCost.min() ?? 0,
                                                             high: d.meanCost.max() ?? 0, count: options.budgetCount)
        oracle = EvalCurve(oracle: d.table)
        fixed = Learner.fixedCurve(d)
    }

    /// Every prompt scored by the per-action means: its matched curve is the best fixed allocation (the upper
    /// hull of the actions' (mean cost, mean accuracy) points, mixing two adjacent ones).
    package static func fixedCurve(_ d: LearnData) -> EvalCurve {
        let n = d.rowCount
        return EvalCurve(score: Array(repeating: d.meanAccuracy, count: n),
                         predictedCost: Array(repeating: d.meanCost, count: n),
                         acc: d.table.rows.map(\.acc), cost: d.table.rows.map(\.cost))
    }

    /// The best fixed allocation at `budget` (the trainer's `Baselines.bestFixed`), as a matched point.
    package func bestFixed(budget: Double) -> EvalCurve.Point {
        guard let r = try? Baselines.bestFixed(d.table, budget: budget) else { return fixed.match(budget: budget) }
        return EvalCurve.Point(lambda: 0, mix: 0, lowerLambda: 0, upperLambda: 0, meanCost: r.meanCost,
                               accuracy: r.accuracy)
    }

    /// The exact oracle (the trainer's `Solver`) at every budget, and its labels for imitation (the policy its
    /// mixture plays more often).
    package func oracleSolutions() -> (points: [EvalCurve.Point], labels: [[Int]]) {
        let solver = Solver(table: d.table)
        var points: [EvalCurve.Point] = []
        var labels: [[Int]] = []
        for b in budgets {
            if let s = try? solver.solve(budget: b) {
                points.append(EvalCurve.Point(lambda: s.lambda, mix: s.mix, lowerLambda: s.lambda,
                                              upperLambda: s.lambda, meanCost: s.meanCost, accuracy: s.accuracy))
                labels.append(s.labels)
            } else {
                let p = oracle.match(budget: b)
                points.append(p)
                labels.append(oracle.decisions(lambda: p.upperLambda))
            }
        }
        return (points, labels)
    }

    package func rows(inFold k: Int) -> [Int] { (0..<d.rowCount).filter { folds[$0] == k } }
    package func rows(outOfFold k: Int) -> [Int] { (0..<d.rowCount).filter { folds[$0] != k } }

    /// Out-of-fold predictions for each setting of `grid`, folds trained in parallel.
    package func crossValidate(grid: [GBDTParameters], parallel: Bool = true) -> [LearnOutOfFold] {
        let k = options.folds
        let costHeads = LearnParallel.map(k, parallel: parallel) { fold in
            LearnHeads.fitCost(d, rows: rows(outOfFold: fold), params: options.costParams,
                               seed: options.seed &+ UInt64(fold))
        }
        let jobs = LearnParallel.map(k * grid.count, parallel: parallel) { job in
            let fold = job % k
            let g = job / k
            return LearnHeads.fit(d, rows: rows(outOfFold: fold), utilityParams: grid[g],
                                  costParams: options.costParams, seed: options.seed &+ UInt64(fold),
                                  costHeads: costHeads[fold])
        }
        return grid.indices.map { g in
            let empty = [[Double]](repeating: [], count: d.rowCount)
            var oof = LearnOutOfFold(utility: empty, cost: empty, meanUtility: empty, meanCost: empty)
            for fold in 0..<k {
                let heads = jobs[g * k + fold]
                for r in rows(inFold: fold) {
                    let p = heads.predict(d.data, row: r)
                    oof.utility[r] = p.utility
                    oof.cost[r] = p.cost
                    oof.meanUtility[r] = heads.meanAccuracy
                    oof.meanCost[r] = heads.meanCost
                }
            }
            return oof
        }
    }

    /// Runs the whole pipeline.
    package func run() -> LearnResult {
        let fixedAt = budgets.map { bestFixed(budget: $0) }
        let (oracleAt, oracleLabels) = oracleSolutions()
        let oof = crossValidate(grid: options.grid)

        var candidates: [LearnCandidate] = []
        for (g, o) in oof.enumerated() {
            for alpha in options.alphas {
                let curve = alpha > 0 ? o.curve(d, alpha: alpha) : fixed
                let points = budgets.map { curve.match(budget: $0) }
                let accuracy = points.map(\.accuracy)
                let admissible = zip(accuracy, fixedAt).allSatisfy { $0 >= $1.accuracy - 1e-9 }
                candidates.append(LearnCandidate(grid: g, alpha: alpha, points: points, admissible: admissible))
            }
        }
        var best = candidates.first { $0.alpha == 0 } ?? candidates[0]
        for c in candidates where c.admissible && c.objective > best.objective + 1e-12 { best = c }
        let unshrunk = candidates.filter { $0.alpha == 1 }.max { $0.objective < $1.objective } ?? best

        let params = options.grid[best.grid]
        let heads = LearnHeads.fit(d, rows: Array(0..<d.rowCount), utilityParams: params,
                                   costParams: options.costParams, seed: options.seed &+ 1000)
            .shrunk(alpha: best.alpha)

        // How often the held-out policy picks the oracle's action at λ*.
        let shippedCurve = best.alpha > 0 ? oof[best.grid].curve(d, alpha: best.alpha) : fixed
        let agreement = budgets.indices.map { b in
            shippedCurve.agreement(at: best.points[b], with: oracleLabels[b])
        }
        let imitation = ImitationLearner(learner: self).crossValidate(
            budgetIndices: options.imitationBudgets ?? Array(budgets.indices), labels: oracleLabels)

        return LearnResult(
            budgets: budgets, fixed: fixedAt, oracle: oracleAt, policy: best.points, unshrunk: unshrunk.points,
            agreement: agreement, imitation: imitation, params: params, alpha: best.alpha,
            unshrunkParams: options.grid[unshrunk.grid], costParams: options.costParams,
            imitationParams: options.imitationParams, heads: heads,
            candidates: candidates.map { ($0.grid, $0.alpha, $0.objective, $0.admissible) })
    }
}

/// One `(params, α)` candidate of the selection, with its held-out matched points per budget.
struct LearnCandidate {
    var grid: Int
    var alpha: Double
    var points: [EvalCurve.Point]
    var admissible: Bool
    var objective: Double { points.isEmpty ? 0 : points.reduce(0) { $0 + $1.accuracy } / Double(points.count) }
}
