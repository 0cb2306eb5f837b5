import AllotModel
import AllotPolicy

/// A synthetic request stream: per request, predicted utility and cost of 5 actions (1, 2, 4, 8, 16 samples),
/// and an actual cost around the prediction. `difficulty` in [0, 1] shifts the mix of prompts.
struct Traffic {
    var rng: SplitMix64
    var difficulty: Double = 0.5

    static let costs: [Double] = [1, 2, 4, 8, 16]

    mutating func next() -> (u: [Double], c: [Double], actual: [Double]) {
        // p = single-sample accuracy; harder prompts gain more from more samples, up to a point.
        let p = max(0.02, min(0.98, 1 - difficulty + 0.5 * (rng.nextUnit() - 0.5)))
        let length = 0.5 + rng.nextUnit()
        var u: [Double] = []
        var c: [Double] = []
        var actual: [Double] = []
        for (i, k) in Self.costs.enumerated() {
            u.append(1 - (1 - p) * pow(0.8 + 0.15 * p, Double(i)) + 0.01 * (rng.nextUnit() - 0.5))
            c.append(k * length)
            actual.append(k * length * (0.6 + 0.8 * rng.nextUnit()))
        }
        return (u, c, actual)
    }

    /// A λ table from the stream itself: mean predicted cost of the λ-policy at a few λs.
    static func table(seed: UInt64) -> [LambdaPoint] {
        var lambdas: [Double] = []
        var budgets: [Double] = []
        for k in 0..<12 {
            let lam = 0.2 * pow(0.5, Double(k))
            var t = Traffic(rng: SplitMix64(seed: seed))
            var sum = 0.0
            for _ in 0..<2000 {
                let r = t.next()
                sum += r.c[Policy.choose(utilities: r.u, costs: r.c, lambda: lam)]
            }
            lambdas.append(lam)
            budgets.append(sum / 2000)
        }
        var out: [LambdaPoint] = []
        for (b, l) in zip(budgets, lambdas) where out.last.map({ b > $0.budget }) ?? true {
            out.append(LambdaPoint(budget: b, lambda: l, mix: 0))
        }
        return out
    }
}

private func pow(_ x: Double, _ y: Double) -> Double {
    var r = 1.0
    for _ in 0..<Int(y) { r *= x }
    return r
}
