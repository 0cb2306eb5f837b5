import AllotModel
import AllotModelWriter
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hand-built model whose encoding and decisions are pinned: the test fails if the format or the evaluation
/// changes. To regenerate after a deliberate format change (and bump the version!), run the tests with
/// `ALLOT_WRITE_GOLDEN=1` and commit the new fixture and pinned decisions.
@Suite struct GoldenModelTests {
    static let fixture = String(#filePath.dropLast("GoldenModelTests.swift".count)) + "Fixtures/golden.allot"

    static func model() -> AllotModelFile {
        AllotModelFile(
            info: ModelInfo(id: "golden-ladder", version: 3, createdAt: 1_790_000_000, costUnit: "samples"),
            features: FeatureSpec(extractor: "allot-text", version: 1, hashBuckets: 2, ngramMax: 2,
                                  signals: ["queue_depth"]),
            actions: [
                ActionSpec(name: "greedy", params: "{\"samples\": 1}", meanCost: 1),
                ActionSpec(name: "vote-4", params: "{\"samples\": 4, \"vote\": \"majority\"}", meanCost: 4),
                ActionSpec(name: "big-model", params: "{\"model\": \"qwen2.5-7b\", \"max_tokens\": 1024}", meanCost: 9.5),
            ],
            bins: FeatureBins(edges: [[-1, 0, 1], [10, 100, 1000, 10000], [0.5], [2, 4, 8]]),
            utility: [
                Head(base: 0.42, scale: 0.0001, depths: [2, 1], splitFeatures: [0, 1, 2],
                     splitThresholds: [2, 3, 1], leaves: [-500, 120, 300, 900, -40, 60]),
                Head(base: 0.55, scale: 0.0002, depths: [3], splitFeatures: [1, 0, 3],
                     splitThresholds: [1, 0, 2], leaves: [-900, -200, 100, 400, -300, 0, 700, 1500]),
                Head(base: 0.61, scale: 0.00015, depths: [1, 2], splitFeatures: [3, 1, 0],
                     splitThresholds: [3, 2, 3], leaves: [-1000, 1200, -30000, 200, 400, 32767]),
            ],
            cost: [
                nil, nil,
                Head(base: 9, scale: 0.01, depths: [1], splitFeatures: [1], splitThresholds: [2], leaves: [-300, 450]),
            ],
            lambdaTable: [
                LambdaPoint(budget: 1.5, lambda: 0.08, mix: 0.25),
                LambdaPoint(budget: 4, lambda: 0.02, mix: 0.5),
                LambdaPoint(budget: 9, lambda: 0.001, mix: 1),
            ],
            card: "{\"recommended_budget\": 4, \"trained_on\": \"golden\"}")
    }

    /// Raw feature vectors (NaN = missing) and the decisions pinned for λ = 0, 0.02, 0.08.
    static let inputs: [[Float]] = [
        [-2, 5, 0, 1], [0.5, 50, 1, 3], [2, 20000, 0.2, 9], [.nan, .nan, .nan, .nan],
        [-0.5, 500, 0.7, 5], [1.5, 5000, 0.6, 3], [0, 1000, 0.5, 8], [3, 10, 2, 2.5],
    ]
    static let lambdas = [0, 0.02, 0.08]
    /// Computed once and checked by hand for the first input: codes [1, 1, 1, 1] give u = (0.366, 0.57, -4.04),
    /// c = (1, 4, 6), so λ = 0 and 0.02 pick action 1 and λ = 0.08 picks action 0.
    static let pinned: [[Int]] = [
        [1, 1, 0], [1, 1, 0], [2, 2, 2], [1, 0, 0],
        [1, 1, 1], [2, 2, 2], [1, 1, 1], [1, 1, 0],
    ]

    static func decisions() throws -> [[Int]] {
        let m = model()
        let ev = try ModelEvaluator(m)
        return inputs.map { x in
            let codes = x.indices.map { m.bins.code(feature: $0, x[$0]) }
            return lambdas.map { ev.decide(codes: codes, lambda: $0) }
        }
    }

    @Test func encodesToTheCommittedBytes() throws {
        let bytes = try ModelWriter.encode(Self.model())
        if getenv("ALLOT_WRITE_GOLDEN") != nil {
            let f = fopen(Self.fixture, "wb")
            _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
            fclose(f)
            print("wrote \(Self.fixture); decisions: \(try Self.decisions())")
        }
        let committed = try #require(Self.readFixture(), "missing \(Self.fixture)")
        #expect(bytes == committed)
        #expect(try ModelReader.decode(committed) == Self.model())
    }

    @Test func decisionsArePinned() throws {
        #expect(try Self.decisions() == Self.pinned)
    }

    static func readFixture() -> [UInt8]? {
        guard let f = fopen(fixture, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out += buf[..<n]
        }
        return out
    }
}
