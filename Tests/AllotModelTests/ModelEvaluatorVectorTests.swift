import AllotModel
import AllotModelWriter
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The vector tree kernels (SSSE3 `pshufb`, 16 trees per block; AVX-512 VBMI, 64) and the portable C twin must give exactly the
/// scalar evaluator's and `Head.predict`'s floats, for every depth, feature count and bin code.
@Suite struct ModelEvaluatorVectorTests {
    static let kernels: [ModelEvaluator.Kernel] = [.scalar, .portable, .vector, .wide]

    /// Heads with many trees (so blocks are full and padded), depths 1...10 mixed, thresholds over the whole
    /// byte and leaves over the whole int16 range (so the Int32 sums wrap).
    static func model(seed: UInt64, features: Int) -> AllotModelFile {
        var rng = SeededGenerator(seed: seed)
        var m = TestModels.random(seed: seed)
        m.bins = SyntheticModel.bins(features: features, edgesPerFeature: 3, rng: &rng)
        func head() -> Head {
            var h = Head(base: Float(Double.random(in: -2...2, using: &rng)),
                         scale: Float(Double.random(in: 1e-6...1e-2, using: &rng)),
                         depths: [], splitFeatures: [], splitThresholds: [], leaves: [])
            let maxDepth = Int.random(in: 1...Head.maxDepth, using: &rng)
            for _ in 0..<Int.random(in: 0...70, using: &rng) {
                let d = Int.random(in: 1...maxDepth, using: &rng)
                h.depths.append(UInt8(d))
                for _ in 0..<d {
                    h.splitFeatures.append(UInt16(Int.random(in: 0..<features, using: &rng)))
                    h.splitThresholds.append([0, 126, 127, 128, 254, 255, UInt8.random(in: 0...255, using: &rng)]
                        .randomElement(using: &rng)!)
                }
                let wide = Bool.random(using: &rng)
                for _ in 0..<(1 << d) {
                    h.leaves.append(wide ? Int16.random(in: .min ... .max, using: &rng) : Int16.random(in: -99...99, using: &rng))
                }
            }
            return h
        }
        m.utility = m.actions.map { _ in head() }
        m.cost = m.actions.map { _ in Bool.random(using: &rng) ? head() : nil }
        return m
    }

    static func codes(count: Int, rng: inout SeededGenerator) -> [UInt8] {
        let special: [UInt8] = [0, 1, 126, 127, 128, 129, 254, 255]
        return (0..<count).map { _ in
            Bool.random(using: &rng) ? special.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
        }
    }

    /// Every kernel against `Head.predict` (the definition's fast form, itself tested against the definition).
    static func check(_ m: AllotModelFile, codes: [[UInt8]]) throws {
        let evs = try kernels.map { try ModelEvaluator(m, kernel: $0) }
        var scratches = evs.map { $0.makeScratch() }
        let n = m.actions.count
        for c in codes {
            var expected = [Float](repeating: 0, count: 2 * n)
            c.withUnsafeBufferPointer { cb in
                for a in 0..<n {
                    expected[a] = m.utility[a].predict(codes: cb)
                    expected[n + a] = m.cost[a]?.predict(codes: cb) ?? Float(m.actions[a].meanCost)
                }
            }
            for (i, ev) in evs.enumerated() {
                var out = [Float](repeating: .nan, count: 2 * n)
                c.withUnsafeBufferPointer { cb in
                    out.withUnsafeMutableBufferPointer { ev.evaluate(codes: cb, into: $0, scratch: &scratches[i]) }
                }
                #expect(out.map(\.bitPattern) == expected.map(\.bitPattern), "kernel \(ev.kernel)")
                let (u, cost) = ev.evaluate(codes: c)
                #expect((u + cost).map(\.bitPattern) == expected.map(\.bitPattern), "kernel \(ev.kernel), no scratch")
            }
        }
    }

    @Test(arguments: [1, 2, 15, 16, 17, 31, 33, 48, 61, 64, 65, 95, 128, 200, 255, 256, 257, 300])
    func matchesHeadPredictAtEveryWidth(features: Int) throws {
        for seed in 0..<6 {
            let m = Self.model(seed: UInt64(features * 100 + seed), features: features)
            var rng = SeededGenerator(seed: UInt64(seed))
            var codes = (0..<12).map { _ in Self.codes(count: features, rng: &rng) }
            codes += [0, 127, 128, 255].map { [UInt8](repeating: $0, count: features) }
            try Self.check(m, codes: codes)
        }
    }

    @Test(arguments: 0..<40) func matchesHeadPredictOnRandomModels(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed) &+ 77)
        let features = Int.random(in: 1...80, using: &rng)
        let m = Self.model(seed: UInt64(seed) &+ 9000, features: features)
        try Self.check(m, codes: (0..<10).map { _ in Self.codes(count: features, rng: &rng) })
    }

    @Test func syntheticReferenceModelMatches() throws {
        var rng = SeededGenerator(seed: 2026)
        let heads = SyntheticModel.floatHeads(actions: 5, trees: 200, depth: 6, features: 61, edgesPerFeature: 32,
                                              rng: &rng)
        let m = SyntheticModel.model(utility: heads, bins: SyntheticModel.bins(features: 61, edgesPerFeature: 32,
                                                                             rng: &rng))
        try Self.check(m, codes: (0..<50).map { _ in (0..<61).map { _ in UInt8.random(in: 0...34, using: &rng) } })
    }

    @Test func pickedKernelFollowsTheModel() throws {
        let narrow = try ModelEvaluator(Self.model(seed: 1, features: 61))
        let wide = try ModelEvaluator(Self.model(seed: 1, features: 257))
        #expect(wide.kernel == .scalar)
        #if arch(x86_64)
        #expect(narrow.kernel == (ModelEvaluator.Kernel.wideAvailable ? .wide : .vector),
                "every x86_64 CPU this runs on has SSSE3")
        #expect(try ModelEvaluator(Self.model(seed: 1, features: 61), kernel: .vector).kernel == .vector)
        // Over 128 features the wide kernel's two-register table cannot hold the codes.
        #expect(try ModelEvaluator(Self.model(seed: 1, features: 129)).kernel == .vector)
        #else
        #expect(narrow.kernel == .scalar)
        #endif
        #expect(try ModelEvaluator(Self.model(seed: 1, features: 257), kernel: .portable).kernel == .scalar)
    }

    @Test func goldenDecisionsHoldOnEveryKernel() throws {
        let m = GoldenModelTests.model()
        for k in Self.kernels {
            let ev = try ModelEvaluator(m, kernel: k)
            let got = GoldenModelTests.inputs.map { x in
                let codes = x.indices.map { m.bins.code(feature: $0, x[$0]) }
                return GoldenModelTests.lambdas.map { ev.decide(codes: codes, lambda: $0) }
            }
            #expect(got == GoldenModelTests.pinned, "kernel \(k)")
        }
    }

    /// The shipped models, on random codes and on each feature's every bin code in turn.
    @Test func shippedModelsMatch() throws {
        let dir = String(#filePath.dropLast("Tests/AllotModelTests/ModelEvaluatorVectorTests.swift".count)) + "Models/"
        var checked = 0
        for name in ["default", "gsm8k-cascade", "gsm8k-gpt3-verifier", "gsm8k-ladder", "math-l5-qwen"] {
            guard let bytes = Self.read(dir + name + ".allot") else { continue }
            let m = try ModelReader.decode(bytes)
            let n = m.bins.featureCount
            var rng = SeededGenerator(seed: 5)
            var codes = (0..<40).map { _ in
                (0..<n).map { f in UInt8.random(in: 0...UInt8(min(255, m.bins.edges[f].count + 1)), using: &rng) }
            }
            codes += (0..<40).map { _ in Self.codes(count: n, rng: &rng) }
            try Self.check(m, codes: codes)
            checked += 1
        }
        #expect(checked > 0, "no shipped model found under \(dir)")
    }

    /// The evaluator's bin codes equal `FeatureBins.codes` for every edge count (0...254, both the four-at-a-time
    /// count and the binary search), on edges exactly, between them, beyond them, ±0, ±inf and NaN.
    @Test(arguments: 0..<8) func binCodesMatchFeatureBins(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed) &+ 31)
        let counts = [0, 1, 3, 4, 5, 31, 32, 63, 64, 65, 66, 127, 200, 253, 254] + (0..<20).map { _ in
            Int.random(in: 0...FeatureBins.maxEdges, using: &rng)
        }
        let bins = FeatureBins(edges: counts.map { k in
            var x = Float(Double.random(in: -3...0, using: &rng))
            return (0..<k).map { i in
                x += i == k / 2 && x < 0 && x > -0.1 ? -x : Float(Double.random(in: 0.001...0.1, using: &rng))
                return x
            }
        })
        var m = Self.model(seed: UInt64(seed), features: counts.count)
        m.bins = bins
        // Trees that read only the even features: `codesRead` must leave the odd ones alone.
        m.utility = m.utility.map { var h = $0; h.splitFeatures = h.splitFeatures.map { $0 & ~1 }; return h }
        m.cost = m.cost.map { $0.map { var h = $0; h.splitFeatures = h.splitFeatures.map { $0 & ~1 }; return h } }
        let ev = try ModelEvaluator(m)
        for _ in 0..<200 {
            let values: [Float] = bins.edges.map { e in
                switch Int.random(in: 0..<8, using: &rng) {
                case 0: .nan
                case 1: Bool.random(using: &rng) ? .infinity : -.infinity
                case 2: Bool.random(using: &rng) ? 0 : -0.0
                case 3: e.randomElement(using: &rng) ?? 0
                case 4: (e.randomElement(using: &rng) ?? 0).nextUp
                default: Float(Double.random(in: -4...4, using: &rng))
                }
            }
            var expected = [UInt8](repeating: 9, count: values.count)
            var got = [UInt8](repeating: 9, count: values.count)
            var narrow = [UInt8](repeating: 9, count: values.count)
            values.withUnsafeBufferPointer { v in
                expected.withUnsafeMutableBufferPointer { bins.codes(v, into: $0) }
                got.withUnsafeMutableBufferPointer { ev.codes(v, into: $0) }
                narrow.withUnsafeMutableBufferPointer { ev.codes(v, into: $0, narrow: true) }
            }
            #expect(got == expected)
            #expect(narrow == expected, "the path of CPUs without AVX-512")
            // Only the features the trees read, the others untouched.
            let read = Set(m.featuresReadByTrees)
            for wide in [true, false] {
                var some = [UInt8](repeating: 9, count: values.count)
                values.withUnsafeBufferPointer { v in
                    some.withUnsafeMutableBufferPointer { ev.codesRead(v, into: $0, narrow: !wide) }
                }
                #expect(some == values.indices.map { read.contains($0) ? expected[$0] : 9 }, "wide \(wide)")
            }
        }
        #expect(!m.featuresReadByTrees.isEmpty && m.featuresReadByTrees.allSatisfy { $0 % 2 == 0 })
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let k = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if k <= 0 { break }
            out += buf[..<k]
        }
        return out
    }
}
