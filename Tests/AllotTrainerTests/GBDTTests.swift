import AllotModel
import AllotModelWriter
import Testing

import AllotTrainer

/// Synthetic rows: x0 uniform in [0,1), x1 uniform in [-1,1), x2 pure noise; y = f(x0, x1).
private func synthetic(_ n: Int, seed: UInt64, missingX1: Bool = false,
                       _ f: (Float, Float) -> Double) -> (rows: [[Float]], y: [Double]) {
    var rng = GBDTRandom(seed: seed)
    var rows: [[Float]] = []
    var y: [Double] = []
    for _ in 0..<n {
        let x0 = Float(rng.nextUnit())
        var x1 = Float(rng.nextUnit() * 2 - 1)
        let x2 = Float(rng.nextUnit())
        y.append(f(x0, x1))
        if missingX1 && x1 < 0 { x1 = .nan }
        rows.append([x0, x1, x2])
    }
    return (rows, y)
}

private func binned(_ rows: [[Float]]) -> BinnedData {
    BinnedData(rows: rows, bins: GBDTBinner.edges(rows: rows, featureCount: rows.first?.count ?? 0))
}

@Test func binEdgesAreStrictlyIncreasingAndBounded() {
    let (rows, _) = synthetic(3000, seed: 7) { _, _ in 0 }
    let bins = GBDTBinner.edges(rows: rows, featureCount: 3)
    for e in bins.edges {
        #expect(e.count <= FeatureBins.maxEdges)
        #expect(e.count >= 200)
        #expect(zip(e, e.dropFirst()).allSatisfy { $0 < $1 })
        #expect(e.allSatisfy { $0.isFinite })
    }
    // Few distinct values: one bin each, and every value keeps its own code.
    let small = GBDTBinner.edges(rows: [[0], [1], [1], [2], [.nan]], featureCount: 1)
    #expect(small.edges[0] == [0.5, 1.5])
    #expect([0, 1, 2, Float.nan].map { small.code(feature: 0, $0) } == [1, 2, 3, 0])
    // A constant feature has no edges.
    #expect(GBDTBinner.edges(rows: [[3], [3]], featureCount: 1).edges[0].isEmpty)
}

@Test func regressionFitsAKnownFunction() {
    let f: (Float, Float) -> Double = { x0, x1 in (x0 > 0.5 ? 1 : 0) + 0.5 * Double(x1) }
    let (rows, y) = synthetic(2000, seed: 1, f)
    let data = binned(rows)
    let params = GBDTParameters(depth: 3, learningRate: 0.1, maxTrees: 200, l2: 1, earlyStopping: 0)
    let model = GBDT.fitRegression(data: data, targets: y, rows: Array(0..<1500), params: params)
    let test = Array(1500..<2000)
    let mse = test.reduce(0.0) { s, r in
        let d = model.predict(data, row: r) - y[r]
        return s + d * d
    } / 500
    let variance = test.reduce(0.0) { s, r in s + (y[r] - 0.5) * (y[r] - 0.5) } / 500
    #expect(mse < 0.01 * variance + 0.002, "mse \(mse), variance \(variance)")
    // The noise feature is (almost) never split on.
    let noiseSplits = model.trees.reduce(0) { $0 + $1.features.filter { $0 == 2 }.count }
    let allSplits = model.trees.reduce(0) { $0 + $1.depth }
    #expect(noiseSplits * 10 < allSplits)
}

@Test func sameSeedSameTreesOtherSeedOtherTrees() {
    let (rows, y) = synthetic(800, seed: 3) { x0, x1 in Double(x0 * x1) }
    let data = binned(rows)
    let params = GBDTParameters(depth: 4, maxTrees: 40, rowFraction: 0.7, featureFraction: 0.67, seed: 11)
    let a = GBDT.fitRegression(data: data, targets: y, rows: Array(0..<600), validation: Array(600..<800),
                               params: params)
    let b = GBDT.fitRegression(data: data, targets: y, rows: Array(0..<600), validation: Array(600..<800),
                               params: params)
    #expect(a == b)
    var other = params
    other.seed = 12
    #expect(GBDT.fitRegression(data: data, targets: y, rows: Array(0..<600), params: other) != a)
}

@Test func missingValuesAreLearnedThroughCodeZero() {
    // y depends only on the sign of x1, and x1 is missing exactly when negative.
    let (rows, y) = synthetic(1000, seed: 5, missingX1: true) { _, x1 in x1 < 0 ? 2 : -1 }
    let data = binned(rows)
    let params = GBDTParameters(depth: 1, learningRate: 0.5, maxTrees: 30, l2: 0.1, rowFraction: 1,
                                featureFraction: 1, earlyStopping: 0)
    let model = GBDT.fitRegression(data: data, targets: y, rows: Array(0..<1000), params: params)
    #expect(model.trees.first?.features == [1])
    #expect(model.trees.first?.thresholds == [0])
    for r in 0..<5 { #expect(abs(model.predict(data, row: r) - y[r]) < 0.01) }
}

@Test func earlyStoppingKeepsTheBestPrefix() {
    // Pure noise: validation loss stops improving quickly.
    var rng = GBDTRandom(seed: 9)
    let rows = (0..<600).map { _ in [Float(rng.nextUnit()), Float(rng.nextUnit())] }
    let y = (0..<600).map { _ in rng.nextUnit() < 0.5 ? 0.0 : 1.0 }
    let data = binned(rows)
    let params = GBDTParameters(depth: 4, learningRate: 0.3, maxTrees: 300, l2: 1, earlyStopping: 10)
    let model = GBDT.fitRegression(data: data, targets: y, rows: Array(0..<400), validation: Array(400..<600),
                                   params: params)
    #expect(model.trees.count < 60)
}

@Test func classifierSeparatesClasses() {
    let (rows, _) = synthetic(1200, seed: 2) { _, _ in 0 }
    let labels = rows.map { r in r[0] < 0.33 ? 0 : (r[1] > 0 ? 1 : 2) }
    let data = binned(rows)
    let params = GBDTParameters(depth: 2, learningRate: 0.3, maxTrees: 60, l2: 1, earlyStopping: 0)
    let model = GBDTClassifier.fit(data: data, labels: labels, classCount: 3, rows: Array(0..<900), params: params)
    let correct = (900..<1200).filter { r in
        let p = model.probabilities(data, row: r)
        return p.firstIndex(of: p.max() ?? 0) == labels[r]
    }.count
    #expect(correct >= 285)
}

@Test func quantizedHeadAgreesWithFloatTrees() {
    let (rows, y) = synthetic(500, seed: 4) { x0, x1 in Double(x0 + x1) }
    let data = binned(rows)
    let model = GBDT.fitRegression(data: data, targets: y, rows: Array(0..<500),
                                   params: GBDTParameters(depth: 6, maxTrees: 100, earlyStopping: 0))
    let head = Head.quantize(base: model.base, trees: model.trees)
    for r in stride(from: 0, to: 500, by: 7) {
        let codes = data.row(r)
        let q = codes.withUnsafeBufferPointer { head.predict(codes: $0) }
        #expect(abs(Double(q) - model.predict(data, row: r)) < 1e-3)
        // Binning a raw row at serving time gives the training codes.
        var served = [UInt8](repeating: 0, count: 3)
        rows[r].withUnsafeBufferPointer { v in served.withUnsafeMutableBufferPointer { data.bins.codes(v, into: $0) } }
        #expect(served == codes)
    }
}
