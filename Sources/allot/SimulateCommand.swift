import AllotModel
import AllotPolicy
import AllotTrainer
import ArgumentParser
import Foundation

/// `allot simulate`: a utility table streamed through the policy and the pacer, as a runtime would.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Stream a utility table through the policy and the online pacer; measure how the budget holds.",
        discussion: """
            Each row is routed (extract -> evaluate -> choose at the pacer's lambda -> reserve the predicted cost), \
            then \
            the actual cost of the chosen action is reported (--report-delay requests later). Prints the realized mean \
            cost and accuracy, the worst rolling-window deviation from the budget after the first window, the recovery \
            after an abrupt shift (requests until the rolling window is back within +-5% and stays), and the accuracy \
            of the best fixed lambda in hindsight at the same realized mean cost. See docs/pacing.md.
            """)

    @Option(help: "Utility table (JSON Lines, docs/table-format.md).") var table: String
    @Option(help: "Model file (.allot).") var model: String
    @Option(help: "Mean cost budget per request, in the model's cost unit.") var budget: Double
    @Option(help: "Rolling window of the budget, in requests.") var window = 500
    @Option(help: "Arrival order: \(Simulation.Shift.allCases.map(\.rawValue).joined(separator: ", ")).")
    var shift = "none"
    @Option(help: "Seed of the shuffle and of the mixing draws.") var seed: UInt64 = 1
    @Option(help: "Reports arrive this many requests after their route.") var reportDelay = 0
    @Option(help: "Pacer gain (change of log lambda per unit of relative cost error).") var gain: Double?
    @Option(help: "Pacer gain-scheduling cap (1: off).") var maxBoost: Double?
    @Option(help: "Window deviation at which gain scheduling doubles the gain (default 0.03).") var boostScale: Double?
    @Option(help: "Pacer momentum (change of log lambda per request per unit of the recent mean error; 0: off).")
    var momentum: Double?
    @Option(help: "Requests the pacer's momentum averages over.") var momentumHorizon: Double?
    @Option(help: "Replays of the table, each freshly shuffled.") var passes = 1
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Write one tab-separated line per request (request, row, action, cost, lambda, window deviation).")
    var trace: String?

    func validate() throws {
        guard Simulation.Shift(rawValue: shift) != nil else { throw ValidationError("unknown --shift \(shift)") }
        guard budget.isFinite, budget > 0 else { throw ValidationError("--budget must be positive") }
        guard window >= 1, window <= PacerConfig.maxWindow else { throw ValidationError("--window out of range") }
        guard passes >= 1, passes <= 1000, reportDelay >= 0 else {
            throw ValidationError("bad --passes/--report-delay")
        }
    }

    func run() throws {
        let t = try UtilityTable.load(path: table)
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model))) } catch {
            throw ValidationError("cannot read \(model): \(FileErrorText.reason(error, path: model) ?? "\(error)")")
        }
        let m = try ModelReader.decode(bytes)
        let sim = try Simulation(table: t, model: m)
        var o = Simulation.Options(budget: budget)
        o.window = window
        o.shift = Simulation.Shift(rawValue: shift) ?? .none
        o.seed = seed
        o.reportDelay = reportDelay
        o.gain = gain
        o.maxBoost = maxBoost
        o.boostScale = boostScale
        o.momentum = momentum
        o.momentumHorizon = momentumHorizon
        o.passes = passes
        var lines = "request\trow\taction\tcost\tlambda\twindow_deviation\n"
        let r = try sim.run(o, trace: trace == nil ? nil : { p in
            lines += "\(p.request)\t\(p.row)\t\(m.actions[p.action].name)\t\(p.cost)\t\(p.lambda)\t"
                + String(format: "%.5f", p.windowMeanCost / budget - 1) + "\n"
        })
        if let trace {
            do { try lines.write(toFile: trace, atomically: true, encoding: .utf8) } catch {
                let reason = FileErrorText.reason(error, path: trace) ?? "\(error)"
                throw ValidationError("cannot write \(trace): \(reason)")
            }
        }
        if json {
            print(r.jsonText())
            return
        }
        func pct(_ x: Double?) -> String { x.map { String(format: "%+.2f%%", 100 * $0) } ?? "n/a" }
        func f(_ x: Double) -> String { String(format: "%.4f", x) }
        print("requests        \(r.requests) (shift \(r.shift.rawValue), seed \(r.seed), delay \(r.reportDelay))")
        print("budget          \(r.budget) per request, window \(r.window)")
        print("mean cost       \(f(r.meanCost)) (\(pct(r.costDeviation)))")
        print("accuracy        \(f(r.accuracy))")
        let worst = pct(r.worstWindowDeviation)
        print("worst window    \(worst) after the first \(r.window); \(pct(r.worstWindowDeviationAll)) all")
        if !r.shiftPoints.isEmpty {
            print(
                "recovery        \(r.recovery.map(String.init) ?? "n/a") requests after shift at \(r.shiftPoints)"
                    + (r.recovered ? "" : " (not recovered)"))
        }
        // Against min(B, the mean cost at λ = 0) per window: the budget the policy can spend.
        print("spendable       worst window \(pct(r.steadyWorstWindowDeviation)) outside recovery"
            + (r.shiftPoints.isEmpty ? "" : "; recovery \(r.spendableRecovery.map(String.init) ?? "n/a")"
                + (r.spendableRecovered ? "" : " (not recovered)")))
        print("lambda          \(r.initialLambda) -> \(r.finalLambda)")
        let gap = String(format: "%+.2f", r.accuracyGapPoints)
        print("fixed lambda    \(r.fixedLambda): accuracy \(f(r.fixedAccuracy)) at cost \(f(r.fixedMeanCost)), "
            + "gap \(gap) points; its worst window \(pct(r.fixedWorstWindowDeviation))")
        if !r.shiftPoints.isEmpty {
            print("per regime      fixed lambda per stretch between shifts: accuracy \(f(r.segmentFixedAccuracy)), "
                + "gap \(String(format: "%+.2f", r.segmentGapPoints)) points; "
                + "its worst window \(pct(r.segmentFixedWorstWindowDeviation))")
        }
        print(
            "offline lambda* \(r.tableLambda): accuracy \(f(r.tableAccuracy)) at cost \(f(r.tableMeanCost)) (unadapted)"
        )
        print(
            "actions         "
                + r.actionShare.sorted { $0.key < $1.key }.map { "\($0.key) \(f($0.value))" }
                .joined(separator: ", "))
        print(
            "targets         "
                + r.targets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: " "))
    }
}
