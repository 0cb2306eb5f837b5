import AllotModel

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
