import Foundation

extension LearnRun {
    /// The `--json` summary: the card plus file facts and timing.
    package var summary: LearnJSON {
        guard case .object(var pairs) = card.json(package) else {
            return .null
        }
        pairs.insert(("id", .string(recipe.id)), at: 0)
        pairs.append(("file_bytes", .number(Double(package.bytes.count))))
        pairs.append(("trees", .number(Double(result.heads.treeCount))))
        pairs.append(("train_seconds", .num(seconds, 2)))
        pairs.append(("selection", .array(result.candidates.map { c in
            .object([("setting", .number(Double(c.grid))), ("alpha", .num(c.alpha)),
                     ("heldout_mean", .num(c.objective)), ("admissible", .bool(c.admissible))])
        })))
        pairs.append(("lambda_table", .array(package.model.lambdaTable.map {
            .object([("budget", .num($0.budget, 2)), ("lambda", .number($0.lambda)), ("mix", .num($0.mix, 6))])
        })))
        return .object(pairs)
    }

    package func humanSummary(model: String, card cardPath: String) -> String {
        let r = result
        var s = "wrote \(model) (\(package.bytes.count) bytes, \(r.heads.treeCount) trees) and \(cardPath) "
            + "in \((seconds * 10).rounded() / 10) s\n"
        s += "quantization agreement \((package.quantizationAgreement * 10000).rounded() / 100)% at "
            + "\(package.leafBits) leaf bits, shrink α = "
            + "\(r.alpha)\(r.fellBack ? " (fallback to the best fixed allocation)" : "")\n"
        s += "recommended budget \((r.recommendedBudget * 100).rounded() / 100) \(card.info.costUnit)\n"
        s += "budget      fixed   policy  unshrunk  oracle  (held-out accuracy, %)\n"
        for b in r.budgets.indices {
            let cols = [r.fixed[b].accuracy, r.policy[b].accuracy, r.unshrunk[b].accuracy, r.oracle[b].accuracy]
            s += pad(String(Int(r.budgets[b].rounded())), 10) + cols.map { pad(String(($0 * 1000).rounded() / 10), 8) }
                .joined() + "\n"
        }
        return s
    }

    private func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
    }

    /// Writes what `Scripts/compare-lightgbm.py` needs to train LightGBM on exactly what our trees saw:
    /// - `path`: TSV of fold, features (`nan` = missing), accuracy and cost per action, one row per prompt;
    /// - `path.ours.tsv`: our out-of-fold utility and cost predictions for the best unshrunk setting;
    /// - `path.json`: that setting, the cost-head setting, budgets, folds, and the wall time of our k-fold fit
    ///   (on one thread, to compare with a one-thread LightGBM).
    package func dumpFeatures(to path: String) throws {
        let d = data
        let folds = d.folds(recipe.folds, seed: recipe.seed)
        var header = ["fold"] + (0..<d.data.featureCount).map { "f\($0)" }
        header += d.table.actions.map { "acc:\($0)" } + d.table.actions.map { "cost:\($0)" }
        var lines = [header.joined(separator: "\t")]
        for r in 0..<d.rowCount {
            var cols = [String(folds[r])] + d.features[r].map { $0.isNaN ? "nan" : "\($0)" }
            cols += d.table.rows[r].acc.map { "\($0)" } + d.table.rows[r].cost.map { "\($0)" }
            lines.append(cols.joined(separator: "\t"))
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))

        var options = LearnOptions()
        options.folds = recipe.folds
        options.seed = recipe.seed
        options.costParams = result.costParams
        let learner = Learner(d, options: options)
        let start = Date()
        let oof = learner.crossValidate(grid: [result.unshrunkParams], parallel: false)[0]
        let seconds = Date().timeIntervalSince(start)
        var ours = [(d.table.actions.map { "u:\($0)" } + d.table.actions.map { "c:\($0)" }).joined(separator: "\t")]
        for r in 0..<d.rowCount {
            ours.append((oof.utility[r] + oof.cost[r]).map { "\($0)" }.joined(separator: "\t"))
        }
        try Data((ours.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path + ".ours.tsv"))
        let meta = LearnJSON.object([
            ("table", .string(recipe.table)),
            ("actions", .array(d.table.actions.map { .string($0) })),
            ("cost_varies", .array(d.costVaries.map { .bool($0) })),
            ("folds", .number(Double(recipe.folds))),
            ("seed", .number(Double(recipe.seed))),
            ("budgets", .array(result.budgets.map { .number($0) })),
            ("params", card.paramsJSON(result.unshrunkParams)),
            ("cost_params", card.paramsJSON(result.costParams)),
            ("ours_cv_seconds", .num(seconds, 3)),
            ("ours_threads", .number(1)),
        ])
        try Data(meta.pretty.utf8).write(to: URL(fileURLWithPath: path + ".json"))
    }
}
