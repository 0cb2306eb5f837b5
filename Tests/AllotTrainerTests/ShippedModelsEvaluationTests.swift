import AllotModel
import AllotPolicy
import AllotTrainer
import Foundation
import Testing

/// Every shipped model on every row of every shipped table: the vector, scalar and portable tree kernels and the
/// reference `Head.predict` agree bit for bit, and a reused `DecisionScratch` decides as `Policy.evaluate` does.
@Test func shippedModelsEvaluateIdenticallyOnEveryKernel() throws {
    let root = TestPaths.repoRoot.path
    var rows = 0
    var compared = 0
    let tables = ["gsm8k-cascade", "gsm8k-gpt3-verifier", "gsm8k-ladder", "math-l5-qwen"].map {
        try! UtilityTable.load(path: TestPaths.data("\($0).jsonl"))
    }
    for name in ["default", "gsm8k-cascade", "gsm8k-gpt3-verifier", "gsm8k-ladder", "math-l5-qwen"] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/Models/\(name).allot")))
        let model = try ModelReader.decode(bytes)
        let policy = try Policy(model: model)
        let scalar = try ModelEvaluator(model, kernel: .scalar)
        let vector = try ModelEvaluator(model)
        print("model \(name): \(model.bins.featureCount) features, kernel \(vector.kernel)")
        var scratch = DecisionScratch(policy: policy)
        for table in tables {
            for row in table.rows {
                let f = policy.extractor.extract(text: row.text, signals: row.signals)
                let codes = f.indices.map { model.bins.code(feature: $0, f[$0]) }
                let (us, cs) = scalar.evaluate(codes: codes)
                let (uv, cv) = vector.evaluate(codes: codes)
                var expected: [Float] = []
                codes.withUnsafeBufferPointer { cb in
                    expected = model.utility.map { $0.predict(codes: cb) }
                        + model.actions.indices.map { model.cost[$0]?.predict(codes: cb) ?? Float(model.actions[$0].meanCost) }
                }
                #expect((us + cs).map(\.bitPattern) == expected.map(\.bitPattern))
                #expect((uv + cv).map(\.bitPattern) == expected.map(\.bitPattern))
                // The policy's scratch path against its allocating path.
                let p = policy.evaluate(features: f)
                #expect(p.utilities.map(\.bitPattern) == expected[..<model.actions.count].map { Double($0).bitPattern })
                var sig = [Float](repeating: .nan, count: model.features.signals.count)
                for (i, s) in model.features.signals.enumerated() { if let v = row.signals[s] { sig[i] = Float(v) } }
                let text = row.text.map { Array($0.utf8) }
                _ = sig.withUnsafeBufferPointer { s in
                    if let text {
                        text.withUnsafeBufferPointer { t in policy.decide(text: t, signals: s, lambda: 0, scratch: &scratch) }
                    } else {
                        policy.decide(text: nil, signals: s, lambda: 0, scratch: &scratch)
                    }
                }
                #expect(scratch.utilities.map(\.bitPattern) == p.utilities.map(\.bitPattern))
                #expect(scratch.costs.map(\.bitPattern) == p.costs.map(\.bitPattern))
                compared += 1
            }
            rows += table.rows.count
        }
    }
    print("compared \(compared) (model, row) pairs")
    #expect(compared > 0)
}
