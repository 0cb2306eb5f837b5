import AllotModel
import Foundation

/// `allot reproduce`: rebuilds every shipped model in `Models/` from `Models/data` using the recipe stored in its
/// own card, and regenerates `docs/results.md` and its plots from held-out evaluation.
///
/// With `check`, nothing is written: any model, card, results page or plot whose rebuilt bytes differ is reported
/// (first differing byte, sizes) and the run fails.
package struct Reproducer: Sendable {
    package var root: String
    package var check: Bool
    /// Learning settings besides the recipe's (the defaults, which shipped models use; tests pass smaller ones).
    package var options = LearnOptions()

    package struct Mismatch: Sendable, CustomStringConvertible {
        package var path: String
        package var oldSize: Int
        package var newSize: Int
        package var firstDifference: Int

        package var description: String {
            "\(path): rebuilt bytes differ (committed \(oldSize) bytes, rebuilt \(newSize) bytes, first difference "
                + "at byte \(firstDifference))"
        }
    }

    package struct Outcome: Sendable {
        package var models: [String]
        package var mismatches: [Mismatch]
        package var written: [String]
        package var evals: [EvalRun]
    }

    package init(root: String, check: Bool, options: LearnOptions = LearnOptions()) {
        self.root = root
        self.check = check
        self.options = options
    }

    private func path(_ relative: String) -> String { root + "/" + relative }

    /// The model `Models/default.allot` links to, as `Models/NAME.allot`.
    static func defaultModel(root: String) -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/Models/default.allot")
        else { return nil }
        return "Models/" + (target as NSString).lastPathComponent
    }

    /// The shipped models: `Models/*.allot`, sorted by name. Symbolic links (`default.allot` names one of the
    /// others) are not models of their own: rebuilding their target rebuilds them.
    package func models() throws -> [String] {
        let fm = FileManager.default
        let names = try fm.contentsOfDirectory(atPath: path("Models"))
        return names.filter { name in
            guard name.hasSuffix(".allot") else { return false }
            return (try? fm.destinationOfSymbolicLink(atPath: path("Models/" + name))) == nil
        }.sorted().map { "Models/" + $0 }
    }

    package func run(log: (String) -> Void) throws -> Outcome {
        var outcome = Outcome(models: [], mismatches: [], written: [], evals: [])
        var results: [(run: LearnRun, eval: EvalRun, model: String)] = []
        for model in try models() {
            let file: AllotModelFile
            do {
                file = try ModelReader.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: path(model)))))
            } catch {
                let reason = FileErrorText.reason(error, path: path(model)) ?? "\(error)"
                throw TableError(.invalidArgument, "\(model) is not a model this can rebuild: \(reason)", path: model)
            }
            guard let recipe = LearnRun.Recipe(card: file.card) else {
                throw TableError(.invalidArgument, "\(model) has no recipe in its card: rebuild it with allot learn",
                                 path: model)
            }
            log("rebuilding \(model) from \(recipe.table)")
            let run = try LearnRun.run(recipe, root: root, options: options)
            try settle(model, run.package.bytes, &outcome)
            let card = LearnRun.cardPath(for: model)
            try settle(card, Array(run.card.markdown(package: run.package, recipe: recipe).utf8), &outcome)
            let eval = try EvalRun.from(run, table: recipe.table)
            try settle("docs/\(recipe.id).svg", Array(eval.plot.render().utf8), &outcome)
            outcome.models.append(model)
            outcome.evals.append(eval)
            results.append((run, eval, model))
        }
        try settle("docs/results.md", Array(ReproduceResults.markdown(results).utf8), &outcome)
        // The README's results table and plot, between its markers (skipped when it has none).
        if let readme = try? String(contentsOfFile: path("README.md"), encoding: .utf8),
            let id = results.first(where: { $0.model == Self.defaultModel(root: root) })?.run.recipe.id
                ?? results.first?.run.recipe.id,
            let updated = ReproduceResults.readme(readme, results, plotOf: id)
        {
            try settle("README.md", Array(updated.utf8), &outcome)
        }
        return outcome
    }

    /// Compares rebuilt bytes with the file on disk; records a mismatch (check) or writes the file (otherwise).
    private func settle(_ relative: String, _ bytes: [UInt8], _ outcome: inout Outcome) throws {
        let url = URL(fileURLWithPath: path(relative))
        let old = (try? [UInt8](Data(contentsOf: url))) ?? []
        guard old != bytes else { return }
        if check {
            let first = zip(old, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? Swift.min(old.count, bytes.count)
            outcome.mismatches.append(Mismatch(path: relative, oldSize: old.count, newSize: bytes.count,
                                               firstDifference: first))
        } else {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            outcome.written.append(relative)
        }
    }
}
