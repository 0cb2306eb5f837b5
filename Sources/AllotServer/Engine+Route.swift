import AllotJSON
import AllotModel
import AllotPolicy

/// Per-connection buffers for routing, rebuilt only when the live model changes, so a route allocates nothing
/// for features, bin codes or predictions; and the models they were built for, re-read only when
/// `Engine.generation` moves, so a route takes the engine's lock once (to choose and reserve).
struct RouteScratch {
    /// `Engine.generation` when `model` and `shadowModel` were read; `.max` before the first route.
    var generation = UInt64.max
    var model: LoadedModel?
    var decision: DecisionScratch?
    var shadowModel: LoadedModel?
    var shadow: DecisionScratch?
    /// This connection's copies of `model`'s reply members per action and ASCII signal names (nil: some name is
    /// not ASCII), and of `shadowModel`'s names: see `ByteTable`.
    var routeMembers = ByteTable()
    var signalNames: ByteTable?
    var shadowSignalNames: ByteTable?
    /// `model`, unretained (`model` keeps it alive): a route uses the shared model, and compares it with the live
    /// one, without retaining it, whose reference count would bounce between the cores serving other connections.
    var modelRef: Unmanaged<LoadedModel>?
}

/// What a route decided, for the reply (on the scratch's model).
struct RouteDecision {
    var action: Int
    var cost: Double
    var lambda: Double
    var ticket: Ticket
}

extension Engine {
    /// Points `s` at the live model (and the shadow's, if any), rebuilding its buffers for a new one. Reads the
    /// models under the lock only when a reload or shadow change has bumped `generation` since the last time.
    /// A swap right after this check is harmless: `decide` accounts only routes made on the model still live.
    func refresh(_ s: inout RouteScratch) {
        guard s.generation != generation.load(ordering: .acquiring) else { return }
        let (model, shadowModel, current) = state.withLock {
            ($0.model, $0.shadow?.model, generation.load(ordering: .relaxed))
        }
        if s.model !== model {
            s.model = model
            s.modelRef = Unmanaged.passUnretained(model)
            s.decision = DecisionScratch(policy: model.policy)
            s.routeMembers = ByteTable(copying: model.routeMembers)
            s.signalNames = model.signalBytes.map(ByteTable.init(copying:))
        }
        if let shadowModel {
            if s.shadowModel !== shadowModel {
                s.shadowModel = shadowModel
                s.shadow = DecisionScratch(policy: shadowModel.policy)
                s.shadowSignalNames = shadowModel.signalBytes.map(ByteTable.init(copying:))
            }
        } else {
            s.shadowModel = nil
            s.shadow = nil
            s.shadowSignalNames = nil
        }
        s.generation = current
    }

    /// The generic path: a route request parsed into `JSONValue`s.
    func route(_ request: RouteRequest, scratch s: inout RouteScratch) -> RouteDecision {
        refresh(&s)
        Engine.setSignals(request.signals, names: s.model!.file.features.signals, into: &s.decision!.signals)
        if let shadowModel = s.shadowModel {
            Engine.setSignals(request.signals, names: shadowModel.file.features.signals, into: &s.shadow!.signals)
        }
        if var text = request.text {
            return text.withUTF8 { decide(text: $0, scratch: &s) }
        }
        return decide(text: nil, scratch: &s)
    }

    /// Each of the model's signals from the request by name (NaN when absent); unknown names are ignored.
    static func setSignals(_ signals: [String: JSONValue], names: [String], into slots: inout [Float]) {
        for i in slots.indices { slots[i] = .nan }
        guard !signals.isEmpty else { return }
        for (i, name) in names.enumerated() {
            if case .number(let v)? = signals[name] { slots[i] = Float(v) }
        }
    }

    /// Features and every head on `text` and the signals already in the scratch (outside the lock), then, under the
    /// lock, the choice at the current λ, the reservation, and the shadow's view. `refresh(&s)` must have run.
    func decide(text: UnsafeBufferPointer<UInt8>?, scratch s: inout RouteScratch) -> RouteDecision {
        s.modelRef!._withUnsafeGuaranteedRef { $0.predict(text: text, scratch: &s.decision!) }
        let modelRef = s.modelRef
        let shadowModel = s.shadowModel
        if let shadowModel { shadowModel.predict(text: text, scratch: &s.shadow!) }
        let now = Sys.wallClock()
        return state.withLock { m in
            // A reload may have swapped the model since we evaluated: decide on what we evaluated, and account it
            // only when the action set is still the one the pacer counts.
            let lambda = m.pacer.lambda
            let draw = m.rng.nextUnit()
            let action = s.decision!.utilities.withUnsafeBufferPointer { u in
                s.decision!.costs.withUnsafeBufferPointer {
                    Policy.choose(utilities: u, costs: $0, lambda: lambda, mix: m.pacer.mix, draw: draw)
                }
            }
            let cost = s.decision!.costs[action]
            let live = Unmanaged.passUnretained(m.model).toOpaque() == modelRef?.toOpaque()
            let ticket = m.pacer.reserve(action: live ? action : -1, estimate: cost, at: now)
            if let shadowModel, m.shadow?.model === shadowModel, let name = s.model?.file.actions[action].name {
                m.shadow?.observe(scratch: s.shadow!, liveAction: name, draw: draw, at: now)
            }
            return RouteDecision(action: action, cost: cost, lambda: lambda, ticket: ticket)
        }
    }

    func writeRoute(_ d: RouteDecision, scratch: RouteScratch, explain: Bool, into w: inout JSONWriter) {
        scratch.routeMembers.withEntry(d.action) { members in
            w.write(reserving: Engine.routeRoom(members)) { Engine.writeRoute(d, members: members, into: &$0) }
        }
        if explain { writeExplain(d, scratch: scratch, into: &w) }
    }

    /// Room for `writeRoute(_:members:into:)`: a comma and the action's members, then `cost`, `lambda` and
    /// `ticket`, each key's room (`,"lambda":` is 10 bytes) and its value's.
    static func routeRoom(_ members: UnsafeBufferPointer<UInt8>) -> Int {
        1 + members.count + 2 * (JSONSpan.room(string: 6) + JSONSpan.roomForNumber) + JSONSpan.room(string: 6)
            + JSONSpan.roomForDecimal
    }

    /// A route reply's members after `id` and `ok`, but the explanation: `members` are the action's
    /// (`RouteScratch.routeMembers`), passed as bytes so no closure has to capture the scratch (a copy of it is
    /// ~15 reference counts).
    static func writeRoute(_ d: RouteDecision, members: UnsafeBufferPointer<UInt8>, into s: inout JSONSpan) {
        s.members(members)
        s.key(literal: "cost")
        s.number(d.cost)
        s.key(literal: "lambda")
        s.number(d.lambda)
        s.key(literal: "ticket")
        s.string(decimal: d.ticket.rawValue)
    }

    func writeExplain(_ d: RouteDecision, scratch: RouteScratch, into w: inout JSONWriter) {
        guard let s = scratch.decision, let actions = scratch.model?.file.actions else { return }
        w.key("explain")
        w.beginArray()
        for a in actions.indices {
            w.beginObject()
            w.key("action")
            w.string(actions[a].name)
            w.key("utility")
            w.number(s.utilities[a])
            w.key("cost")
            w.number(s.costs[a])
            w.key("score")
            w.number(s.utilities[a] - d.lambda * s.costs[a])
            w.endObject()
        }
        w.endArray()
    }

    /// Settles a ticket. Returns false when it was already settled (idempotent re-report).
    func report(ticket: UInt64, cost: Double) throws(ServerError) -> Bool {
        let now = Sys.wallClock()
        let result = state.withLock { $0.pacer.settle(Ticket(ticket), cost: cost, at: now) }
        switch result {
        case .settled: return true
        case .duplicate: return false
        case .notFound: throw ServerError(.notFound, "unknown or expired ticket \(ticket)")
        }
    }
}
