/// The in-memory form of an `.allot` model file: everything `allotd` needs to route, and nothing else.
///
/// A policy scores action `a` for prompt `x` as `u_a(x) - λ·c_a(x)`: `utility[a]` predicts the accuracy
/// `u_a(x)`, `cost[a]` (when present) the prompt-dependent cost `c_a(x)`, otherwise `actions[a].meanCost` is used.
/// `lambdaTable` maps a mean-cost budget to the offline price `λ*` the solve stage found for it.
public struct AllotModelFile: Sendable, Equatable {
    public var info: ModelInfo
    public var features: FeatureSpec
    public var actions: [ActionSpec]
    /// Per-feature bin edges shared by every head: a feature value is binned once per request.
    public var bins: FeatureBins
    /// One utility head per action, in action order.
    public var utility: [Head]
    /// One optional cost head per action, in action order (`nil`: the action's mean cost).
    public var cost: [Head?]
    /// Budget -> λ* points, sorted by increasing budget (so non-increasing λ).
    public var lambdaTable: [LambdaPoint]
    /// Free-form model-card summary (JSON object text): recommended budget, training data, results.
    public var card: String

    public init(
        info: ModelInfo, features: FeatureSpec, actions: [ActionSpec], bins: FeatureBins,
        utility: [Head], cost: [Head?], lambdaTable: [LambdaPoint], card: String = "{}"
    ) {
        self.info = info
        self.features = features
        self.actions = actions
        self.bins = bins
        self.utility = utility
        self.cost = cost
        self.lambdaTable = lambdaTable
        self.card = card
    }

    /// The features some tree splits on, ascending: the only bin codes a prediction reads.
    public var featuresReadByTrees: [Int] {
        var read = [Bool](repeating: false, count: bins.featureCount)
        for head in utility + cost.compactMap({ $0 }) {
            for f in head.splitFeatures where Int(f) < read.count { read[Int(f)] = true }
        }
        return read.indices.filter { read[$0] }
    }
}

/// Identity and units of a model, all readable from the file header without inflating the payload.
public struct ModelInfo: Sendable, Equatable {
    /// Human-readable model id, e.g. "gsm8k-gemma2-ladder".
    public var id: String
    /// Monotonic version, checked for anti-downgrade on install and reload.
    public var version: UInt64
    /// Creation time, seconds since the Unix epoch (a parameter of the writer, so files are reproducible).
    public var createdAt: Int64
    /// Name of the cost unit: "samples", "tokens", "GFLOP", "mJ", ...
    public var costUnit: String

    public init(id: String, version: UInt64, createdAt: Int64, costUnit: String) {
        self.id = id
        self.version = version
        self.createdAt = createdAt
        self.costUnit = costUnit
    }
}

/// Which feature extractor a model was trained with, and its parameters, so serving computes the same vector.
///
/// The vector is `[dense text features][hashBuckets n-gram buckets][one slot per signal]`; see
/// `AllotPolicy.FeatureExtractor` for the dense part, whose length depends on `(extractor, version)`.
public struct FeatureSpec: Sendable, Equatable {
    public var extractor: String
    public var version: UInt16
    public var hashBuckets: UInt16
    /// Largest word n-gram hashed into the buckets (1 = words only).
    public var ngramMax: UInt8
    /// Names of the numeric runtime signals the model accepts, in vector order.
    public var signals: [String]

    public init(extractor: String = "allot-text", version: UInt16 = 1, hashBuckets: UInt16, ngramMax: UInt8,
                signals: [String]) {
        self.extractor = extractor
        self.version = version
        self.hashBuckets = hashBuckets
        self.ngramMax = ngramMax
        self.signals = signals
    }
}

/// One thing the runtime can do for a prompt.
public struct ActionSpec: Sendable, Equatable {
    public var name: String
    /// A JSON object, as text, handed to the runtime unchanged: `{"samples": 4}`, `{"model": "qwen2.5-7b"}`.
    public var params: String
    /// Mean cost on the training data, in the model's cost unit.
    public var meanCost: Double

    public init(name: String, params: String, meanCost: Double) {
        self.name = name
        self.params = params
        self.meanCost = meanCost
    }
}

/// One point of the offline budget -> λ* table.
public struct LambdaPoint: Sendable, Equatable {
    public var budget: Double
    public var lambda: Double
    /// Probability of taking the costlier of the two policies adjacent to the breakpoint at `lambda`,
    /// which makes the oracle's mean cost equal `budget` exactly.
    public var mix: Double

    public init(budget: Double, lambda: Double, mix: Double) {
        self.budget = budget
        self.lambda = lambda
        self.mix = mix
    }
}
