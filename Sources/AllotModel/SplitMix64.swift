/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, seedable, portable generator, so mixed decisions, simulations,
/// synthetic models and tests reproduce on every machine. One definition for every module.
///
/// `state += 0x9e3779b97f4a7c15; z = state; z = (z ^ z>>30)·0xbf58476d1ce4e5b9; z = (z ^ z>>27)·0x94d049bb133111eb;
/// return z ^ z>>31`.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { self.state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// An approximately standard normal deviate (Irwin-Hall: 12 uniforms minus 6), free of libm so every
    /// platform draws the same numbers.
    public mutating func normal() -> Double {
        var s = -6.0
        for _ in 0..<12 { s += nextUnit() }
        return s
    }
}

/// The name the model tools and tests use for the same generator.
public typealias SeededGenerator = SplitMix64
