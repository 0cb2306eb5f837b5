import AllotModel

extension Policy {
    /// Everything `evaluate` relies on: one bin row per feature, heads whose splits name existing features and
    /// whose arrays have the lengths their depths imply, positive finite action costs, a sane λ table.
    static func validate(_ m: AllotModelFile, featureCount: Int) throws(PolicyError) {
        func fail(_ message: String) -> PolicyError { PolicyError(.modelMismatch, message) }
        guard !m.actions.isEmpty else { throw fail("model has no actions") }
        guard m.bins.featureCount == featureCount else {
            throw fail("bins cover \(m.bins.featureCount) features, the extractor makes \(featureCount)")
        }
        for (f, e) in m.bins.edges.enumerated() {
            guard e.count <= FeatureBins.maxEdges else { throw fail("feature \(f) has \(e.count) bin edges") }
            for i in e.indices {
                guard e[i].isFinite, i == 0 || e[i - 1] < e[i] else {
                    throw fail("bin edges of feature \(f) are not finite and strictly increasing")
                }
            }
        }
        guard m.utility.count == m.actions.count, m.cost.count == m.actions.count else {
            throw fail("\(m.actions.count) actions but \(m.utility.count) utility and \(m.cost.count) cost heads")
        }
        for (a, action) in m.actions.enumerated() {
            guard action.meanCost.isFinite, action.meanCost > 0 else {
                throw fail("action \(action.name) has mean cost \(action.meanCost)")
            }
            try validate(m.utility[a], name: "utility head of \(action.name)", featureCount: featureCount)
            if let c = m.cost[a] { try validate(c, name: "cost head of \(action.name)", featureCount: featureCount) }
        }
        var prev: LambdaPoint?
        for p in m.lambdaTable {
            guard p.budget.isFinite, p.budget > 0, p.lambda.isFinite, p.lambda >= 0, p.mix >= 0, p.mix <= 1 else {
                throw fail("λ table point (budget \(p.budget), λ \(p.lambda), mix \(p.mix)) is out of range")
            }
            if let prev, !(prev.budget < p.budget && prev.lambda >= p.lambda) {
                throw fail("λ table must have increasing budgets and non-increasing λ")
            }
            prev = p
        }
    }

    static func validate(_ h: Head, name: String, featureCount: Int) throws(PolicyError) {
        func fail(_ message: String) -> PolicyError { PolicyError(.modelMismatch, "\(name): \(message)") }
        guard h.base.isFinite, h.scale.isFinite, h.scale > 0 else { throw fail("base or scale not finite") }
        var splits = 0
        var leaves = 0
        for d in h.depths {
            guard d >= 1, Int(d) <= Head.maxDepth else { throw fail("tree depth \(d) out of 1...\(Head.maxDepth)") }
            splits += Int(d)
            leaves += 1 << Int(d)
        }
        guard h.splitFeatures.count == splits, h.splitThresholds.count == splits, h.leaves.count == leaves else {
            throw fail("split/leaf arrays do not match the tree depths")
        }
        for f in h.splitFeatures where Int(f) >= featureCount {
            throw fail("split on feature \(f), the model has \(featureCount)")
        }
    }
}
