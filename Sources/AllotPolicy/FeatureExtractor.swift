import AllotModel

/// Turns a prompt (UTF-8 bytes) and named runtime signals into the model's feature vector.
///
/// The vector is `[dense text features][hashBuckets n-gram counts][one slot per signal]` (see `FeatureSpec`).
/// Training and serving call this same code, and the trees bin its output with `FeatureBins`, so a prompt gets
/// the same leaves offline and online. A missing value is NaN, which `FeatureBins` codes as 0: an absent text
/// makes every text feature NaN, an absent signal its slot NaN, exactly as the trainer saw them.
///
/// Extractor `"allot-text"` version 1 computes only integer counts and one IEEE quotient (mean word length), no
/// transcendental functions, so the vector is bit-identical on every platform. (Trees only compare values, so a
/// monotone transform such as `log1p` would add nothing but platform risk.)
public struct FeatureExtractor: Sendable {
    public let spec: FeatureSpec
    /// Length of the feature vector: dense count + `spec.hashBuckets` + `spec.signals.count`.
    public let count: Int
    /// Number of dense text features (28 for allot-text v1).
    public let denseCount: Int
    let keywords: KeywordTable

    /// Checks that this build knows `spec.extractor` at `spec.version` and that its parameters are in range.
    public init(spec: FeatureSpec) throws(PolicyError) {
        guard spec.extractor == "allot-text" else {
            throw PolicyError(.unknownExtractor, "unknown feature extractor \"\(spec.extractor)\"")
        }
        guard spec.version == 1 else {
            throw PolicyError(.unknownExtractor, "allot-text version \(spec.version) is unknown (this build: 1)")
        }
        guard spec.hashBuckets == 0 || (1...4).contains(spec.ngramMax) else {
            throw PolicyError(.badSpec, "ngramMax must be 1...4 when hashing n-grams, got \(spec.ngramMax)")
        }
        self.spec = spec
        self.denseCount = TextFeatures.names.count
        self.count = denseCount + Int(spec.hashBuckets) + spec.signals.count
        self.keywords = KeywordTable.shared
    }

    /// Feature names in vector order (for `inspect`, importance tables and plots).
    public static func names(spec: FeatureSpec) -> [String] {
        var names = TextFeatures.names
        names.reserveCapacity(names.count + Int(spec.hashBuckets) + spec.signals.count)
        for b in 0..<Int(spec.hashBuckets) { names.append("ngram_\(b)") }
        for s in spec.signals { names.append("signal:\(s)") }
        return names
    }

    /// The names of the features `model`'s trees split on, in vector order (`allot inspect`): the text features a
    /// request's scan must get right, and the signals a runtime should send.
    public static func namesReadByTrees(_ model: AllotModelFile) -> [String] {
        let names = names(spec: model.features)
        return model.featuresReadByTrees.map { $0 < names.count ? names[$0] : "feature \($0)" }
    }

    /// Writes the feature vector into `out` without allocating.
    ///
    /// - Parameters:
    ///   - text: the prompt as UTF-8 bytes (invalid UTF-8 is counted, never rejected); `nil` when absent.
    ///   - signals: values aligned with `spec.signals`; NaN (or a short buffer) means missing.
    ///   - out: at least `count` floats; the first `count` are overwritten.
    public func extract(
        text: UnsafeBufferPointer<UInt8>?, signals: UnsafeBufferPointer<Float>,
        into out: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(out.count >= count, "feature buffer holds \(out.count) floats, needs \(count)")
        let textEnd = denseCount + Int(spec.hashBuckets)
        let textPart = UnsafeMutableBufferPointer(rebasing: out[0..<textEnd])
        if let text {
            textPart.update(repeating: 0)
            TextFeatures.scan(
                text, keywords: keywords, ngramMax: Int(spec.ngramMax),
                dense: UnsafeMutableBufferPointer(rebasing: out[0..<denseCount]),
                buckets: UnsafeMutableBufferPointer(rebasing: out[denseCount..<textEnd]))
        } else {
            textPart.update(repeating: .nan)
        }
        for s in 0..<spec.signals.count {
            out[textEnd &+ s] = s < signals.count ? signals[s] : .nan
        }
    }

    /// Convenience form: unknown signal names are ignored, missing ones are NaN. Same code path as the buffer API.
    public func extract(text: String?, signals: [String: Double]) -> [Float] {
        var values = [Float](repeating: .nan, count: spec.signals.count)
        for (i, name) in spec.signals.enumerated() {
            if let v = signals[name] { values[i] = Float(v) }
        }
        var out = [Float](repeating: 0, count: count)
        values.withUnsafeBufferPointer { sig in
            out.withUnsafeMutableBufferPointer { o in
                if var t = text {
                    t.withUTF8 { extract(text: $0, signals: sig, into: o) }
                } else {
                    extract(text: nil, signals: sig, into: o)
                }
            }
        }
        return out
    }
}
