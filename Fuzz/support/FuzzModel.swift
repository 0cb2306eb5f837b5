import AllotModel
import AllotModelWriter
import AllotPolicy
import Glibc

/// The fuzz targets' model: the same two-action, one-signal model as Tests/AllotServerTests/Support/TestModel.
/// `small` (cost 1) predicts utility 0.5, or 0.9 when `probe_agree` > 0.5; `big` (cost 10) always 0.9.
public enum FuzzModel {
    public static func file() throws -> AllotModelFile {
        let spec = FeatureSpec(hashBuckets: 16, ngramMax: 1, signals: ["probe_agree"])
        let count = try FeatureExtractor(spec: spec).count
        let bins = FeatureBins(edges: [[Float]](repeating: [0.5], count: count))
        let signal = UInt16(count - 1)
        let small = Head.quantize(base: 0.5, trees: [FloatTree(features: [signal], thresholds: [1], leaves: [0, 0.4])])
        let big = Head.quantize(base: 0.9, trees: [FloatTree(features: [signal], thresholds: [1], leaves: [0, 0])])
        let specs = [
            ActionSpec(name: "small", params: #"{"model":"s","max_tokens":256}"#, meanCost: 1),
            ActionSpec(name: "big", params: #"{"model":"b"}"#, meanCost: 10),
        ]
        return AllotModelFile(
            info: ModelInfo(id: "fuzz-model", version: 1, createdAt: 1_700_000_000, costUnit: "tokens"),
            features: spec, actions: specs, bins: bins, utility: [small, big],
            cost: [Head?](repeating: nil, count: specs.count),
            lambdaTable: [
                LambdaPoint(budget: 1, lambda: 0.1, mix: 0), LambdaPoint(budget: 5.5, lambda: 0.04, mix: 0),
                LambdaPoint(budget: 10, lambda: 0.001, mix: 0),
            ],
            card: #"{"recommended_budget": 5.5}"#)
    }
}

extension FuzzModel {
    /// Writes the model to `/tmp/allot-fuzz-TAG-PID.allot` for an `Engine` to load, and returns the path (the
    /// caller unlinks it once loaded).
    public static func writeTemporary(tag: String) -> String {
        let path = "/tmp/allot-fuzz-\(tag)-\(getpid()).allot"
        let bytes = try! ModelWriter.encode(file())
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot write \(path)")
        bytes.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return path
    }
}
