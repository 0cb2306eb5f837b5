import AllotModel

/// The λ-aware decision: per-action predicted utility `u_a(x)` and cost `c_a(x)`, then
/// `a*(x) = argmax_a u_a(x) − λ·c_a(x)`.
///
/// For each `x` the chosen cost is non-increasing in λ (if `a` beats `b` at λ and `c_a < c_b`, it still beats `b` at
/// any larger λ), so the mean cost `C(λ)` is a non-increasing step function, and a budget `B` strictly inside a
/// step is met by mixing the two policies adjacent to the breakpoint λ*: `π⁻` (λ just below λ*, ties resolved
/// to the costlier action) with probability `p`, `π⁺` (ties to the cheaper action) otherwise, where
/// `p = (B − C(π⁺)) / (C(π⁻) − C(π⁺))` is the model's `LambdaPoint.mix`.
///
/// A class, immutable: as a 441-byte struct it was copied to the stack for every call that also took a scratch
/// `inout` (the callee's `self` must not change under it), on every route.
public final class Policy: Sendable {
    public let model: AllotModelFile
    public let extractor: FeatureExtractor
    /// The model's heads laid out for speed (AllotModel's evaluator; bit-identical to `Head.predict`).
    let evaluator: ModelEvaluator
    /// Lower bound of each action's predicted cost: `1e-3 · meanCost` (a cost head may predict ≤ 0 far out).
    let costFloor: [Double]
    let hasCostHead: [Bool]
    /// Some tree splits on some feature: else every head is a constant, and `predict` reads nothing of the request.
    let readsFeatures: Bool

    public var actionCount: Int { model.actions.count }
    public var featureCount: Int { extractor.count }

    /// Validates that the extractor, bins, heads and actions line up, so `evaluate` never reads out of bounds.
    public init(model: AllotModelFile) throws(PolicyError) {
        let fx = try FeatureExtractor(spec: model.features)
        try Self.validate(model, featureCount: fx.count)
        do {
            evaluator = try ModelEvaluator(model)
        } catch {
            throw PolicyError(.modelMismatch, "\(error)")
        }
        self.model = model
        self.extractor = fx
        self.costFloor = model.actions.map { 1e-3 * $0.meanCost }
        self.hasCostHead = model.cost.map { $0 != nil }
        self.readsFeatures = !model.featuresReadByTrees.isEmpty
    }

    /// Predicts every action's utility and cost for one feature vector, binning it once.
    ///
    /// `codes` needs `featureCount` bytes, `utilities` and `costs` `actionCount` doubles each. A predicted cost
    /// that is not finite becomes the action's mean cost; one below `1e-3 · meanCost` is raised to it.
    /// Its working buffers are stack temporaries; `evaluate(scratch:)` keeps them in a `DecisionScratch` instead.
    public func evaluate(
        features: UnsafeBufferPointer<Float>, codes: UnsafeMutableBufferPointer<UInt8>,
        utilities: UnsafeMutableBufferPointer<Double>, costs: UnsafeMutableBufferPointer<Double>
    ) {
        precondition(features.count >= featureCount && codes.count >= featureCount, "feature buffers too small")
        precondition(utilities.count >= actionCount && costs.count >= actionCount, "action buffers too small")
        evaluator.codes(features, into: codes)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Swift.max(1, 2 * actionCount)) { heads in
            evaluator.evaluate(codes: UnsafeBufferPointer(codes), into: heads)
            finish(heads: UnsafeBufferPointer(heads), utilities: utilities, costs: costs)
        }
    }

    /// `evaluate` on `scratch.features`, into `scratch.codes`, `scratch.utilities` and `scratch.costs`, with the
    /// evaluator's buffers kept in `scratch`: no allocation.
    public func evaluate(scratch: inout DecisionScratch) {
        // `features` is only read, but through a mutable access: a shared one, with the scratch's other arrays
        // written meanwhile, made the compiler retain and release it every route.
        scratch.features.withUnsafeMutableBufferPointer { f in
            scratch.codes.withUnsafeMutableBufferPointer { c in
                scratch.utilities.withUnsafeMutableBufferPointer { u in
                    scratch.costs.withUnsafeMutableBufferPointer {
                        evaluate(features: UnsafeBufferPointer(f), codes: c, utilities: u, costs: $0,
                                 scratch: &scratch.heads)
                    }
                }
            }
        }
    }

    /// `evaluate` with the evaluator's buffers from the caller (`DecisionScratch.heads`): no allocation.
    func evaluate(
        features: UnsafeBufferPointer<Float>, codes: UnsafeMutableBufferPointer<UInt8>,
        utilities: UnsafeMutableBufferPointer<Double>, costs: UnsafeMutableBufferPointer<Double>,
        scratch: inout EvaluationScratch
    ) {
        precondition(features.count >= featureCount && codes.count >= featureCount, "feature buffers too small")
        precondition(utilities.count >= actionCount && costs.count >= actionCount, "action buffers too small")
        if readsFeatures { evaluator.codesRead(features, into: codes) }
        scratch.out.withUnsafeMutableBufferPointer { heads in
            evaluator.evaluate(codes: UnsafeBufferPointer(codes), into: heads, scratch: &scratch.evaluator)
            finish(heads: UnsafeBufferPointer(heads), utilities: utilities, costs: costs)
        }
    }

    /// Head outputs (`u` then `c`) to utilities and costs, with the NaN and cost-floor rules.
    private func finish(heads: UnsafeBufferPointer<Float>, utilities: UnsafeMutableBufferPointer<Double>,
                        costs: UnsafeMutableBufferPointer<Double>) {
        let n = actionCount
        for a in 0..<n {
            utilities[a] = Double(heads[a])
            let mean = model.actions[a].meanCost
            if hasCostHead[a] {
                let p = Double(heads[n + a])
                costs[a] = p.isFinite ? Swift.max(p, costFloor[a]) : mean
            } else {
                costs[a] = mean
            }
        }
    }

    /// Array form of `evaluate` (allocates; for tools and tests).
    public func evaluate(features: [Float]) -> (utilities: [Double], costs: [Double]) {
        var codes = [UInt8](repeating: 0, count: featureCount)
        var u = [Double](repeating: 0, count: actionCount)
        var c = [Double](repeating: 0, count: actionCount)
        var f = features
        if f.count < featureCount { f += [Float](repeating: .nan, count: featureCount - f.count) }
        f.withUnsafeBufferPointer { fb in
            codes.withUnsafeMutableBufferPointer { cb in
                u.withUnsafeMutableBufferPointer { ub in
                    c.withUnsafeMutableBufferPointer { evaluate(features: fb, codes: cb, utilities: ub, costs: $0) }
                }
            }
        }
        return (u, c)
    }

    /// The decision at price `lambda`: the action maximising `u_a − λ·c_a`.
    ///
    /// Scores within a relative `1e-9` of the best are ties (so the offline λ*, computed as a ratio, reproduces the
    /// breakpoint despite rounding). Among tied actions `π⁺` takes the cheapest (then the lowest index) and `π⁻`
    /// the costliest (then the lowest index); the result is `π⁻` when `draw < mix`, else `π⁺`. With `mix = 0`
    /// (the default) the cheaper action always wins a tie. `draw` is a uniform number in [0, 1) from a seeded
    /// generator (`SplitMix64.nextUnit`). NaN utilities or costs lose to any number.
    @inlinable
    public static func choose(
        utilities: UnsafeBufferPointer<Double>, costs: UnsafeBufferPointer<Double>, lambda: Double,
        mix: Double = 0, draw: Double = 1
    ) -> Int {
        let n = Swift.min(utilities.count, costs.count)
        guard n > 0 else { return 0 }
        var best = -Double.infinity
        for a in 0..<n {
            let s = utilities[a] - lambda * costs[a]
            if s > best { best = s }
        }
        guard best.isFinite else {  // λ or predictions out of range: the cheapest action is the safe answer
            var cheapest = 0
            for a in 1..<n where costs[a] < costs[cheapest] { cheapest = a }
            return cheapest
        }
        let tol = 1e-9 * Swift.max(1, Swift.abs(best))
        var cheap = -1
        var dear = -1
        for a in 0..<n {
            let s = utilities[a] - lambda * costs[a]
            guard s >= best - tol else { continue }
            if cheap < 0 || costs[a] < costs[cheap] { cheap = a }
            if dear < 0 || costs[a] > costs[dear] { dear = a }
        }
        return draw < mix ? dear : cheap
    }

    /// Array form of `choose`.
    public static func choose(
        utilities: [Double], costs: [Double], lambda: Double, mix: Double = 0, draw: Double = 1
    ) -> Int {
        utilities.withUnsafeBufferPointer { u in
            costs.withUnsafeBufferPointer { choose(utilities: u, costs: $0, lambda: lambda, mix: mix, draw: draw) }
        }
    }
}
