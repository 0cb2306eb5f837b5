import AllotModel

/// Random models shaped like trained ones, for benchmarks and property tests (not for serving).
///
/// Leaves follow a boosting-like profile: tree `t`'s leaves are `N(0, σ·decay^t)`, the way later trees fit
/// smaller residuals.
public enum SyntheticModel {
    public static func floatHeads(actions: Int, trees: Int, depth: Int, features: Int, edgesPerFeature: Int,
                                  sigma: Double = 0.05, decay: Double = 0.985,
                                  rng: inout SeededGenerator) -> [FloatHead] {
        (0..<actions).map { _ in
            var ts: [FloatTree] = []
            var s = sigma
            for _ in 0..<trees {
                defer { s *= decay }
                let f = (0..<depth).map { _ in UInt16(Int.random(in: 0..<features, using: &rng)) }
                let th = (0..<depth).map { _ in UInt8(Int.random(in: 0...edgesPerFeature, using: &rng)) }
                let leaves = (0..<(1 << depth)).map { _ in Float(rng.normal() * s) }
                ts.append(FloatTree(features: f, thresholds: th, leaves: leaves))
            }
            return FloatHead(base: Float(Double.random(in: 0.2..<0.8, using: &rng)), trees: ts)
        }
    }

    public static func bins(features: Int, edgesPerFeature: Int, rng: inout SeededGenerator) -> FeatureBins {
        FeatureBins(edges: (0..<features).map { _ in
            var x: Float = Float(Double.random(in: -1..<0, using: &rng))
            return (0..<edgesPerFeature).map { _ in
                x += Float(Double.random(in: 0.01..<0.1, using: &rng))
                return x
            }
        })
    }

    /// A complete model: `actions` actions with utility heads only, costs `1, 2, 4, ...`, a small λ table.
    public static func model(utility: [FloatHead], bins: FeatureBins, leafBits: Int = 16) -> AllotModelFile {
        let n = utility.count
        return AllotModelFile(
            info: ModelInfo(id: "synthetic-\(n)x\(utility.first?.trees.count ?? 0)", version: 1,
                            createdAt: 1_780_000_000, costUnit: "samples"),
            features: FeatureSpec(hashBuckets: 0, ngramMax: 1, signals: []),
            actions: (0..<n).map { a in
                ActionSpec(name: "a\(a)", params: "{\"samples\": \(1 << a)}", meanCost: Double(1 << a))
            },
            bins: bins,
            utility: utility.map { $0.quantized(leafBits: leafBits) },
            cost: Array(repeating: nil, count: n),
            lambdaTable: [LambdaPoint(budget: 1, lambda: 0.1, mix: 0), LambdaPoint(budget: 4, lambda: 0.01, mix: 0.5)],
            card: "{\"synthetic\": true}")
    }
}
