import AllotModel

/// An unquantized head as the trainer grows it: `base + Σ_t tree_t(x)`, in Float leaves.
public struct FloatHead: Sendable, Equatable {
    public var base: Float
    public var trees: [FloatTree]

    public init(base: Float, trees: [FloatTree]) {
        self.base = base
        self.trees = trees
    }

    /// The float prediction, summed in Double so it is the reference the quantized head is measured against.
    public func predict(codes: UnsafeBufferPointer<UInt8>) -> Double {
        var sum = Double(base)
        for t in trees { sum += Double(t.predict(codes: codes)) }
        return sum
    }

    /// Quantizes to `leafBits`-bit leaves (see `Head.quantize(base:trees:leafBits:)`).
    public func quantized(leafBits: Int = 16) -> Head {
        Head.quantize(base: base, trees: trees, leafBits: leafBits)
    }
}
