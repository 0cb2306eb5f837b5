import AllotModel
import AllotModelWriter
import Testing

@Suite struct ModelEvaluatorTests {
    @Test(arguments: 0..<50) func matchesHeadPredictOnRandomModels(seed: Int) throws {
        let m = TestModels.random(seed: UInt64(seed))
        let ev = try ModelEvaluator(m)
        var rng = SeededGenerator(seed: UInt64(seed) &+ 1000)
        for _ in 0..<20 {
            let codes = (0..<m.bins.featureCount).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let (u, c) = ev.evaluate(codes: codes)
            codes.withUnsafeBufferPointer { cb in
                for a in m.actions.indices {
                    #expect(u[a] == m.utility[a].predict(codes: cb))
                    #expect(c[a] == (m.cost[a]?.predict(codes: cb) ?? Float(m.actions[a].meanCost)))
                }
            }
            let lambda = Double.random(in: 0...0.1, using: &rng)
            let d = ev.decide(codes: codes, lambda: lambda)
            for a in m.actions.indices {
                #expect(Double(u[d]) - lambda * Double(c[d]) >= Double(u[a]) - lambda * Double(c[a]))
            }
        }
    }

    @Test func binCodesFollowTheEdges() {
        let bins = FeatureBins(edges: [[-1, 0, 2.5]])
        #expect(bins.code(feature: 0, .nan) == 0)
        #expect(bins.code(feature: 0, -5) == 1)
        #expect(bins.code(feature: 0, -1) == 1, "a value equal to an edge is not above it")
        #expect(bins.code(feature: 0, -0.5) == 2)
        #expect(bins.code(feature: 0, 2.5) == 3)
        #expect(bins.code(feature: 0, .infinity) == 4)
    }

    @Test func refusesInvalidModels() {
        var m = TestModels.random(seed: 1)
        m.utility[0].depths.append(11)
        #expect(throws: ModelFileError.self) { try ModelEvaluator(m) }
    }
}

extension ModelEvaluatorTests {
    @Test func modelWithoutFeaturesPredictsBases() throws {
        var m = TestModels.small()
        m.bins = FeatureBins(edges: [])
        m.utility = m.utility.map { Head(base: $0.base, scale: 1, depths: [], splitFeatures: [], splitThresholds: [], leaves: []) }
        let ev = try ModelEvaluator(m)
        let (u, c) = ev.evaluate(codes: [])
        #expect(u == m.utility.map(\.base))
        #expect(c == m.actions.map { Float($0.meanCost) })
    }
}

extension ModelEvaluatorTests {
    /// The definition, written plainly: the fast paths must agree with it exactly.
    static func reference(_ h: Head, _ codes: [UInt8]) -> Float {
        var sum: Int32 = 0
        var split = 0
        var leaf = 0
        for d in h.depths.map(Int.init) {
            var index = 0
            for l in 0..<d where codes[Int(h.splitFeatures[split + l])] > h.splitThresholds[split + l] {
                index += 1 << l
            }
            sum += Int32(h.leaves[leaf + index])
            split += d
            leaf += 1 << d
        }
        return h.base + h.scale * Float(sum)
    }

    @Test(arguments: 0..<30) func headPredictMatchesTheDefinition(seed: Int) {
        let m = TestModels.random(seed: UInt64(seed) &+ 500)
        var rng = SeededGenerator(seed: UInt64(seed))
        for _ in 0..<20 {
            let codes = (0..<m.bins.featureCount).map { _ in UInt8.random(in: 0...255, using: &rng) }
            codes.withUnsafeBufferPointer { c in
                for h in m.utility + m.cost.compactMap({ $0 }) { #expect(h.predict(codes: c) == Self.reference(h, codes)) }
            }
        }
    }

    @Test(arguments: 0..<40) func binCodeCountsEdgesBelow(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        let bins = SyntheticModel.bins(features: 1, edgesPerFeature: seed % 12, rng: &rng)
        let e = bins.edges[0]
        let probes: [Float] = e + e.map { $0.nextUp } + e.map { $0.nextDown } + [-.infinity, .infinity, 0, -3, 3]
        for x in probes {
            #expect(Int(bins.code(feature: 0, x)) == 1 + e.filter { $0 < x }.count, "x = \(x)")
        }
        var codes = [UInt8](repeating: 9, count: 1)
        [Float.nan].withUnsafeBufferPointer { v in codes.withUnsafeMutableBufferPointer { bins.codes(v, into: $0) } }
        #expect(codes == [0])
    }
}

/// The features the trees read: exactly those some split of a utility or cost head names (a prediction with every
/// other feature's code changed is the same), none for a model without trees.
@Test func featuresReadByTreesAreTheOnesThePredictionDependsOn() throws {
    for seed: UInt64 in 1...40 {
        let m = TestModels.random(seed: seed)
        let read = Set(m.featuresReadByTrees)
        #expect(m.featuresReadByTrees == m.featuresReadByTrees.sorted())
        let n = m.bins.featureCount
        var rng = SeededGenerator(seed: seed ^ 0xFEED)
        let codes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var other = codes
        for f in 0..<n where !read.contains(f) {
            other[f] = codes[f] &+ 1 &+ UInt8.random(in: 0...200, using: &rng)
        }
        for head in m.utility + m.cost.compactMap({ $0 }) {
            let a = codes.withUnsafeBufferPointer { head.predict(codes: $0) }
            let b = other.withUnsafeBufferPointer { head.predict(codes: $0) }
            #expect(a == b)
        }
        // Each feature read matters to some head for some codes: it is named by a split.
        for f in read {
            #expect((m.utility + m.cost.compactMap { $0 }).contains { $0.splitFeatures.contains(UInt16(f)) })
        }
    }
    #expect(TestModels.small().featuresReadByTrees == [0])
}
