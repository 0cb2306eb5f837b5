import Foundation
public struct LambdaPoint: Sendable, Equatable {
    public var budget: Double
    public var lambda: Double
    public var mix: Double
}
// Run with the AllotPolicy sources of commit e8689dc (import AllotModel dropped, Pacer.init(config:policy:at:) cut):
//   swiftc -O -module-name AllotPolicy <those files> make-pacer-v1-states.swift -o gen && ./gen
// Writes pacer states with the v1 encoder (the code of commit e8689dc), as test fixtures for decoding old files.
let table = [LambdaPoint(budget: 2, lambda: 0.2, mix: 0), LambdaPoint(budget: 4, lambda: 0.05, mix: 0.3),
             LambdaPoint(budget: 8, lambda: 0.01, mix: 0)]
let costs: [Double] = [1, 2, 4, 8, 16]
for (name, budget) in [("window", Budget.window(meanCost: 4, requests: 300)),
                       ("rate", Budget.rate(costPerSecond: 12, horizon: 120))] {
    var p = try Pacer(config: PacerConfig(budget: budget, reservationTTL: 30, maxOutstanding: 64,
                                          expectedRequestRate: 3),
                      lambdaTable: table, actionCount: 5, at: 1000)
    var rng = SplitMix64(seed: 8)
    var open: [(Ticket, Double)] = []
    for k in 0..<700 {
        let t = 1000 + Double(k) / 4
        // A cheaper action as λ rises, actual cost around the estimate.
        let a = max(0, min(4, 4 - Int((p.lambda / 0.05).rounded())))
        let est = costs[a] * (0.5 + rng.nextUnit())
        open.append((p.reserve(action: a, estimate: est, at: t), est * (0.6 + 0.8 * rng.nextUnit())))
        if k % 3 != 0, open.count > 5 {
            let (ticket, cost) = open.removeFirst()
            p.settle(ticket, cost: cost, at: t)
            if k % 7 == 0 { p.settle(ticket, cost: cost, at: t) }
        }
    }
    let s = p.stats(at: 1175)
    print(name, "lambda", p.lambda, "mix", p.mix, "routes", s.routes, "reports", s.reports, "outstanding", s.outstanding,
          "window mean", s.windowMeanCost, "held", s.windowRequests)
    try Data(p.encode()).write(to: URL(fileURLWithPath: "pacer-v1-\(name).state"))
}
