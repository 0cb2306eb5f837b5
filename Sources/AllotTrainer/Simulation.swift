import AllotModel
import AllotPolicy
import Foundation

/// `allot simulate`: streams a utility table through `Policy` and `Pacer` exactly as a runtime would (decide, then
/// report the actual cost of the chosen action, optionally `reportDelay` requests later) and measures how well the
/// budget is held and what it costs in accuracy against the best fixed price chosen in hindsight.
public struct Simulation: Sendable {
    public enum Shift: String, Sendable, CaseIterable, Codable {
        /// A seeded shuffle: stationary traffic.
        case none
        /// The hardest third (lowest mean accuracy over actions) first, then the rest; shift point at n/3.
        case hardFirst = "hard-first"
        /// The easiest third first, then the rest.
        case easyFirst = "easy-first"
        /// The third with the longest prompts first, then the rest.
        case longFirst = "long-first"
    }

    public struct Options: Sendable {
        public var budget: Double
        public var window: Int = 500
        public var shift: Shift = .none
        public var seed: UInt64 = 1
        /// Reports arrive this many requests after their route (0: at once).
        public var reportDelay: Int = 0
        /// Pacer gain η (nil: `PacerConfig`'s default).
        public var gain: Double?
        /// Pacer gain-scheduling cap (nil: `PacerConfig`'s default; 1 turns scheduling off).
        public var maxBoost: Double?
        /// Window deviation at which gain scheduling doubles the gain (nil: `PacerConfig`'s default).
        public var boostScale: Double?
        /// Pacer momentum μ (nil: `PacerConfig`'s default; 0 turns it off).
        public var momentum: Double?
        /// Requests the momentum's moving average spans (nil: `PacerConfig`'s default).
        public var momentumHorizon: Double?
        /// Replays of the table (each a fresh seeded shuffle of the same order rule) for longer streams.
        public var passes: Int = 1
        /// Relative band for the window and recovery figures.
        public var tolerance: Double = 0.05

        public init(budget: Double) { self.budget = budget }
    }

    public let table: UtilityTable
    public let policy: Policy
    /// Table column of each model action.
    let columns: [Int]

    /// Pairs the model's actions with the table's by name.
    public init(table: UtilityTable, model: AllotModelFile) throws {
        policy = try Policy(model: model)
        var columns: [Int] = []
        for a in model.actions {
            guard let c = table.actions.firstIndex(of: a.name) else {
                throw SimulationError("model action \"\(a.name)\" is not in the table (\(table.actions))")
            }
            columns.append(c)
        }
        guard !table.rows.isEmpty else { throw SimulationError("the table has no rows") }
        self.table = table
        self.columns = columns
    }

    /// One request of a traced run: its position, table row, chosen action and actual cost, and the pacer's λ and
    /// window mean cost (reservations at their estimate) after it was routed and any due reports settled.
    public struct TracePoint: Sendable {
        public var request: Int
        public var row: Int
        public var action: Int
        public var cost: Double
        public var lambda: Double
        public var windowMeanCost: Double
    }

    /// Runs the stream once and measures it; `trace` sees every request (for `allot simulate --trace`).
    public func run(_ o: Options, trace: ((TracePoint) -> Void)? = nil) throws -> SimulationResult {
        guard o.budget.isFinite, o.budget > 0 else { throw SimulationError("budget must be positive") }
        guard o.window >= 1, o.passes >= 1, o.reportDelay >= 0 else { throw SimulationError("bad options") }
        var order: [Int] = []
        var rng = SplitMix64(seed: o.seed)
        for _ in 0..<o.passes { order += Self.order(table, shift: o.shift, rng: &rng) }
        var config = PacerConfig(budget: .window(meanCost: o.budget, requests: o.window), reservationTTL: 1e12)
        config.maxOutstanding = Swift.min(PacerConfig.maxReservations, Swift.max(4096, 2 * o.reportDelay + 2))
        if let g = o.gain { config.gain = g }
        if let b = o.maxBoost { config.maxBoost = b }
        if let b = o.boostScale { config.boostScale = b }
        if let m = o.momentum { config.momentum = m }
        if let h = o.momentumHorizon { config.momentumHorizon = h }
        var pacer = try Pacer(config: config, policy: policy, at: 0)
        let initialLambda = pacer.lambda
        let predictions = self.predictions()

        var scratch = DecisionScratch(policy: policy)
        var cost: [Double] = []
        var acc: [Double] = []
        var chosen = [Int](repeating: 0, count: policy.actionCount)
        var queue: [(Ticket, Double)] = []
        var head = 0
        for (k, i) in order.enumerated() {
            let row = table.rows[i]
            let now = Double(k)
            fillSignals(&scratch.signals, row)
            let draw = rng.nextUnit()
            let a: Int
            if var text = row.text {
                a = text.withUTF8 {
                    policy.decide(text: $0, lambda: pacer.lambda, mix: pacer.mix, draw: draw, scratch: &scratch)
                }
            } else {
                a = policy.decide(text: nil, lambda: pacer.lambda, mix: pacer.mix, draw: draw, scratch: &scratch)
            }
            assert(scratch.utilities == predictions[i].u)
            let ticket = pacer.reserve(action: a, estimate: scratch.costs[a], at: now)
            let actual = row.cost[columns[a]]
            queue.append((ticket, actual))
            while queue.count - head > o.reportDelay {
                pacer.settle(queue[head].0, cost: queue[head].1, at: now)
                head += 1
            }
            if let trace {
                trace(TracePoint(request: k, row: i, action: a, cost: actual, lambda: pacer.lambda,
                                 windowMeanCost: pacer.stats(at: now).windowMeanCost))
            }
            cost.append(actual)
            acc.append(row.acc[columns[a]])
            chosen[a] += 1
        }
        while head < queue.count {
            pacer.settle(queue[head].0, cost: queue[head].1, at: Double(order.count))
            head += 1
        }
        return measure(
            o, order: order, cost: cost, acc: acc, chosen: chosen, predictions: predictions,
            initialLambda: initialLambda, finalLambda: pacer.lambda)
    }

    func fillSignals(_ out: inout [Float], _ row: TableRow) {
        for (s, name) in policy.model.features.signals.enumerated() {
            out[s] = row.signals[name].map(Float.init) ?? .nan
        }
    }

    /// Predicted utilities and costs of every row (they do not depend on λ).
    package func predictions() -> [(u: [Double], c: [Double])] {
        table.rows.map { row in
            let p = policy.evaluate(features: policy.extractor.extract(text: row.text, signals: row.signals))
            return (p.utilities, p.costs)
        }
    }
}

public struct SimulationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}
