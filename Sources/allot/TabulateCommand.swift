import AllotTrainer
import ArgumentParser
import Foundation

/// `allot tabulate`: measurements -> utility table.
struct Tabulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tabulate",
        abstract: "Build a utility table from sampled answers (majority-vote actions) or per-model correctness.",
        discussion: """
            --samples FILE: one question per line, {"id","text","gold","samples":[{"answer","cost"},...]}. \
            Action bK is a majority vote over K samples; its accuracy is the exact expectation over uniformly \
            random K-subsets of the question's samples (a tie for the top count split evenly), its cost K x the \
            mean sample cost.
            --models FILE: JSON Lines {"model","id","correct","cost","text"?} or CSV with a header naming \
            model,id,correct,cost[,text]; the table's actions are the models.
            See docs/table-format.md.
            """)

    @Option(help: "Sampled answers (JSON Lines).") var samples: String?
    @Option(help: "Per-model correctness records (JSON Lines or CSV).") var models: String?
    @Option(help: "Output table (JSON Lines).") var out: String
    @Option(help: "Vote counts, comma-separated (with --samples; default 1,2,4,8,16).") var votes: String?
    @Flag(help: "Print a JSON summary (actions, rows, mean accuracy and cost per action).") var json = false

    func validate() throws {
        if (samples == nil) == (models == nil) { throw ValidationError("give exactly one of --samples and --models") }
        if models != nil && votes != nil {
            throw ValidationError("--votes applies to --samples; with --models the actions are the models")
        }
        if samples != nil && parsedVotes() == nil {
            throw ValidationError("--votes must be positive integers, e.g. 1,2,4")
        }
    }

    func parsedVotes() -> [Int]? {
        let v = (votes ?? "1,2,4,8,16").split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return v.compactMap { $0 }
    }

    func run() throws {
        let input = samples ?? models ?? ""
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: input)) } catch {
            throw TableError(.io, "cannot read: \(FileErrorText.reason(error, path: input) ?? "\(error)")", path: input)
        }
        let table =
            samples != nil
            ? try Tabulator.fromSamples(data, votes: parsedVotes() ?? [], path: input)
            : try Tabulator.fromModels(data, path: input)
        try table.write(to: out)
        let (acc, cost) = (table.meanAccuracy, table.meanCost)
        if json {
            let per = table.actions.indices.map { k in
                "{\"action\": \(jsonString(table.actions[k])), \"accuracy\": \(jsonNumber(acc[k])), "
                    + "\"mean_cost\": \(jsonNumber(cost[k]))}"
            }
            let list = per.joined(separator: ", ")
            print("{\"out\": \(jsonString(out)), \"rows\": \(table.rows.count), \"actions\": [\(list)]}")
        } else {
            print("wrote \(table.rows.count) rows, \(table.actions.count) actions to \(out)")
            for k in table.actions.indices { print("  \(table.actions[k])\tacc \(acc[k])\tcost \(cost[k])") }
        }
    }
}
