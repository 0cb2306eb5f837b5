import AllotModel

/// The trainer's draws on SplitMix64 (fully specified, so a seed gives the same trees on every platform and Swift
/// version; the standard library's shuffles and generators promise neither), with unbiased bounded draws,
/// shuffles and forks.
package struct GBDTRandom: Sendable {
    private var base: SplitMix64

    package init(seed: UInt64) {
        base = SplitMix64(seed: seed)
    }

    package mutating func next() -> UInt64 { base.next() }

    /// Uniform in [0, 1) with 53 bits.
    package mutating func nextUnit() -> Double { base.nextUnit() }

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
