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
        return edges[feature].withUnsafeBufferPointer { e in UInt8(truncatingIfNeeded: Self.below(x, e) &+ 1) }
    }

    /// `#{i : e[i] < x}` for strictly increasing `e`: a binary search with one exit test per halving.
    @inlinable @inline(__always)
    static func below(_ x: Float, _ e: UnsafeBufferPointer<Float>) -> Int {
        var n = e.count
        guard n > 0, let base = e.baseAddress else { return 0 }
        var p = base
        while n > 1 {
            let half = n >> 1
            p = p[half] < x ? p + half : p
            n &-= half
        }
        return (p - base) &+ (p[0] < x ? 1 : 0)
    }

    /// Bins a whole feature vector into `codes` (same length as `values`).
    @inlinable
    public func codes(_ values: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<UInt8>) {
        let n = Swift.min(values.count, edges.count, codes.count)
        edges.withUnsafeBufferPointer { all in
            for f in 0..<n {
                let x = values[f]
                codes[f] = x.isNaN
                    ? 0 : all[f].withUnsafeBufferPointer { e in UInt8(truncatingIfNeeded: Self.below(x, e) &+ 1) }
            }
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

    /// Predicts from bin codes (see `FeatureBins`). The head must have been validated against the feature count
    /// (`ModelReader` and `ModelEvaluator` do); to evaluate every head of a model, `ModelEvaluator` is faster.
    @inlinable
    public func predict(codes: UnsafeBufferPointer<UInt8>) -> Float {
        var sum: Int32 = 0
        depths.withUnsafeBufferPointer { ds in
            splitFeatures.withUnsafeBufferPointer { fs in
                splitThresholds.withUnsafeBufferPointer { ts in
                    leaves.withUnsafeBufferPointer { lv in
                        guard let c = codes.baseAddress, var f = fs.baseAddress, var t = ts.baseAddress,
                              var l = lv.baseAddress
                        else { return }
                        for d in ds {
                            let depth = Int(d)
                            // A constant depth lets the compiler unroll the levels; 6 is the common case.
                            let index = depth == 6 ? Self.leafIndex(6, c, f, t) : Self.leafIndex(depth, c, f, t)
                            sum &+= Int32(l[index])
                            f += depth
                            t += depth
                            l += 1 << depth
                        }
                    }
                }
            }
        }
        return base + scale * Float(sum)
    }

    /// The leaf index of one oblivious tree: bit `k` is `code[f_k] > t_k`, computed branch-free as the top bit of
    /// `t_k - code` in 32 bits (a data-dependent branch per level would mispredict half the time).
    @inlinable @inline(__always)
    static func leafIndex(_ depth: Int, _ c: UnsafePointer<UInt8>, _ f: UnsafePointer<UInt16>,
                          _ t: UnsafePointer<UInt8>) -> Int {
        var index = 0
        for k in 0..<depth { index |= Int((UInt32(t[k]) &- UInt32(c[Int(f[k])])) >> 31) << k }
        return index
    }
}
