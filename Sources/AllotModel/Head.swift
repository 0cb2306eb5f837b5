/// Per-feature bin edges: the quantized form of every split threshold in the model.
///
/// A value `x` of feature `f` gets the code `0` when it is missing (NaN) and otherwise
/// `1 + #{i : edges[f][i] < x}`, so codes fit a byte with at most 254 edges per feature. A split `(f, t)` sends
/// `x` to the 1-side when `code > t`, that is when `x > edges[f][t-1]` (and, for `t = 0`, when `x` is present).
/// Training bins its data with the same function, so serving reproduces every split exactly.
public struct FeatureBins: Sendable, Equatable {
    public static let maxEdges = 254
    /// `edges[f]` is strictly increasing and finite.
    public var edges: [[Float]]

    public init(edges: [[Float]]) {
        self.edges = edges
    }

    public var featureCount: Int { edges.count }

    /// The bin code of `x` for feature `feature`.
    @inlinable
    public func code(feature: Int, _ x: Float) -> UInt8 {
        if x.isNaN { return 0 }
        let e = edges[feature]
        var lo = 0
        var hi = e.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if e[mid] < x { lo = mid &+ 1 } else { hi = mid }
        }
        return UInt8(truncatingIfNeeded: lo &+ 1)
    }

    /// Bins a whole feature vector into `codes` (same length as `values`).
    @inlinable
    public func codes(_ values: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<UInt8>) {
        for f in 0..<Swift.min(values.count, edges.count) {
            codes[f] = code(feature: f, values[f])
        }
    }
}

/// A gradient-boosted ensemble of oblivious trees with quantized leaves: one model head.
///
/// An oblivious tree of depth `d` asks the same question at every node of a level, so it is `d` splits and `2^d`
/// leaves; the leaf index has bit `l` set when the level-`l` split sends the input to its 1-side. The head predicts
/// `base + scale · Σ_t leaf_t(x)`, summing the int16 leaves as integers and scaling once.
public struct Head: Sendable, Equatable {
    public var base: Float
    /// Leaf quantum: a stored leaf `q` stands for `q · scale`. Finite and positive.
    public var scale: Float
    /// Depth of each tree (1...maxDepth).
    public var depths: [UInt8]
    /// Split feature per level, trees concatenated (`depths.sum` entries).
    public var splitFeatures: [UInt16]
    /// Split threshold (a bin code) per level, aligned with `splitFeatures`.
    public var splitThresholds: [UInt8]
    /// Leaves, trees concatenated (`Σ 2^depth` entries).
    public var leaves: [Int16]

    public static let maxDepth = 10

    public init(base: Float, scale: Float, depths: [UInt8], splitFeatures: [UInt16], splitThresholds: [UInt8],
                leaves: [Int16]) {
        self.base = base
        self.scale = scale
        self.depths = depths
        self.splitFeatures = splitFeatures
        self.splitThresholds = splitThresholds
        self.leaves = leaves
    }

    public var treeCount: Int { depths.count }

    /// Predicts from bin codes (see `FeatureBins`). The head must have been validated against the feature count.
    @inlinable
    public func predict(codes: UnsafeBufferPointer<UInt8>) -> Float {
        var sum: Int32 = 0
        var split = 0
        var leaf = 0
        splitFeatures.withUnsafeBufferPointer { feats in
            splitThresholds.withUnsafeBufferPointer { thrs in
                leaves.withUnsafeBufferPointer { lv in
                    for d in depths {
                        let depth = Int(d)
                        var index = 0
                        for l in 0..<depth {
                            let bit = codes[Int(feats[split &+ l])] > thrs[split &+ l] ? 1 : 0
                            index |= bit << l
                        }
                        sum &+= Int32(lv[leaf &+ index])
                        split &+= depth
                        leaf &+= 1 << depth
                    }
                }
            }
        }
        return base + scale * Float(sum)
    }
}

/// An unquantized oblivious tree, as the trainer grows it.
public struct FloatTree: Sendable, Equatable {
    public var features: [UInt16]
    public var thresholds: [UInt8]
    public var leaves: [Float]

    public init(features: [UInt16], thresholds: [UInt8], leaves: [Float]) {
        self.features = features
        self.thresholds = thresholds
        self.leaves = leaves
    }

    public var depth: Int { features.count }

    public func predict(codes: UnsafeBufferPointer<UInt8>) -> Float {
        var index = 0
        for l in 0..<features.count where codes[Int(features[l])] > thresholds[l] {
            index |= 1 << l
        }
        return leaves[index]
    }
}

extension Head {
    /// Quantizes float trees to int16 leaves with one scale for the head: `scale = max|leaf| / 32767`.
    public static func quantize(base: Float, trees: [FloatTree]) -> Head {
        quantize(base: base, trees: trees, leafBits: 16)
    }

    /// Quantizes float trees to leaves of `leafBits` bits (2...16) with one scale for the head:
    /// `scale = max|leaf| / (2^(leafBits-1) - 1)`, `q = round(leaf / scale)`.
    ///
    /// Each leaf is off by at most `scale/2`, so a head of `T` trees is off by at most `T·scale/2` (and typically
    /// `≈ sqrt(T/12)·scale`). Fewer bits give smaller files (deflate squeezes small integers); pick the fewest
    /// that keep decisions (`QuantizationReport`) on the float model's.
    public static func quantize(base: Float, trees: [FloatTree], leafBits: Int) -> Head {
        let bits = Swift.min(16, Swift.max(2, leafBits))
        let top = Float((1 << (bits - 1)) - 1)
        var maxAbs: Float = 0
        for t in trees { for v in t.leaves where v.isFinite { maxAbs = Swift.max(maxAbs, abs(v)) } }
        let scale: Float = maxAbs > 0 ? maxAbs / top : 1
        var head = Head(base: base, scale: scale, depths: [], splitFeatures: [], splitThresholds: [], leaves: [])
        for t in trees {
            head.depths.append(UInt8(truncatingIfNeeded: t.depth))
            head.splitFeatures += t.features
            head.splitThresholds += t.thresholds
            head.leaves += t.leaves.map { v in
                let q = (v / scale).rounded()
                return q.isFinite ? Int16(Swift.max(-top, Swift.min(top, q))) : 0
            }
        }
        return head
    }
}
