/// SplitMix64: a tiny, fully specified generator, so a seed gives the same trees on every platform and Swift
/// version (the standard library's shuffles and generators promise neither).
package struct GBDTRandom: Sendable {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 bits.
    package mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in 0..<bound (bound > 0), by rejection so it has no modulo bias.
    package mutating func next(below bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let x = next()
            if x < limit { return Int(x % b) }
        }
    }

    /// Fisher-Yates with this generator.
    package mutating func shuffle<T>(_ a: inout [T]) {
        var i = a.count - 1
        while i > 0 {
            let j = next(below: i + 1)
            a.swapAt(i, j)
            i -= 1
        }
    }

    /// A derived generator for a sub-task, so adding draws in one place does not shift another's stream.
    package mutating func fork(_ salt: UInt64) -> GBDTRandom {
        GBDTRandom(seed: next() ^ (salt &* 0xD1B5_4A32_D192_ED03))
    }
}
