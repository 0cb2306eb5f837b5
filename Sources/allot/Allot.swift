import AllotTrainer
import ArgumentParser
import Foundation

/// The Allot toolkit: turn measurements of an LLM into a model file, check it, ship it, and exercise a daemon.
@main
struct Allot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allot",
        abstract: "Solve-then-Learn toolkit for on-device test-time compute allocation.",
        subcommands: [
            Tabulate.self, Solve.self, Learn.self, Eval.self, Simulate.self, Reproduce.self, Replay.self,
            Inspect.self, Verify.self, Keygen.self, Sign.self, Stamp.self, Install.self, Stats.self,
            BenchModel.self, BenchDecision.self,
        ]
    )

    /// The one exit point, as argument-parser's own `main`, but a Foundation file error is reworded first: its
    /// description is an `Error Domain=NSCocoaErrorDomain Code=4 ...` dump that names the reason in no words.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: readable(error))
        }
    }

    static func readable(_ error: any Error) -> any Error {
        guard let reason = FileErrorText.reason(error, path: nil) else { return error }
        guard let path = FileErrorText.path(of: error) else { return ModelFileIO.Failure(description: reason) }
        let code = (error as NSError).code  // Foundation's read errors are 256-511, its write errors 512-639
        let verb = (512..<640).contains(code) ? "cannot write " : (256..<512).contains(code) ? "cannot read " : ""
        return ModelFileIO.Failure(description: "\(verb)\(path): \(reason)")
    }
}
