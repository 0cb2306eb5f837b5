import AllotModel

extension Pacer {
    /// λ and mixing probability for mean-cost budget `budget` from the offline table (sorted by budget).
    ///
    /// Between two points with the same λ (one breakpoint, two budgets) the mean cost is linear in the mixing
    /// probability, so `mix` is interpolated linearly; between different λs, `log λ` is interpolated linearly in
    /// the budget (costs respond to relative changes of λ) and `mix` is 0. Outside the table the end point's λ is
    /// used, with `mix` 0 below it and 1 above.
    public static func tableLambda(_ table: [LambdaPoint], budget: Double) -> (lambda: Double, mix: Double) {
        guard let first = table.first, let last = table.last else { return (0, 0) }
        if !(budget > first.budget) { return (first.lambda, budget == first.budget ? first.mix : 0) }
        if budget >= last.budget { return (last.lambda, budget == last.budget ? last.mix : 1) }
        var i = 0
        while i + 1 < table.count && table[i + 1].budget < budget { i += 1 }
        let a = table[i]
        let b = table[i + 1]
        let w = (budget - a.budget) / (b.budget - a.budget)
        if a.lambda == b.lambda { return (a.lambda, a.mix + w * (b.mix - a.mix)) }
        if a.lambda > 0 && b.lambda > 0 {
            return ((a.lambda.log + w * (b.lambda.log - a.lambda.log)).exp, 0)
        }
        return (a.lambda + w * (b.lambda - a.lambda), 0)
    }

    /// The warm start: the table's λ at `B` for a window budget; for a rate budget `R` at `B = R / r` when the
    /// expected request rate `r` is configured, else the middle point of the table (whose budget the model card
    /// recommends): a rate budget says nothing about cost per request until requests arrive.
    static func warmStart(_ config: PacerConfig, _ table: [LambdaPoint]) -> (lambda: Double, mix: Double) {
        switch config.budget {
        case .window(let b, _):
            return tableLambda(table, budget: b)
        case .rate(let r, _):
            if let rate = config.expectedRequestRate { return tableLambda(table, budget: r / rate) }
            guard !table.isEmpty else { return (0, 0) }
            let mid = table[table.count / 2]
            return (mid.lambda, mid.mix)
        }
    }

    /// λ's range: three decades either side of the table's positive λs, or `[1e-6, 1e3] / costScale` without.
    /// Below the floor the decision is the utility argmax for all practical purposes; above the ceiling, the
    /// cheapest action.
    static func lambdaRange(_ table: [LambdaPoint], costScale: Double) -> ClosedRange<Double> {
        let positive = table.map(\.lambda).filter { $0 > 0 && $0.isFinite }
        if let lo = positive.min(), let hi = positive.max() { return (lo * 1e-3)...(hi * 1e3) }
        let c = costScale.isFinite && costScale > 0 ? costScale : 1
        return (1e-6 / c)...(1e3 / c)
    }
}
