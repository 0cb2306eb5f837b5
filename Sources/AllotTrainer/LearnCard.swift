import AllotModel

/// The model card: a JSON summary stored in the file (the sidecar reads `recommended_budget` from it) and a
/// Markdown card written next to the model. Both are functions of the training run only (no clock, no timing),
/// so rebuilding the model reproduces them byte for byte.
package struct LearnCard: Sendable {
    package var result: LearnResult
    package var data: LearnData
    package var info: ModelInfo
    /// Where the table came from, e.g. `Models/data/gsm8k-ladder.jsonl`.
    package var source: String
    package var folds: Int
    package var seed: UInt64

    package init(result: LearnResult, data: LearnData, info: ModelInfo, source: String, folds: Int, seed: UInt64) {
        self.result = result
        self.data = data
        self.info = info
        self.source = source
        self.folds = folds
        self.seed = seed
    }

    package func paramsJSON(_ p: GBDTParameters) -> LearnJSON {
        .object([
            ("depth", .number(Double(p.depth))), ("learning_rate", .num(p.learningRate)),
            ("max_trees", .number(Double(p.maxTrees))), ("l2", .num(p.l2)), ("min_leaf", .number(Double(p.minLeaf))),
            ("row_fraction", .num(p.rowFraction)), ("feature_fraction", .num(p.featureFraction)),
            ("early_stopping", .number(Double(p.earlyStopping))),
        ])
    }

    /// The per-budget cross-validated table.
    package var rows: LearnJSON {
        let r = result
        let imitation = Dictionary(r.imitation.map { ($0.budget, $0) }, uniquingKeysWith: { a, _ in a })
        return .array(r.budgets.indices.map { b in
            var row: [(String, LearnJSON)] = [
                ("budget", .num(r.budgets[b], 2)),
                ("fixed", .num(r.fixed[b].accuracy)),
                ("policy", .num(r.policy[b].accuracy)),
                ("policy_cost", .num(r.policy[b].meanCost, 2)),
                ("unshrunk_policy", .num(r.unshrunk[b].accuracy)),
                ("oracle", .num(r.oracle[b].accuracy)),
                ("oracle_lambda", .number(r.oracle[b].lambda)),
                ("gain", .num(r.gain(b))),
                ("gap_closed", .num(r.gapClosed(b))),
                ("agreement", .num(r.agreement[b])),
            ]
            if let i = imitation[r.budgets[b]] {
                row.append(("imitation", .num(i.point.accuracy)))
                row.append(("imitation_cost", .num(i.point.meanCost, 2)))
            }
            return .object(row)
        })
    }

    /// The JSON summary embedded in the model file.
    package func json(_ pkg: LearnPackage) -> LearnJSON {
        let r = result
        let mean = { (xs: [Double]) in xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }
        let budgets = r.budgets.indices
        return .object([
            ("recommended_budget", .num(r.recommendedBudget, 2)),
            ("cost_unit", .string(info.costUnit)),
            ("data", .object([("table", .string(source)), ("rows", .number(Double(data.rowCount)))])),
            ("actions", .array(data.table.actions.indices.map { a in
                .object([("name", .string(data.table.actions[a])), ("mean_cost", .num(data.meanCost[a], 2)),
                         ("mean_accuracy", .num(data.meanAccuracy[a]))])
            })),
            ("cross_validation", .object([("folds", .number(Double(folds))), ("seed", .number(Double(seed)))])),
            ("params", paramsJSON(r.params)),
            ("cost_params", paramsJSON(r.costParams)),
            ("imitation_params", paramsJSON(r.imitationParams)),
            ("shrink_alpha", .num(r.alpha)),
            ("fallback_to_fixed", .bool(r.fellBack)),
            ("lambda_table_source", .string("learned policy (quantized, as served) on the training rows")),
            ("quantization_agreement", .num(pkg.quantizationAgreement)),
            ("leaf_bits", .number(Double(pkg.leafBits))),
            ("heldout_mean", .object([
                ("fixed", .num(mean(budgets.map { r.fixed[$0].accuracy }))),
                ("policy", .num(mean(budgets.map { r.policy[$0].accuracy }))),
                ("unshrunk_policy", .num(mean(budgets.map { r.unshrunk[$0].accuracy }))),
                ("oracle", .num(mean(budgets.map { r.oracle[$0].accuracy }))),
            ])),
            ("heldout", rows),
        ])
    }

    /// The guard's verdict in one sentence, for the card and the README.
    package var guardStatement: String {
        let r = result
        let wins = r.budgets.indices.filter { r.unshrunk[$0].accuracy > r.fixed[$0].accuracy + 1e-9 }.count
        if r.fellBack {
            return "The learned policy did not beat the best fixed allocation on held-out folds at every budget "
                + "(unshrunk it wins at \(wins) of \(r.budgets.count) budgets), and no shrinkage toward the "
                + "per-action means made it win at all of them, so this model FALLS BACK to the best fixed "
                + "allocation: its heads are the per-action means, and the λ table mixes the two actions adjacent "
                + "to each budget. It is exactly as accurate as the best fixed allocation, never worse."
        }
        if r.alpha < 1 {
            return "Unshrunk, the learned policy beats the best fixed allocation on held-out folds at \(wins) of "
                + "\(r.budgets.count) budgets; shrunk toward the per-action means (α = \(r.alpha): "
                + "u' = α·u + (1−α)·ū) it is at least as accurate as the best fixed allocation at every budget."
        }
        return "The learned policy is at least as accurate as the best fixed allocation on held-out folds at every "
            + "budget, unshrunk (α = 1)."
    }
}
