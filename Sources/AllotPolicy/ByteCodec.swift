/// Little-endian writer for the pacer's state file.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func count(_ n: Int) { u32(UInt32(clamping: n)) }
}

/// Bounds-checked little-endian reader: every read past the end is a `.badState` error with its offset.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int

    init(_ bytes: [UInt8], from: Int = 0, to: Int? = nil) {
        self.bytes = bytes
        self.offset = from
        self.end = to ?? bytes.count
    }

    mutating func take(_ n: Int) throws(PolicyError) -> Int {
        guard n >= 0, end - offset >= n else { throw PolicyError(.badState, "truncated state", offset: offset) }
        defer { offset += n }
        return offset
    }

    mutating func u8() throws(PolicyError) -> UInt8 { bytes[try take(1)] }
    mutating func u16() throws(PolicyError) -> UInt16 { UInt16(truncatingIfNeeded: try uint(2)) }
    mutating func u32() throws(PolicyError) -> UInt32 { UInt32(truncatingIfNeeded: try uint(4)) }
    mutating func u64() throws(PolicyError) -> UInt64 { try uint(8) }
    mutating func i64() throws(PolicyError) -> Int64 { Int64(bitPattern: try uint(8)) }
    mutating func f64() throws(PolicyError) -> Double { Double(bitPattern: try uint(8)) }

    /// A finite double.
    mutating func finite() throws(PolicyError) -> Double {
        let at = offset
        let v = try f64()
        guard v.isFinite else { throw PolicyError(.badState, "non-finite number in state", offset: at) }
        return v
    }

    /// A count no larger than `limit`.
    mutating func count(max limit: Int) throws(PolicyError) -> Int {
        let at = offset
        let n = Int(try u32())
        guard n <= limit else { throw PolicyError(.badState, "count \(n) exceeds \(limit)", offset: at) }
        return n
    }

    private mutating func uint(_ n: Int) throws(PolicyError) -> UInt64 {
        let at = try take(n)
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        return v
    }
}
