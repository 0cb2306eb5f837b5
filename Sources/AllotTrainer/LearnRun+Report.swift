import Foundation

extension LearnRun {
    /// The `--json` summary: the card plus file facts and timing.
    package var summary: LearnJSON {
        guard case .object(var pairs) = card.json(quantizationAgreement: package.quantizationAgreement) else {
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
        s += "quantization agreement \((package.quantizationAgreement * 10000).rounded() / 100)%, shrink α = "
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

    /// Writes the training features and targets (TSV: id, features..., acc per action, cost per action, fold)
    /// for `Scripts/compare-lightgbm.py`, so LightGBM sees exactly what our trees saw.
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
    }
}
