import AllotModel

/// Per-thread buffers for one decision, allocated once, so a request allocates nothing.
///
/// After `Policy.decide`, `utilities`, `costs` (and `features`) hold this request's values, e.g. for an
/// `explain` reply.
public struct DecisionScratch: Sendable {
    public var features: [Float]
    public var codes: [UInt8]
    public var utilities: [Double]
    public var costs: [Double]
    public var signals: [Float]
    /// The head evaluator's buffers.
    var heads: EvaluationScratch

    public init(policy: Policy) {
        features = [Float](repeating: 0, count: policy.featureCount)
        codes = [UInt8](repeating: 0, count: policy.featureCount)
        utilities = [Double](repeating: 0, count: policy.actionCount)
        costs = [Double](repeating: 0, count: policy.actionCount)
        signals = [Float](repeating: .nan, count: policy.model.features.signals.count)
        heads = EvaluationScratch(policy.evaluator)
    }
}

/// The evaluator's own scratch and its `2·actionCount` head outputs, made once per `DecisionScratch`.
struct EvaluationScratch: Sendable {
    var evaluator: ModelEvaluator.Scratch
    var out: [Float]

    init(_ e: ModelEvaluator) {
        evaluator = e.makeScratch()
        out = [Float](repeating: 0, count: Swift.max(1, 2 * e.actionCount))
    }
}

extension Policy {
    /// extract → bin → evaluate every head into `scratch`, without choosing: what `decide` does before
    /// `Policy.choose`, for callers that choose later (the sidecar chooses under its lock, at the current λ).
    /// `signals` as in `decide` (`nil` reads `scratch.signals`).
    /// A model whose trees read no feature (one that falls back to a fixed allocation) skips the extraction and
    /// the bin codes: its heads are constants, and `scratch.features` and `scratch.codes` keep what they held.
    public func predict(text: UnsafeBufferPointer<UInt8>?, signals: UnsafeBufferPointer<Float>? = nil,
                        scratch: inout DecisionScratch) {
        if !readsFeatures {
            evaluate(scratch: &scratch)
        } else if let signals {
            scratch.features.withUnsafeMutableBufferPointer { f in
                extractor.extract(text: text, signals: signals, into: f)
            }
        } else {
            scratch.signals.withUnsafeMutableBufferPointer { s in  // mutable: see `evaluate(scratch:)`
                scratch.features.withUnsafeMutableBufferPointer {
                    extractor.extract(text: text, signals: UnsafeBufferPointer(s), into: $0)
                }
            }
        }
        evaluate(scratch: &scratch)
    }

    /// extract → bin → evaluate every head → choose, into `scratch` (made for this policy). Returns the action.
    ///
    /// `signals` aligned with `model.features.signals` (NaN = missing); `nil` reads `scratch.signals`, which the
    /// caller fills (reset to NaN) per request.
    public func decide(
        text: UnsafeBufferPointer<UInt8>?, signals: UnsafeBufferPointer<Float>? = nil, lambda: Double,
        mix: Double = 0, draw: Double = 1, scratch: inout DecisionScratch
    ) -> Int {
        predict(text: text, signals: signals, scratch: &scratch)
        return scratch.utilities.withUnsafeBufferPointer { u in
            scratch.costs.withUnsafeBufferPointer {
                Policy.choose(utilities: u, costs: $0, lambda: lambda, mix: mix, draw: draw)
            }
        }
    }
}
