import AllotModel
import AllotModelWriter

/// Random and hand-built models for the tests.
enum TestModels {
    static func randomHead(features: Int, edges: Int, rng: inout SeededGenerator) -> Head {
        let trees = Int.random(in: 0...6, using: &rng)
        var h = Head(base: Float(Double.random(in: -2...2, using: &rng)),
                     scale: Float(Double.random(in: 1e-6...1e-2, using: &rng)),
                     depths: [], splitFeatures: [], splitThresholds: [], leaves: [])
        for _ in 0..<trees {
            let d = Int.random(in: 1...Head.maxDepth, using: &rng)
            h.depths.append(UInt8(d))
            for _ in 0..<d {
                h.splitFeatures.append(UInt16(Int.random(in: 0..<features, using: &rng)))
                h.splitThresholds.append(UInt8(Int.random(in: 0...min(255, edges + 1), using: &rng)))
            }
            for _ in 0..<(1 << d) { h.leaves.append(Int16.random(in: .min ... .max, using: &rng)) }
        }
        return h
    }

    static func random(seed: UInt64) -> AllotModelFile {
        var rng = SeededGenerator(seed: seed)
        let features = Int.random(in: 1...20, using: &rng)
        let edges = Int.random(in: 0...30, using: &rng)
        let actions = Int.random(in: 1...6, using: &rng)
        let bins = SyntheticModel.bins(features: features, edgesPerFeature: edges, rng: &rng)
        let names = ["tok\u{e9}ns", "samples", "mJ", "GFLOP", "\u{1F4B0}"]
        var lambdas: [LambdaPoint] = []
        var budget = 0.0
        var lambda = 5.0
        for _ in 0..<Int.random(in: 0...5, using: &rng) {
            budget += Double.random(in: 0.1...3, using: &rng)
            lambda *= Double.random(in: 0.2...1, using: &rng)
            lambdas.append(LambdaPoint(budget: budget, lambda: lambda, mix: Double.random(in: 0...1, using: &rng)))
        }
        return AllotModelFile(
            info: ModelInfo(id: "model-\(seed)", version: rng.next(), createdAt: Int64(bitPattern: rng.next()),
                            costUnit: names[Int.random(in: 0..<names.count, using: &rng)]),
            features: FeatureSpec(extractor: "allot-text", version: UInt16.random(in: 0...9, using: &rng),
                                  hashBuckets: UInt16.random(in: 0...4096, using: &rng),
                                  ngramMax: UInt8.random(in: 1...3, using: &rng),
                                  signals: (0..<Int.random(in: 0...3, using: &rng)).map { "signal\($0)" }),
            actions: (0..<actions).map { a in
                ActionSpec(name: "action-\(a)", params: "{\"samples\": \(a), \"tags\": [\"x\", null, 1.5e3]}",
                           meanCost: Double.random(in: 0...100, using: &rng))
            },
            bins: bins,
            utility: (0..<actions).map { _ in randomHead(features: features, edges: edges, rng: &rng) },
            cost: (0..<actions).map { _ in
                Bool.random(using: &rng) ? randomHead(features: features, edges: edges, rng: &rng) : nil
            },
            lambdaTable: lambdas,
            card: "{\"seed\": \(seed)}")
    }

    /// A small valid model whose encoding is a few hundred bytes: the target of the exhaustive corruption tests.
    static func small() -> AllotModelFile {
        var m = random(seed: 7)
        m.utility = m.utility.map { var h = $0; h.depths = []; h.splitFeatures = []; h.splitThresholds = []; h.leaves = []; return h }
        m.cost = m.cost.map { _ in nil }
        m.utility[0] = Head(base: 0.5, scale: 0.001, depths: [2], splitFeatures: [0, 0], splitThresholds: [1, 2],
                            leaves: [-3, 1, 2, 300])
        return m
    }
}
