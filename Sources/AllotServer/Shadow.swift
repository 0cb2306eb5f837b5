import AllotJSON
import AllotModel
import AllotPolicy

/// A candidate model that decides every live route too, without acting, so a rollout can be gated on real
/// traffic. It keeps its own price λ at the live budget, paced by its own predicted costs (its actions never run,
/// so nothing else could settle them).
struct Shadow: Sendable {
    let model: LoadedModel
    var pacer: Pacer
    var routes: UInt64 = 0
    var agreements: UInt64 = 0
    var costSum = 0.0
    var perAction: [UInt64]
    let startedAt: Double

    init(model: LoadedModel, config: ServerConfig, budget: Double, now: Double) throws(ServerError) {
        self.model = model
        pacer = try Engine.makePacer(config, model: model, budget: budget, now: now)
        perAction = [UInt64](repeating: 0, count: model.file.actions.count)
        startedAt = now
    }

    mutating func observe(scratch: DecisionScratch, liveAction: String, draw: Double, at now: Double) {
        let lambda = pacer.lambda
        let a = scratch.utilities.withUnsafeBufferPointer { u in
            scratch.costs.withUnsafeBufferPointer {
                Policy.choose(utilities: u, costs: $0, lambda: lambda, mix: pacer.mix, draw: draw)
            }
        }
        let cost = scratch.costs[a]
        let ticket = pacer.reserve(action: a, estimate: cost, at: now)
        pacer.settle(ticket, cost: cost, at: now)
        routes &+= 1
        costSum += cost
        perAction[a] &+= 1
        if model.file.actions[a].name == liveAction { agreements &+= 1 }
    }

    func write(into w: inout JSONWriter) {
        w.beginObject()
        w.key("model")
        Engine.writeModelRef(model, into: &w)
        w.key("routes")
        w.int(Int(routes))
        w.key("agreement")
        w.number(routes > 0 ? Double(agreements) / Double(routes) : 0)
        w.key("mean_cost")
        w.number(routes > 0 ? costSum / Double(routes) : 0)
        w.key("lambda")
        w.number(pacer.lambda)
        w.key("actions")
        w.beginObject()
        for (i, a) in model.file.actions.enumerated() {
            w.key(a.name)
            w.int(Int(perAction[i]))
        }
        w.endObject()
        w.endObject()
    }
}
