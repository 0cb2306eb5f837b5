/// FNV-1a, 64-bit: a fast, portable hash for bucketing n-grams (not for security).
///
/// `h_0 = 0xcbf29ce484222325`, `h_{i+1} = (h_i XOR b_i) · 0x100000001b3 mod 2^64`. Being sequential, the hash of
/// `"w1 w2"` continues from the hash of `"w1"`, which lets the extractor hash every n-gram in one pass.
@frozen
public struct FNV1a: Sendable, Equatable {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    public var value: UInt64

    @inlinable
    public init(_ value: UInt64 = FNV1a.offsetBasis) { self.value = value }

    @inlinable
    public mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* FNV1a.prime
    }

    @inlinable
    public static func hash<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var h = FNV1a()
        for b in bytes { h.add(b) }
        return h.value
    }
}
