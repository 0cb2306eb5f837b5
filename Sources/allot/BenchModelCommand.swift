import AllotModel
import AllotModelWriter
import ArgumentParser
import Foundation

/// `allot bench-model`: builds the reference 5 x 200 x depth-6 model from a seeded RNG and measures its size, its
/// quantization agreement, load+verify time and per-request evaluation time. Run it in release mode:
/// `swift run -c release allot bench-model`.
struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-model",
        abstract: "Measure .allot size, quantization agreement, load+verify and evaluation time on a synthetic model.")

    @Option(help: "Actions (one utility head each).") var actions = 5
    @Option(help: "Trees per head.") var trees = 200
    @Option(help: "Depth of every tree.") var depth = 6
    @Option(help: "Features.") var features = 64
    @Option(help: "Bin edges per feature.") var edges = 32
    @Option(help: "Leaf bits (2...16); default: the fewest that keep >= 99.7% decision agreement.")
    var leafBits: Int?
    @Option(help: "Rows of random binned data for the agreement check.") var rows = 5000
    @Option(help: "RNG seed.") var seed: UInt64 = 2026
    @Option(help: "Write the signed model file here (default: a temporary file, removed).") var out: String?
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Also time the parts of load + verify.") var breakdown = false

    func validate() throws {
        guard (1...64).contains(actions), (1...20000).contains(trees), (1...Head.maxDepth).contains(depth),
              (1...65536).contains(features), (0...FeatureBins.maxEdges).contains(edges), rows >= 1
        else { throw ValidationError("a size is out of range") }
        if let leafBits, !(2...16).contains(leafBits) { throw ValidationError("--leaf-bits must be 2...16") }
    }

    func run() throws {
        var rng = SeededGenerator(seed: seed)
        let bins = SyntheticModel.bins(features: features, edgesPerFeature: edges, rng: &rng)
        let heads = SyntheticModel.floatHeads(actions: actions, trees: trees, depth: depth, features: features,
                                              edgesPerFeature: edges, rng: &rng)
        let codes = (0..<(rows * features)).map { _ in UInt8(Int.random(in: 0...(edges + 1), using: &rng)) }
        let lambdas = [0, 0.002, 0.005, 0.01, 0.02, 0.05]
        let template = SyntheticModel.model(utility: heads, bins: bins)
        let noCost = [FloatHead?](repeating: nil, count: actions)
        let (model, report) = try QuantizationReport.quantize(
            template: template, utility: heads, cost: noCost, codes: codes, lambdas: lambdas,
            bits: leafBits.map { $0...$0 } ?? 8...16)
        let full = try QuantizationReport.measure(model: template, utility: heads, cost: noCost, codes: codes,
                                                  lambdas: lambdas)

        var file = try ModelWriter.encode(model)
        let key = try ModelSigner.keypair(seed: [UInt8](repeating: 7, count: 32))
        try ModelSigner.sign(&file, secretKey: key.secretKey)
        let path = out ?? NSTemporaryDirectory() + "/allot-bench-\(getpid()).allot"
        try Data(file).write(to: URL(fileURLWithPath: path))
        defer { if out == nil { try? FileManager.default.removeItem(atPath: path) } }

        // Load + verify: read the file, check the signature, decode (digests, inflate, validation), lay out.
        let clock = ContinuousClock()
        var loadTimes: [Double] = []
        var evaluator: ModelEvaluator?
        for _ in 0..<50 {
            let t0 = clock.now
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            try ModelSigner.verify(bytes, trustedKeys: [key.publicKey])
            evaluator = try ModelEvaluator(try ModelReader.decode(bytes))
            loadTimes.append(seconds(clock.now - t0))
        }
        guard let evaluator else { return }
        if breakdown {
            let bytes = file
            func t(_ name: String, _ f: () throws -> Void) rethrows {
                var best = Double.infinity
                for _ in 0..<30 {
                    let t0 = clock.now
                    try f()
                    best = min(best, seconds(clock.now - t0))
                }
                print("  \(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(fmt(best * 1e3, 3)) ms min")
            }
            print("load + verify breakdown:")
            try t("Ed25519 signature") { try ModelSigner.verify(bytes, trustedKeys: [key.publicKey]) }
            try t("SHA-256 + CRC-32") { _ = try ModelReader.checkIntegrity(bytes) }
            try t("decode (digests, inflate, parse)") { _ = try ModelReader.decode(bytes) }
            let m = try ModelReader.decode(bytes)
            try t("evaluator layout") { _ = try ModelEvaluator(m) }
        }

        // Evaluation: every head for one request, over a pool of distinct requests so branch predictors and
        // caches see realistic variety.
        let pool = min(1024, rows)
        let requestCodes = Array(codes.prefix(pool * features))
        var outBuf = [Float](repeating: 0, count: 2 * actions)
        var evalTimes: [Double] = []
        var sink: Float = 0
        // Many short repetitions: on a shared machine the minimum is the undisturbed figure.
        let reps = 400
        let perRep = 2000
        requestCodes.withUnsafeBufferPointer { all in
            outBuf.withUnsafeMutableBufferPointer { o in
                for _ in 0..<reps {
                    let t0 = clock.now
                    for i in 0..<perRep {
                        let r = i % pool
                        evaluator.evaluate(codes: UnsafeBufferPointer(rebasing: all[(r * features)..<((r + 1) * features)]),
                                           into: o)
                        sink += o[0]
                    }
                    evalTimes.append(seconds(clock.now - t0) / Double(perRep))
                }
            }
        }
        // The same requests through `Head.predict`, one head at a time (the simple path).
        var headTimes: [Double] = []
        let loadedModel = try ModelReader.decode(file)
        requestCodes.withUnsafeBufferPointer { all in
            for _ in 0..<100 {
                let t0 = clock.now
                for i in 0..<perRep {
                    let r = i % pool
                    let row = UnsafeBufferPointer(rebasing: all[(r * features)..<((r + 1) * features)])
                    for h in loadedModel.utility { sink += h.predict(codes: row) }
                }
                headTimes.append(seconds(clock.now - t0) / Double(perRep))
            }
        }
        let headMinUs = (headTimes.min() ?? 0) * 1e6
        // Binning raw feature values into codes, which precedes every evaluation.
        var binTimes: [Double] = []
        let values = (0..<(pool * features)).map { _ in Float(Double.random(in: -1.2...2.5, using: &rng)) }
        var codeBuf = [UInt8](repeating: 0, count: features)
        values.withUnsafeBufferPointer { all in
            codeBuf.withUnsafeMutableBufferPointer { cb in
                for _ in 0..<100 {
                    let t0 = clock.now
                    for i in 0..<perRep {
                        let r = i % pool
                        bins.codes(UnsafeBufferPointer(rebasing: all[(r * features)..<((r + 1) * features)]), into: cb)
                        sink += Float(cb[r % features])
                    }
                    binTimes.append(seconds(clock.now - t0) / Double(perRep))
                }
            }
        }
        let binMinUs = (binTimes.min() ?? 0) * 1e6
        let loadMs = median(loadTimes) * 1e3
        let evalUs = median(evalTimes) * 1e6
        let evalMinUs = (evalTimes.min() ?? 0) * 1e6
        let loadMinMs = (loadTimes.min() ?? 0) * 1e3
        let header = try ModelReader.readHeader(file)
        // Use the results, so the optimiser cannot drop the evaluations.
        if !sink.isFinite { FileHandle.standardError.write(Data("non-finite prediction\n".utf8)) }

        if json {
            let fields: [(String, String)] = [
                ("actions", "\(actions)"), ("trees", "\(trees)"), ("depth", "\(depth)"), ("features", "\(features)"),
                ("leaf_bits", "\(report.leafBits ?? 16)"), ("file_bytes", "\(file.count)"),
                ("payload_bytes", "\(header.inflatedSize)"), ("file_bytes_16bit", "\(full.fileSize)"),
                ("agreement_min", "\(report.minAgreement)"), ("agreement_min_16bit", "\(full.minAgreement)"),
                ("eval_us_per_request", "\(evalUs)"), ("eval_us_per_request_min", "\(evalMinUs)"),
                ("head_predict_us_per_request_min", "\(headMinUs)"), ("binning_us_per_request_min", "\(binMinUs)"),
                ("load_verify_ms", "\(loadMs)"), ("load_verify_ms_min", "\(loadMinMs)"),
            ]
            print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        } else {
            print("model             \(actions) actions x \(trees) trees x depth \(depth), \(features) features")
            print("leaf bits         \(report.leafBits ?? 16) (16-bit: \(full.fileSize) bytes, agreement "
                + "\(pct(full.minAgreement)))")
            print("file size         \(file.count) bytes signed (\(header.compressedSize) deflated, "
                + "\(header.inflatedSize) inflated)")
            print("agreement         \(pct(report.minAgreement)) min over λ in \(lambdas) on \(rows) rows")
            print("load + verify     \(fmt(loadMs, 3)) ms median, \(fmt(loadMinMs, 3)) ms min (50 runs)")
            print("evaluate          \(fmt(evalUs, 3)) µs median, \(fmt(evalMinUs, 3)) µs min per request, all heads "
                + "(\(reps) x \(perRep) requests)")
            print("Head.predict      \(fmt(headMinUs, 3)) µs min per request, the utility heads one by one")
            print("binning           \(fmt(binMinUs, 3)) µs min per request, \(features) values to codes")
        }
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    private func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    private func pct(_ x: Double) -> String { fmt(x * 100, 2) + "%" }
    private func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}
