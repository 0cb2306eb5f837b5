import AllotTrainer
import ArgumentParser
import Foundation

/// `allot eval`: accuracy at matched mean cost for every allocation, held out, plus the accuracy-cost plot.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare a model's policy with the baselines, the imitation learner and the oracle.",
        discussion: """
            Policy and imitation figures are k-fold cross-validated with the model's own hyperparameters, folds \
            and seed (so they equal its card); "shipped (in-sample)" scores the file itself on the table.
            """)

    @Option(help: "Utility table (JSON Lines).") var table: String
    @Option(help: "Model file (.allot).") var model: String
    @Option(help: "Actions file of the table.") var actions: String?
    @Option(help: "Comma-separated budgets (default: the model's grid).") var budgets: String?
    @Option(help: "Cross-validation folds (default: the model's).") var folds: Int?
    @Option(help: "Write the accuracy-cost plot as SVG (and PNG next to it when ImageMagick is present).")
    var plot: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        if let folds, !LearnOptions.foldRange.contains(folds) { throw ValidationError("--folds must be 2...20") }
        let list = try budgets.map { text in
            let items = try text.split(separator: ",").map { item -> Double in
                // 1e15 is far past any real mean cost, and keeps the table's whole-number budgets exact
                guard let b = Double(item.trimmingCharacters(in: .whitespaces)), b.isFinite, b > 0, b <= 1e15 else {
                    throw ValidationError("--budgets: \"\(item)\" is not a positive number up to 1e15")
                }
                return b
            }
            guard !items.isEmpty else { throw ValidationError("--budgets: no budget in \"\(text)\"") }
            return items
        }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: model)))
        let run = try EvalRun.run(table: table, actions: actions, model: bytes, budgets: list, folds: folds)
        print(json ? run.json.pretty : run.markdownTable)
        if let plot {
            // The figures are printed first: a plot path that cannot be written costs the user nothing else.
            let url = URL(fileURLWithPath: plot)
            do {
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(run.plot.render().utf8).write(to: url)
            } catch {
                let reason = FileErrorText.reason(error, path: plot) ?? "\(error)"
                throw ModelFileIO.Failure(description: "cannot write the plot to \(plot): \(reason)")
            }
            EvalPNG.convert(svg: plot)
        }
    }
}

/// PNG next to an SVG, where the machine has a converter; silently skipped otherwise.
enum EvalPNG {
    static func convert(svg: String) {
        let png = (svg.hasSuffix(".svg") ? String(svg.dropLast(4)) : svg) + ".png"
        let cairo = "import sys, cairosvg; cairosvg.svg2png(url=sys.argv[1], write_to=sys.argv[2])"
        let tools = [("rsvg-convert", ["-o", png, svg]), ("convert", [svg, png]), ("python3", ["-c", cairo, svg, png])]
        for (tool, args) in tools {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            for dir in path.split(separator: ":").map(String.init) {
                let path = dir + "/" + tool
                guard FileManager.default.isExecutableFile(atPath: path) else { continue }
                let p = Process()
                p.executableURL = URL(fileURLWithPath: path)
                p.arguments = args
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                if (try? p.run()) != nil {
                    p.waitUntilExit()
                    if p.terminationStatus == 0 { return }
                }
            }
        }
    }
}
