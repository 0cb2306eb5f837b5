/// A bounds-checked little-endian cursor over untrusted bytes: every read either succeeds inside `end` or throws
/// `truncated` naming the field and its offset. Nothing here can trap on any input.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int
    /// Whether offsets refer to the inflated payload (for error messages).
    let inPayload: Bool

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil, inPayload: Bool = false) {
        self.bytes = bytes
        self.position = Swift.max(0, Swift.min(start, bytes.count))
        self.end = Swift.max(self.position, Swift.min(end ?? bytes.count, bytes.count))
        self.inPayload = inPayload
    }

    var remaining: Int { end - position }
    var isAtEnd: Bool { position >= end }

    func error(_ code: ModelFileError.Code, _ message: String, at offset: Int? = nil) -> ModelFileError {
        ModelFileError(code, message, offset: offset ?? position, inPayload: inPayload)
    }

    /// Consumes `count` bytes and returns the index of the first one.
    mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws(ModelFileError) -> Int {
        guard count >= 0, count <= remaining else {
            throw error(.truncated, "\(what()): needs \(count) bytes, \(remaining) left")
        }
        let start = position
        position += count
        return start
    }

    mutating func u8(_ what: @autoclosure () -> String) throws(ModelFileError) -> UInt8 {
        bytes[try take(1, what())]
    }

    mutating func u16(_ what: @autoclosure () -> String) throws(ModelFileError) -> UInt16 {
        let i = try take(2, what())
        return UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
    }

    mutating func u32(_ what: @autoclosure () -> String) throws(ModelFileError) -> UInt32 {
        let i = try take(4, what())
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[i + k]) << (8 * k) }
        return v
    }

    mutating func u64(_ what: @autoclosure () -> String) throws(ModelFileError) -> UInt64 {
        let i = try take(8, what())
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[i + k]) << (8 * k) }
        return v
    }

    mutating func f32(_ what: @autoclosure () -> String) throws(ModelFileError) -> Float {
        Float(bitPattern: try u32(what()))
    }

    mutating func f64(_ what: @autoclosure () -> String) throws(ModelFileError) -> Double {
        Double(bitPattern: try u64(what()))
    }

    /// A finite Float32; NaN and infinities are rejected where they are read.
    mutating func finiteF32(_ what: @autoclosure () -> String) throws(ModelFileError) -> Float {
        let at = position
        let v = try f32(what())
        guard v.isFinite else { throw error(.outOfRange, "\(what()) is not finite (\(v))", at: at) }
        return v
    }

    mutating func finiteF64(_ what: @autoclosure () -> String) throws(ModelFileError) -> Double {
        let at = position
        let v = try f64(what())
        guard v.isFinite else { throw error(.outOfRange, "\(what()) is not finite (\(v))", at: at) }
        return v
    }

    /// Unsigned LEB128, at most 10 bytes, no overflow past 64 bits.
    mutating func varint(_ what: @autoclosure () -> String) throws(ModelFileError) -> UInt64 {
        let at = position
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8(what())
            if shift == 63 && b > 1 { throw error(.outOfRange, "\(what()): varint overflows 64 bits", at: at) }
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
    }

    /// A varint count, checked against `limit` so callers can allocate `count` items safely.
    mutating func count(_ what: @autoclosure () -> String, max limit: Int) throws(ModelFileError) -> Int {
        let at = position
        let v = try varint(what())
        guard v <= UInt64(limit) else { throw error(.outOfRange, "\(what()) is \(v), limit \(limit)", at: at) }
        return Int(v)
    }

    /// A varint-length UTF-8 string of at most `maxBytes` bytes.
    mutating func string(_ what: @autoclosure () -> String, maxBytes: Int) throws(ModelFileError) -> String {
        let n = try count("\(what()) length", max: maxBytes)
        let i = try take(n, what())
        guard let s = String(validating: bytes[i..<(i + n)], as: UTF8.self) else {
            throw error(.badString, "\(what()) is not valid UTF-8", at: i)
        }
        return s
    }
}
