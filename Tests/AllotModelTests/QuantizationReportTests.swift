import AllotModel
import AllotModelWriter
import Testing

@Suite struct QuantizationReportTests {
    static func setup(seed: UInt64) -> (heads: [FloatHead], bins: FeatureBins, codes: [UInt8]) {
        var rng = SeededGenerator(seed: seed)
        let bins = SyntheticModel.bins(features: 16, edgesPerFeature: 20, rng: &rng)
        let heads = SyntheticModel.floatHeads(actions: 5, trees: 100, depth: 6, features: 16, edgesPerFeature: 20,
                                              rng: &rng)
        let codes = (0..<(2000 * 16)).map { _ in UInt8.random(in: 0...21, using: &rng) }
        return (heads, bins, codes)
    }

    @Test(arguments: [1, 2, 3] as [UInt64]) func sixteenBitLeavesKeepDecisions(seed: UInt64) throws {
        let (heads, bins, codes) = Self.setup(seed: seed)
        let model = SyntheticModel.model(utility: heads, bins: bins)
        let r = try QuantizationReport.measure(model: model, utility: heads, cost: Array(repeating: nil, count: 5),
                                               codes: codes, lambdas: [0, 0.005, 0.02, 0.05])
        #expect(r.rows == 2000)
        #expect(r.minAgreement >= 0.995)
        #expect(r.maxAbsError < 1e-3)
        #expect(r.fileSize == (try ModelWriter.encode(model)).count)
    }

    @Test func quantizePicksTheFewestBitsMeetingTheTarget() throws {
        let (heads, bins, codes) = Self.setup(seed: 4)
        let template = SyntheticModel.model(utility: heads, bins: bins)
        let noCost = [FloatHead?](repeating: nil, count: 5)
        let (model, r) = try QuantizationReport.quantize(template: template, utility: heads, cost: noCost,
                                                         codes: codes, lambdas: [0, 0.01], target: 0.995)
        let bits = try #require(r.leafBits)
        #expect(r.minAgreement >= 0.995)
        #expect(try ModelReader.decode(ModelWriter.encode(model)) == model)
        if bits > 8 {
            var fewer = template
            fewer.utility = heads.map { $0.quantized(leafBits: bits - 1) }
            let r2 = try QuantizationReport.measure(model: fewer, utility: heads, cost: noCost, codes: codes,
                                                    lambdas: [0, 0.01])
            #expect(r2.minAgreement < 0.995)
            #expect(r2.fileSize <= r.fileSize)
        }
    }

    @Test func costHeadsCount() throws {
        let (heads, bins, codes) = Self.setup(seed: 5)
        var model = SyntheticModel.model(utility: heads, bins: bins)
        model.cost[1] = heads[0].quantized()
        var cost = [FloatHead?](repeating: nil, count: 5)
        cost[1] = heads[0]
        let r = try QuantizationReport.measure(model: model, utility: heads, cost: cost, codes: codes, lambdas: [0.1])
        #expect(r.minAgreement >= 0.995)
        #expect(throws: ModelFileError.self) {
            try QuantizationReport.measure(model: model, utility: heads, cost: [], codes: codes, lambdas: [0.1])
        }
    }
}
