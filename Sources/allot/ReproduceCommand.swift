import AllotTrainer
import ArgumentParser
import Foundation

/// `allot reproduce`: rebuild every shipped model and the results page, byte for byte.
struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild every model in Models/ from Models/data and regenerate docs/results.md.",
        discussion: """
            Each model's recipe (table, actions, folds, seed, buckets, id, version, creation time) is read from \
            its own card. Use a release build: it takes well under 3 minutes on 2 cores.
            """)

    @Flag(help: "Write nothing; fail if any rebuilt model, card, plot or results page differs from the committed one.")
    var check = false
    @Option(help: "Repository root.") var root: String = "."

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root + "/Models/data", isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw ValidationError("no Models/data under \(root): run from the repository root, or pass --root")
        }
        let start = Date()
        let outcome = try Reproducer(root: root, check: check).run { print($0) }
        let seconds = Date().timeIntervalSince(start)
        for path in outcome.written { print("wrote \(path)") }
        for eval in outcome.evals { EvalPNG.convert(svg: root + "/docs/\(eval.model.info.id).svg") }
        print(String(format: "reproduced %d models in %.1f s", outcome.models.count, seconds))
        if !outcome.mismatches.isEmpty {
            for m in outcome.mismatches { print("MISMATCH \(m)") }
            throw ExitCode.failure
        }
        if check { print("all committed models, cards, plots, docs/results.md and the README results match byte for byte") }
    }
}
