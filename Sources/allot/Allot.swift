import ArgumentParser

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
}
