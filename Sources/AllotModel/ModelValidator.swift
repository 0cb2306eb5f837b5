/// Checks a whole in-memory model against every rule of the format, so the writer never produces a file the
/// reader would refuse, and the evaluator can index without checks.
///
/// Oblivious trees have no child pointers: a tree is `depth` (feature, threshold) pairs and `2^depth` leaves,
/// and the leaf index is built from `depth` bits. So "no out-of-range child, no cycle" reduces to: depth in
/// `1...Head.maxDepth`, exactly `Σ depth` splits and `Σ 2^depth` leaves, every split feature below the feature
/// count. Any threshold byte is valid (`code > 255` is never true).
package enum ModelValidator {
    package static func validate(_ m: AllotModelFile) throws(ModelFileError) {
        func fail(_ code: ModelFileError.Code, _ message: String) -> ModelFileError { ModelFileError(code, message) }
        let id = m.info.id.utf8.count
        guard id >= 1, id <= ModelHeader.maxIdBytes else { throw fail(.badString, "model id must be 1...255 bytes") }
        let unit = m.info.costUnit.utf8.count
        guard unit >= 1, unit <= ModelHeader.maxUnitBytes else {
            throw fail(.badString, "cost unit must be 1...\(ModelHeader.maxUnitBytes) bytes")
        }
        guard m.features.extractor.utf8.count <= ModelPayload.maxNameBytes,
              m.features.signals.count <= ModelPayload.maxSignals,
              m.features.signals.allSatisfy({ $0.utf8.count <= ModelPayload.maxNameBytes })
        else { throw fail(.badString, "feature spec names too long or too many signals") }

        guard !m.actions.isEmpty, m.actions.count <= ModelPayload.maxActions else {
            throw fail(.outOfRange, "a model needs 1...\(ModelPayload.maxActions) actions, has \(m.actions.count)")
        }
        for (i, a) in m.actions.enumerated() {
            guard a.name.utf8.count <= ModelPayload.maxNameBytes else { throw fail(.badString, "action \(i) name too long") }
            guard a.params.utf8.count <= ModelPayload.maxParamsBytes, JSONShape.isObject(a.params) else {
                throw fail(.badString, "action \(i) params are not a JSON object of at most 64 KiB")
            }
            guard a.meanCost.isFinite, a.meanCost >= 0 else {
                throw fail(.outOfRange, "action \(i) mean cost \(a.meanCost) is not finite and non-negative")
            }
        }

        guard m.bins.featureCount <= ModelPayload.maxFeatures else { throw fail(.outOfRange, "too many features") }
        for (f, e) in m.bins.edges.enumerated() {
            guard e.count <= FeatureBins.maxEdges else { throw fail(.outOfRange, "feature \(f) has \(e.count) edges") }
            for i in e.indices where !e[i].isFinite || (i > 0 && !(e[i - 1] < e[i])) {
                throw fail(.outOfRange, "edges of feature \(f) are not finite and strictly increasing")
            }
        }

        guard m.utility.count == m.actions.count, m.cost.count == m.actions.count else {
            throw fail(.inconsistent, "\(m.utility.count) utility and \(m.cost.count) cost heads for "
                + "\(m.actions.count) actions")
        }
        for a in m.actions.indices {
            try validate(m.utility[a], features: m.bins.featureCount, "utility head \(a)")
            if let c = m.cost[a] { try validate(c, features: m.bins.featureCount, "cost head \(a)") }
        }

        guard m.lambdaTable.count <= ModelPayload.maxLambdaPoints else { throw fail(.outOfRange, "λ table too long") }
        for (i, p) in m.lambdaTable.enumerated() {
            if let problem = lambdaProblem(p, after: i > 0 ? m.lambdaTable[i - 1] : nil, index: i) {
                throw fail(.outOfRange, problem)
            }
        }
        guard m.card.utf8.count <= ModelPayload.maxCardBytes, JSONShape.isObject(m.card) else {
            throw fail(.badString, "model card is not a JSON object of at most 1 MiB")
        }
    }

    static func validate(_ h: Head, features: Int, _ what: String) throws(ModelFileError) {
        guard h.base.isFinite else { throw ModelFileError(.outOfRange, "\(what) base is not finite") }
        guard h.scale.isFinite, h.scale > 0 else {
            throw ModelFileError(.outOfRange, "\(what) scale \(h.scale) is not finite and positive")
        }
        guard h.depths.count <= ModelPayload.maxTrees else {
            throw ModelFileError(.outOfRange, "\(what) has \(h.depths.count) trees, at most \(ModelPayload.maxTrees)")
        }
        var splits = 0
        var leaves = 0
        for d in h.depths {
            guard d >= 1, Int(d) <= Head.maxDepth else {
                throw ModelFileError(.outOfRange, "\(what) has a tree of depth \(d), not 1...\(Head.maxDepth)")
            }
            splits += Int(d)
            leaves += 1 << Int(d)
        }
        guard h.splitFeatures.count == splits, h.splitThresholds.count == splits, h.leaves.count == leaves else {
            throw ModelFileError(.inconsistent, "\(what) has \(h.splitFeatures.count) features, "
                + "\(h.splitThresholds.count) thresholds and \(h.leaves.count) leaves; its depths need \(splits), "
                + "\(splits) and \(leaves)")
        }
        for f in h.splitFeatures where Int(f) >= features {
            throw ModelFileError(.outOfRange, "\(what) splits on feature \(f), model has \(features)")
        }
    }

    /// Why a λ-table point is invalid after `previous`, or nil.
    static func lambdaProblem(_ p: LambdaPoint, after previous: LambdaPoint?, index i: Int) -> String? {
        guard p.budget.isFinite, p.lambda.isFinite, p.mix.isFinite else { return "λ point \(i) is not finite" }
        guard p.budget >= 0, p.lambda >= 0 else { return "λ point \(i) has a negative budget or λ" }
        guard p.mix >= 0, p.mix <= 1 else { return "λ point \(i) mix \(p.mix) is not in [0, 1]" }
        if let q = previous {
            guard q.budget < p.budget else { return "λ table budgets are not strictly increasing at point \(i)" }
            guard p.lambda <= q.lambda else { return "λ table λ increases with the budget at point \(i)" }
        }
        return nil
    }
}
