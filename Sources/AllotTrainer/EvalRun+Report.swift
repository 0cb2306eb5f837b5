import Foundation

extension EvalRun {
    private func opt(_ x: Double?) -> LearnJSON { x.map { .num($0) } ?? .null }

    /// The `--json` object. `heldout` figures are k-fold cross-validated; `in_sample` ones are not.
    package var json: LearnJSON {
        .object([
            ("model", .string(model.info.id)),
            ("table", .string(table)),
            ("cost_unit", .string(model.info.costUnit)),
            ("folds", .number(Double(folds))),
            ("shrink_alpha", .num(alpha)),
            ("note", .string("policy, imitation, gain, gap_closed and agreement are held out (k-fold); "
                + "shipped_in_sample is the shipped file scored on this table (in-sample if it is the training "
                + "table); fixed, random, prompt_length and oracle learn nothing from prompts")),
            ("seconds", .num(seconds, 2)),
            ("budgets", .array(rows.map { r in
                .object([
                    ("budget", .num(r.budget, 2)),
                    ("best_fixed", opt(r.fixed)),
                    ("random", opt(r.random)),
                    ("prompt_length", opt(r.length)),
                    ("imitation", opt(r.imitation?.point.accuracy)),
                    ("imitation_cost", opt(r.imitation?.point.meanCost)),
                    ("imitation_label_accuracy", opt(r.imitation?.labelAccuracy)),
                    ("policy", .num(r.policy.accuracy)),
                    ("policy_cost", .num(r.policy.meanCost, 2)),
                    ("shipped_in_sample", .num(r.shipped.accuracy)),
                    ("oracle", .num(r.oracle.accuracy)),
                    ("oracle_lambda", .number(r.oracle.lambda)),
                    ("gain", opt(r.gain)),
                    ("gap_closed", opt(r.gapClosed)),
                    ("agreement", .num(r.agreement)),
                ])
            })),
        ])
    }

    private func pct(_ x: Double?) -> String {
        x.map { String(format: "%.1f", $0 * 100) } ?? "–"
    }

    /// The imitation learner's accuracy, with its mean cost when it spends less than the budget.
    private func imitationCell(_ r: Row) -> String {
        guard let i = r.imitation else { return "–" }
        let under = i.point.meanCost < r.budget * 0.995
        return pct(i.point.accuracy) + (under ? " (spends \(Int(i.point.meanCost.rounded())))" : "")
    }

    /// A Markdown table of the results (for the terminal and docs/results.md).
    package var markdownTable: String {
        let unit = model.info.costUnit
        var s = "| budget (\(unit)) | best fixed | random | prompt length | imitation | **policy** | gain | "
            + "gap closed | oracle | agreement | shipped (in-sample) |\n"
        s += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in rows {
            s += "| \(Int(r.budget.rounded())) | \(pct(r.fixed)) | \(pct(r.random)) | \(pct(r.length)) | "
                + imitationCell(r) + " | **\(pct(r.policy.accuracy))** | "
                + (r.gain.map { String(format: "%+.1f%%", $0 * 100) } ?? "–") + " | "
                + (r.gapClosed.map { String(format: "%.0f%%", $0 * 100) } ?? "–") + " | "
                + "\(pct(r.oracle.accuracy)) | \(pct(r.agreement))% | \(pct(r.shipped.accuracy)) |\n"
        }
        return s
    }

    /// The accuracy-cost plot.
    package var plot: PlotSVG {
        let pts = { (f: (Row) -> (Double, Double)?) in rows.compactMap(f).map { (x: $0.0, y: $0.1 * 100) } }
        let series = [
            PlotSVG.Series(name: "policy (held out)", color: "#1565c0", width: 3,
                           points: pts { ($0.policy.meanCost, $0.policy.accuracy) }),
            PlotSVG.Series(name: "oracle (hindsight)", color: "#9e9e9e", dashed: true,
                           points: pts { ($0.oracle.meanCost, $0.oracle.accuracy) }),
            PlotSVG.Series(name: "imitation (held out)", color: "#ef6c00",
                           points: pts { r in r.imitation.map { ($0.point.meanCost, $0.point.accuracy) } }),
            PlotSVG.Series(name: "best fixed", color: "#212121",
                           points: pts { r in r.fixed.map { (r.budget, $0) } }),
            PlotSVG.Series(name: "prompt length", color: "#2e7d32", dashed: true,
                           points: pts { r in r.length.map { (r.budget, $0) } }),
            PlotSVG.Series(name: "random", color: "#c62828", dashed: true,
                           points: pts { r in r.random.map { (r.budget, $0) } }),
        ]
        let marks = model.actions.indices.compactMap { a -> (x: Double, y: Double, text: String)? in
            guard let m = actionAccuracy[safe: a] else { return nil }
            return (model.actions[a].meanCost, m * 100, model.actions[a].name)
        }
        return PlotSVG(title: "\(model.info.id): accuracy at matched mean cost",
                       xLabel: "mean cost per query (\(model.info.costUnit), log scale)",
                       yLabel: "accuracy (%)", series: series, marks: marks)
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
