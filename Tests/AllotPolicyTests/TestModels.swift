import AllotModel
import AllotModelWriter
import AllotPolicy

/// Random but valid models, built in memory.
enum TestModels {
    static let spec = FeatureSpec(hashBuckets: 8, ngramMax: 2, signals: ["probe"])
    static let featureCount = 28 + 8 + 1

    static func tree<R: RandomNumberGenerator>(_ rng: inout R, edges: [[Float]], scale: Float) -> FloatTree {
        let depth = Int.random(in: 1...4, using: &rng)
        var features: [UInt16] = []
        var thresholds: [UInt8] = []
        for _ in 0..<depth {
            let f = Int.random(in: 0..<edges.count, using: &rng)
            features.append(UInt16(f))
            thresholds.append(UInt8(Int.random(in: 0...edges[f].count, using: &rng)))
        }
        let leaves = (0..<(1 << depth)).map { _ in Float.random(in: -scale...scale, using: &rng) }
        return FloatTree(features: features, thresholds: thresholds, leaves: leaves)
    }

    /// Bin edges at 0.5, 1.5, ... so small integer counts and signals spread over the bins.
    static func bins<R: RandomNumberGenerator>(_ rng: inout R) -> FeatureBins {
        FeatureBins(
            edges: (0..<featureCount).map { _ in
                (0..<Int.random(in: 0...6, using: &rng)).map { Float($0) * 2 + 0.5 }
            })
    }

    static func model<R: RandomNumberGenerator>(
        _ rng: inout R, actions: Int = 4, costHeads: Bool = true, trees: Int = 6
    ) -> AllotModelFile {
        let bins = bins(&rng)
        var specs: [ActionSpec] = []
        var utility: [Head] = []
        var cost: [Head?] = []
        for a in 0..<actions {
            let mean = Double(1 << a)
            specs.append(ActionSpec(name: "b\(1 << a)", params: "{\"samples\":\(1 << a)}", meanCost: mean))
            let ut = (0..<trees).map { _ in tree(&rng, edges: bins.edges, scale: 0.1) }
            utility.append(Head.quantize(base: Float(0.3 + 0.1 * Double(a)), trees: ut))
            if costHeads && Bool.random(using: &rng) {
                let ct = (0..<trees).map { _ in tree(&rng, edges: bins.edges, scale: Float(mean) / 4) }
                cost.append(Head.quantize(base: Float(mean), trees: ct))
            } else {
                cost.append(nil)
            }
        }
        let table = [
            LambdaPoint(budget: 1.5, lambda: 0.05, mix: 0.3), LambdaPoint(budget: 3, lambda: 0.02, mix: 0.5),
            LambdaPoint(budget: 6, lambda: 0.005, mix: 0.1),
        ]
        return AllotModelFile(
            info: ModelInfo(id: "test", version: 1, createdAt: 0, costUnit: "samples"), features: spec,
            actions: specs, bins: bins, utility: utility, cost: cost, lambdaTable: table)
    }

    static func features<R: RandomNumberGenerator>(_ rng: inout R) -> [Float] {
        (0..<featureCount).map { _ in
            Int.random(in: 0..<10, using: &rng) == 0 ? .nan : Float(Int.random(in: 0...12, using: &rng))
        }
    }
}
