import AllotModel
import AllotJSON
import AllotPolicy
import AllotServer
import AllotTrainer
import ArgumentParser
import Foundation

/// The end-to-end proof through the real protocol: what `simulate` does in process, against a running allotd.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a utility table through a running allotd as a runtime would, and measure the pacing.",
        discussion: """
            For each row (in the order --shift gives): route its text and signals, then report the actual cost \
            of the chosen action from the table. Prints realized accuracy and mean cost, and the pacing figures \
            of `allot simulate` against the daemon's budget (from `hello`). Start the daemon with a fresh state, on \
            a model whose actions the table has (one learned from it). Exits 1 when any request failed.
            """)

    @Option(help: "The daemon's socket (allotd's default: $XDG_RUNTIME_DIR/allotd.sock when that is set).")
    var socket: String = Server.defaultSocketPath
    @Option(help: "Utility table (JSON Lines).") var table: String
    @Option(help: "Order of arrival: \(Simulation.Shift.allCases.map(\.rawValue).joined(separator: ", ")).")
    var shift: String = "none"
    @Option(help: "Rolling window for the pacing figures.") var window: Int = 500
    @Option(help: "Times to play the table.") var passes: Int = 1
    @Option(help: "Seed of the arrival order.") var seed: UInt64 = 1
    @Flag(help: "Print the results as one JSON object.") var json = false

    func run() throws {
        guard let shiftRule = Simulation.Shift(rawValue: shift) else {
            throw ValidationError("unknown --shift \(shift)")
        }
        guard window >= 1, window <= PacerConfig.maxWindow else {
            throw ValidationError("--window must be 1...\(PacerConfig.maxWindow)")
        }
        guard passes >= 1, passes <= 1000 else { throw ValidationError("--passes must be 1...1000") }
        let data = try UtilityTable.load(path: table)
        let client = try DaemonClient(path: socket)
        let hello = try client.call { w in
            w.key("op")
            w.string("hello")
        }
        if let f = DaemonClient.failure(hello) { throw ValidationError("hello: \(f.code): \(f.message)") }
        guard let budget = hello["budget"]?.objectValue?["mean_cost"]?.doubleValue else {
            throw ValidationError("replay measures window budgets; the daemon runs a rate budget")
        }
        // Every action the daemon may choose needs the table's accuracy and cost, or its rows could not be scored.
        let served = hello["actions"]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue } ?? []
        let missing = served.filter { !data.actions.contains($0) }
        guard missing.isEmpty else {
            throw ValidationError("""
                the daemon's model serves actions the table lacks (\(missing.joined(separator: ", "))); the table \
                has \(data.actions.joined(separator: ", ")). Start allotd with a model learned from this table.
                """)
        }
        var rng = SplitMix64(seed: seed)
        var order: [Int] = []
        for _ in 0..<passes { order += Simulation.order(data, shift: shiftRule, rng: &rng) }

        var cost: [Double] = []
        var acc: [Double] = []
        var chosen: [String: Int] = [:]
        var errors = 0
        let clock = ContinuousClock()
        let started = clock.now
        for i in order {
            let row = data.rows[i]
            let reply = try client.call { w in
                w.key("op")
                w.string("route")
                if let t = row.text {
                    w.key("text")
                    w.string(t)
                }
                w.key("signals")
                w.beginObject()
                for (k, v) in row.signals.sorted(by: { $0.key < $1.key }) {
                    w.key(k)
                    w.number(v)
                }
                w.endObject()
            }
            guard DaemonClient.failure(reply) == nil, let name = reply["action"]?.stringValue,
                let a = data.actions.firstIndex(of: name), let ticket = reply["ticket"]?.stringValue
            else {
                errors += 1
                continue
            }
            let actual = row.cost[a]
            let settled = try client.call { w in
                w.key("op")
                w.string("report")
                w.key("ticket")
                w.string(ticket)
                w.key("cost")
                w.number(actual)
            }
            if DaemonClient.failure(settled) != nil { errors += 1 }
            cost.append(actual)
            acc.append(row.acc[a])
            chosen[name, default: 0] += 1
        }
        let elapsed = clock.now - started
        let n = max(cost.count, 1)
        let meanCost = cost.reduce(0, +) / Double(n)
        let accuracy = acc.reduce(0, +) / Double(n)
        let pace = Simulation.pacing(cost: cost, budget: budget, window: window, shift: shiftRule,
                                     passes: passes, tolerance: 0.05)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        var out: [String: Any] = [
            "requests": cost.count, "errors": errors, "budget": budget, "mean_cost": meanCost,
            "cost_deviation": meanCost / budget - 1, "accuracy": accuracy, "window": window, "shift": shift,
            "shift_points": pace.shiftPoints, "recovered": pace.recovered,
            "action_share": chosen.mapValues { Double($0) / Double(n) },
            "seconds": seconds, "round_trips_per_second": Double(2 * cost.count) / max(seconds, 1e-9),
        ]
        out["worst_window_deviation"] = pace.worst
        out["worst_window_deviation_all"] = pace.worstAll
        out["recovery"] = pace.recovery
        if json {
            let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            func pct(_ x: Double?) -> String { x.map { String(format: "%+.2f%%", 100 * $0) } ?? "n/a" }
            print("requests            \(cost.count) (\(errors) errors) in \(String(format: "%.2f", seconds)) s")
            print("budget              \(budget)")
            print("mean cost           \(String(format: "%.1f", meanCost)) (\(pct(meanCost / budget - 1)))")
            print("accuracy            \(String(format: "%.2f%%", 100 * accuracy))")
            print("worst \(window)-window   \(pct(pace.worst)) after warm-up, \(pct(pace.worstAll)) overall")
            if !pace.shiftPoints.isEmpty {
                print("recovery            \(pace.recovery.map(String.init) ?? "n/a") requests"
                    + (pace.recovered ? "" : " (not recovered)"))
            }
            print("actions             " + chosen.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", "))
        }
        // The figures stay printed, but a script must not take a run with failed requests for a clean one.
        if errors > 0 { throw ExitCode.failure }
    }
}
