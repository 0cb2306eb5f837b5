/// Rice coding of a head's leaves: close to their entropy, where deflate on raw int16 bytes is not.
///
/// A leaf `q` becomes `z = zigzag(q)` (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...). Each tree `t` has a parameter
/// `k_t` in `0...15` (the one minimising its bits); a leaf is coded as `z >> k` one-bits, a zero-bit, then the
/// low `k` bits of `z`, least significant first; when `z >> k >= escapeRun`, as `escapeRun` one-bits then all
/// 16 bits of `z`. Bits fill bytes from the least significant bit; the last byte is padded with zero bits.
/// Given the `k`s, decoding is canonical: an escape for a small `z`, a non-zero pad or a wrong byte count is an
/// error.
package enum LeafCoder {
    package static let escapeRun = 24

    package static func bits(_ z: UInt16, k: Int) -> Int {
        let q = Int(z) >> k
        return q < escapeRun ? q + 1 + k : escapeRun + 16
    }

    /// Decodes `count` leaves of trees with the given depths and parameters from `bytes[range]`.
    static func decode(_ r: ByteReader, _ range: Range<Int>, depths: [UInt8], ks: [UInt8], count: Int,
                       _ what: String) throws(ModelFileError) -> [Int16] {
        var br = BitReader(bytes: r.bytes, range: range)
        var leaves = [Int16](repeating: 0, count: count)
        var i = 0
        for (t, d) in depths.enumerated() {
            let k = Int(ks[t])
            for _ in 0..<(1 << Int(d)) {
                br.refill()
                let q = br.ones(upTo: escapeRun)
                let z: UInt64
                if q == escapeRun {
                    br.skip(escapeRun)
                    z = try br.read(16, r, what)
                    guard Int(z) >> k >= escapeRun else {
                        throw r.error(.badSection, "\(what): non-canonical escape", at: br.byteOffset)
                    }
                } else {
                    guard q < br.count else { throw r.error(.truncated, "\(what): leaf bits run out", at: range.upperBound) }
                    br.skip(q + 1)
                    z = UInt64(q) << k | (try br.read(k, r, what))
                    guard z <= 0xFFFF else { throw r.error(.outOfRange, "\(what): leaf out of range", at: br.byteOffset) }
                }
                leaves[i] = ModelPayload.unzigzag(UInt16(z))
                i += 1
            }
        }
        try br.finish(r, what)
        return leaves
    }
}

struct BitReader {
    let bytes: [UInt8]
    let range: Range<Int>
    private var next: Int
    private var buffer: UInt64 = 0
    /// Bits available in `buffer`.
    private(set) var count = 0

    init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.range = range
        self.next = range.lowerBound
    }

    /// Offset of the byte holding the next unread bit.
    var byteOffset: Int { next - (count + 7) / 8 }

    /// Tops the buffer up to at least 57 bits, or to the end of the stream.
    @inline(__always) mutating func refill() {
        while count <= 56, next < range.upperBound {
            buffer |= UInt64(bytes[next]) << UInt64(count)
            count += 8
            next += 1
        }
    }

    /// The number of consecutive one-bits ahead, at most `limit` (<= 57) and at most `count`.
    @inline(__always) func ones(upTo limit: Int) -> Int {
        Swift.min((~buffer).trailingZeroBitCount, limit, count)
    }

    @inline(__always) mutating func skip(_ n: Int) {
        buffer = n >= 64 ? 0 : buffer >> UInt64(n)
        count -= n
    }

    mutating func read(_ n: Int, _ r: ByteReader, _ what: String) throws(ModelFileError) -> UInt64 {
        guard n <= count else { throw r.error(.truncated, "\(what): leaf bits run out", at: range.upperBound) }
        let v = buffer & ((1 << UInt64(n)) &- 1)
        skip(n)
        return v
    }

    /// The stream must end in its last byte, padded with zero bits.
    mutating func finish(_ r: ByteReader, _ what: String) throws(ModelFileError) {
        refill()
        guard next == range.upperBound, count < 8 else {
            throw r.error(.badSection, "\(what): \(count / 8 + range.upperBound - next) unused leaf bytes",
                          at: byteOffset)
        }
        guard buffer == 0 else { throw r.error(.badSection, "\(what): non-zero padding", at: byteOffset) }
    }
}
