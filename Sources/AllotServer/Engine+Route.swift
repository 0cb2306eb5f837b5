import AllotJSON
import AllotModel
import AllotPolicy

/// Per-connection buffers for routing, rebuilt only when the live model changes, so a route allocates nothing
/// for features, bin codes or predictions.
struct RouteScratch {
    var model: LoadedModel?
    var decision: DecisionScratch?
    var shadowModel: LoadedModel?
    var shadow: DecisionScratch?
}

/// What a route decided, for the reply.
struct RouteDecision {
    var model: LoadedModel
    var action: Int
    var cost: Double
    var lambda: Double
    var ticket: Ticket
}

extension Engine {
    func route(_ request: RouteRequest, scratch s: inout RouteScratch) throws(ServerError) -> RouteDecision {
        let (model, shadowModel) = state.withLock { ($0.model, $0.shadow?.model) }
        if s.model !== model {
            s.model = model
            s.decision = DecisionScratch(policy: model.policy)
        }
        Engine.evaluate(model, request, into: &s.decision!)
        if let shadowModel {
            if s.shadowModel !== shadowModel {
                s.shadowModel = shadowModel
                s.shadow = DecisionScratch(policy: shadowModel.policy)
            }
            Engine.evaluate(shadowModel, request, into: &s.shadow!)
        }
        let now = Sys.wallClock()
        let scratch = s.decision!
        let shadowScratch = s.shadow
        return state.withLock { m in
            // A reload may have swapped the model since we evaluated: decide on what we evaluated, and account it
            // only when the action set is still the one the pacer counts.
            let lambda = m.pacer.lambda
            let draw = m.rng.nextUnit()
            let action = scratch.utilities.withUnsafeBufferPointer { u in
                scratch.costs.withUnsafeBufferPointer {
                    Policy.choose(utilities: u, costs: $0, lambda: lambda, mix: m.pacer.mix, draw: draw)
                }
            }
            let cost = scratch.costs[action]
            let ticket = m.pacer.reserve(action: m.model === model ? action : -1, estimate: cost, at: now)
            if let shadowScratch, m.shadow?.model === shadowModel {
                m.shadow?.observe(scratch: shadowScratch, liveAction: model.file.actions[action].name,
                                  draw: draw, at: now)
            }
            return RouteDecision(model: model, action: action, cost: cost, lambda: lambda, ticket: ticket)
        }
    }

    /// Features and every head, outside the lock.
    static func evaluate(_ model: LoadedModel, _ request: RouteRequest, into scratch: inout DecisionScratch) {
        let policy = model.policy
        for i in scratch.signals.indices { scratch.signals[i] = .nan }
        if !request.signals.isEmpty {
            let names = policy.model.features.signals
            for (i, name) in names.enumerated() {
                if case .number(let v)? = request.signals[name] { scratch.signals[i] = Float(v) }
            }
        }
        if var text = request.text {
            text.withUTF8 { policy.predict(text: $0, scratch: &scratch) }
        } else {
            policy.predict(text: nil, scratch: &scratch)
        }
    }

    func writeRoute(_ d: RouteDecision, scratch: RouteScratch, explain: Bool, into w: inout JSONWriter) {
        let actions = d.model.file.actions
        w.rawMembers(d.model.routeMembers[d.action])
        w.key("cost")
        w.number(d.cost)
        w.key("lambda")
        w.number(d.lambda)
        w.key("ticket")
        w.string(d.ticket.description)
        guard explain, let s = scratch.decision else { return }
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
