import AllotModel
import AllotModelWriter
import AllotPolicy
import Foundation

/// A tiny, hand-checkable model: two actions, one runtime signal.
///
/// `small` (cost 1) predicts utility 0.5, or 0.9 when `probe_agree` > 0.5; `big` (cost 10) always 0.9.
/// So with agreement `small` wins at any λ > 0, and without it `big` wins exactly when 0.4 > 9λ (λ < 0.0444).
enum TestModel {
    static func file(version: UInt64 = 1, id: String = "test-model", actions: [String] = ["small", "big"],
                     smallParams: String = #"{"model":"s","max_tokens":256}"#) throws -> AllotModelFile
    {
        let spec = FeatureSpec(hashBuckets: 16, ngramMax: 1, signals: ["probe_agree"])
        let count = try FeatureExtractor(spec: spec).count
        let bins = FeatureBins(edges: [[Float]](repeating: [0.5], count: count))
        let signal = UInt16(count - 1)
        let small = Head.quantize(base: 0.5, trees: [FloatTree(features: [signal], thresholds: [1], leaves: [0, 0.4])])
        let big = Head.quantize(base: 0.9, trees: [FloatTree(features: [signal], thresholds: [1], leaves: [0, 0])])
        var specs = [
            ActionSpec(name: actions[0], params: smallParams, meanCost: 1),
            ActionSpec(name: actions[1], params: #"{"model":"b"}"#, meanCost: 10),
        ]
        var heads = [small, big]
        if actions.count > 2 {
            specs.append(ActionSpec(name: actions[2], params: #"{"model":"c"}"#, meanCost: 20))
            heads.append(big)
        }
        return AllotModelFile(
            info: ModelInfo(id: id, version: version, createdAt: 1_700_000_000, costUnit: "tokens"),
            features: spec, actions: specs, bins: bins, utility: heads,
            cost: [Head?](repeating: nil, count: specs.count),
            lambdaTable: [
                LambdaPoint(budget: 1, lambda: 0.1, mix: 0), LambdaPoint(budget: 5.5, lambda: 0.04, mix: 0),
                LambdaPoint(budget: 10, lambda: 0.001, mix: 0),
            ],
            card: #"{"recommended_budget": 5.5}"#)
    }

    static func write(to path: String, version: UInt64 = 1, id: String = "test-model",
                      actions: [String] = ["small", "big"],
                      smallParams: String = #"{"model":"s","max_tokens":256}"#) throws {
        let bytes = try ModelWriter.encode(file(version: version, id: id, actions: actions, smallParams: smallParams))
        try Data(bytes).write(to: URL(fileURLWithPath: path + ".tmp"))
        // rename, as an installer would: a reader never sees a half-written file
        _ = rename(path + ".tmp", path)
    }
}
