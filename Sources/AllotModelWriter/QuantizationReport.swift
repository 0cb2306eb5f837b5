import AllotModel

/// How faithfully a quantized model reproduces its float original's decisions, and what it costs in bytes.
///
/// For each λ, `agreement` is the fraction of rows `x` where
/// `argmax_a (u_a(x) - λ·c_a(x))` of the quantized model equals the float model's (lowest index on ties), with
/// `c_a` the cost head's prediction or the action's mean cost.
public struct QuantizationReport: Sendable, Equatable {
    public var rows: Int
    public var lambdas: [Double]
    public var agreement: [Double]
    /// Largest `|u_q - u_f|` or `|c_q - c_f|` seen over all rows and heads.
    public var maxAbsError: Double
    /// Bytes of the encoded (unsigned) model file.
    public var fileSize: Int
    /// Leaf bits used, when the report comes from `quantize` (else nil).
    public var leafBits: Int?

    public var minAgreement: Double { agreement.min() ?? 1 }

    /// Measures `model` against the float heads it was quantized from.
    /// - Parameter codes: binned rows, row-major, `model.bins.featureCount` codes per row.
    public static func measure(model: AllotModelFile, utility: [FloatHead], cost: [FloatHead?], codes: [UInt8],
                               lambdas: [Double]) throws(ModelFileError) -> QuantizationReport {
        let evaluator = try ModelEvaluator(model)
        let a = model.actions.count
        let width = model.bins.featureCount
        guard utility.count == a, cost.count == a else {
            throw ModelFileError(.inconsistent, "\(utility.count) float utility and \(cost.count) cost heads for "
                + "\(a) actions")
        }
        guard width > 0 ? codes.count % width == 0 : codes.isEmpty else {
            throw ModelFileError(.inconsistent, "\(codes.count) codes is not a whole number of \(width)-code rows")
        }
        for h in utility + cost.compactMap({ $0 }) {
            for t in h.trees where t.depth > Head.maxDepth || t.leaves.count != 1 << t.depth
                || t.thresholds.count != t.depth || t.features.contains(where: { Int($0) >= width }) {
                throw ModelFileError(.inconsistent, "a float tree does not fit the model's features")
            }
        }
        let rows = width > 0 ? codes.count / width : 0
        var agree = [Int](repeating: 0, count: lambdas.count)
        var maxErr = 0.0
        var out = [Float](repeating: 0, count: 2 * a)
        var fu = [Double](repeating: 0, count: a)
        var fc = [Double](repeating: 0, count: a)
        codes.withUnsafeBufferPointer { all in
            for r in 0..<rows {
                let row = UnsafeBufferPointer(rebasing: all[(r * width)..<((r + 1) * width)])
                out.withUnsafeMutableBufferPointer { evaluator.evaluate(codes: row, into: $0) }
                for i in 0..<a {
                    fu[i] = utility[i].predict(codes: row)
                    fc[i] = cost[i]?.predict(codes: row) ?? model.actions[i].meanCost
                    maxErr = max(maxErr, abs(Double(out[i]) - fu[i]), abs(Double(out[a + i]) - fc[i]))
                }
                for (k, lambda) in lambdas.enumerated() {
                    var qBest = 0, fBest = 0
                    var qScore = -Double.infinity, fScore = -Double.infinity
                    for i in 0..<a {
                        let q = Double(out[i]) - lambda * Double(out[a + i])
                        if q > qScore { qScore = q; qBest = i }
                        let f = fu[i] - lambda * fc[i]
                        if f > fScore { fScore = f; fBest = i }
                    }
                    if qBest == fBest { agree[k] += 1 }
                }
            }
        }
        return QuantizationReport(
            rows: rows, lambdas: lambdas, agreement: agree.map { rows > 0 ? Double($0) / Double(rows) : 1 },
            maxAbsError: maxErr, fileSize: try ModelWriter.encode(model).count, leafBits: nil)
    }

    /// Quantizes float heads into `template` (whose heads are replaced) with the fewest leaf bits in `bits` whose
    /// decisions agree with the float model's on at least `target` of the rows at every λ; if none does, uses the
    /// most bits. Fewer bits make smaller files.
    public static func quantize(template: AllotModelFile, utility: [FloatHead], cost: [FloatHead?], codes: [UInt8],
                                lambdas: [Double], target: Double = 0.997, bits: ClosedRange<Int> = 8...16)
        throws(ModelFileError) -> (model: AllotModelFile, report: QuantizationReport)
    {
        var last: (AllotModelFile, QuantizationReport)?
        for b in bits {
            var m = template
            m.utility = utility.map { $0.quantized(leafBits: b) }
            m.cost = cost.map { $0?.quantized(leafBits: b) }
            var report = try measure(model: m, utility: utility, cost: cost, codes: codes, lambdas: lambdas)
            report.leafBits = b
            last = (m, report)
            if report.minAgreement >= target { break }
        }
        guard let last else { throw ModelFileError(.outOfRange, "empty range of leaf bits") }
        return last
    }
}
