/// Room reserved in a `JSONWriter` once and filled through a pointer: `JSONWriter.write(reserving:_:)`. Every
/// writer call is one of these calls in room of its own; a hot reply (a route's) makes all of its calls in one
/// reservation, so it pays one capacity and uniqueness check instead of one per call (`Array.append` per byte
/// was most of a route reply's cost).
///
/// Each call needs at most the room its `room` function gives. Writing past the reserved room stops the process
/// (a precondition) rather than touching memory that is not the writer's. A span is valid only inside the
/// closure that received it (nothing stops a closure from keeping it: hence `package`, not `public`).
package struct JSONSpan {
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    /// Bytes written so far.
    var count = 0
    /// True after a value or a closed container: the next key or value needs a comma first.
    var needsComma: Bool

    init(base: UnsafeMutablePointer<UInt8>, capacity: Int, needsComma: Bool) {
        self.base = base
        self.capacity = capacity
        self.needsComma = needsComma
    }

    /// Room for a string or key of `utf8Count` bytes (each may become a 6-byte `\u00XX`), quotes, colon, comma.
    package static func room(string utf8Count: Int) -> Int { 6 * utf8Count + 4 }
    /// Room for any number, integer or Double, and its comma.
    package static let roomForNumber = 1 + DigitSink.capacity
    /// Room for a `string(decimal:)` and its comma.
    package static let roomForDecimal = 23

    package mutating func beginObject() {
        open(UInt8(ascii: "{"))
    }

    package mutating func endObject() {
        put(UInt8(ascii: "}"))
        needsComma = true
    }

    package mutating func beginArray() {
        open(UInt8(ascii: "["))
    }

    package mutating func endArray() {
        put(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member name and its colon, escaped as a string is.
    package mutating func key(utf8 name: UnsafeBufferPointer<UInt8>) {
        quoted(name)
        put(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A member name given as a literal that needs no escaping (no '"', '\\' or control character), copied as is:
    /// for the constant keys of hot replies, without `key(utf8:)`'s per-byte escape check.
    package mutating func key(literal name: StaticString) {
        separate()
        put(UInt8(ascii: "\""))
        put(name.utf8Start, name.utf8CodeUnitCount)
        put(UInt8(ascii: "\""))
        put(UInt8(ascii: ":"))
        needsComma = false
    }

    /// `utf8` (valid UTF-8) as a JSON string: escapes '"', '\\' and U+0000...U+001F (`\n`, `\r`, `\t`, `\b`, `\f`,
    /// else `\u00XX`); everything else, including non-ASCII, is copied as is.
    package mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        quoted(utf8)
        needsComma = true
    }

    /// The decimal digits of `value` as a JSON string (`"42"`), as `string(String(value))` would write them.
    package mutating func string(decimal value: UInt64) {
        separate()
        put(UInt8(ascii: "\""))
        digits(value)
        put(UInt8(ascii: "\""))
        needsComma = true
    }

    /// Non-finite values as `null`; integral values with |x| ≤ 2^53 without a fraction or exponent (`4`, `-0` keeps
    /// its sign); all others in Swift's shortest round-trip form (`0.1`, `1e-07`, `1.2345678901234567e+20`), so
    /// `Double(text) == x` for every finite x.
    package mutating func number(_ value: Double) {
        if !value.isFinite {
            literal("null")
            return
        }
        separate()
        if value.magnitude <= 9_007_199_254_740_992 && Double(Int64(value)) == value {
            if value.sign == .minus { put(UInt8(ascii: "-")) }
            digits(UInt64(value.magnitude))
        } else if shortBinaryFraction(value) {
            // written
        } else {
            // `description`'s text, without making the `String` (see `DigitSink`).
            precondition(capacity - count >= DigitSink.capacity, "JSONSpan: reserved room exceeded")
            var sink = DigitSink(base + count)
            value.write(to: &sink)
            count += sink.count
        }
        needsComma = true
    }

    /// `description`'s text of a non-integral `value` with 1 ≤ |value| < 2^47, at most 16 fraction bits and an exact
    /// decimal expansion of at most 15 significant digits (a cost of a float model, like 32420.875): that expansion,
    /// without `description`'s shortest-digits search (~30 ns a number). It is the same text: two decimals of at
    /// most 15 digits never read back as the same double, so no shorter one reads back as `value`, and of the
    /// equally long ones the exact one is the closest. Else returns false having written nothing.
    @inline(__always)
    package mutating func shortBinaryFraction(_ value: Double) -> Bool {
        let m = value.magnitude
        guard m >= 1, m < 0x1p47 else { return false }
        let scaled = m * 65536  // exact: a power of two
        let fixed = UInt64(scaled)  // < 2^63; a conversion, where `rounded(.towardZero)` called libm's `trunc`
        guard Double(fixed) == scaled else { return false }
        let fraction = fixed & 0xFFFF  // not 0: `value` is no integer
        // fraction / 2^16 = (fraction >> z) / 2^places: `places` decimals, the last one 5.
        let z = fraction.trailingZeroBitCount
        let places = 16 - z
        let decimals = (fraction >> z) &* JSONSpan.powersOfFive[places]
        let whole = fixed >> 16
        let wholeDigits = JSONSpan.decimalLength(whole)
        guard wholeDigits + places <= 15 else { return false }
        precondition(capacity - count >= 2 + wholeDigits + places, "JSONSpan: reserved room exceeded")
        if value.sign == .minus { put(UInt8(ascii: "-")) }
        writeDigits(whole, length: wholeDigits)
        put(UInt8(ascii: "."))
        writeDigits(decimals, length: places)
        return true
    }

    package mutating func int(_ value: Int) {
        separate()
        if value < 0 { put(UInt8(ascii: "-")) }
        digits(UInt64(value.magnitude))
        needsComma = true
    }

    package mutating func bool(_ value: Bool) {
        literal(value ? "true" : "false")
    }

    package mutating func null() {
        literal("null")
    }

    /// Pre-rendered object members (`"a":1,"b":[2]`, no braces), verbatim (`JSONWriter.members`).
    package mutating func members(_ members: UnsafeBufferPointer<UInt8>) {
        separate()
        if let start = members.baseAddress { put(start, members.count) }
        needsComma = true
    }

    /// One JSON value, verbatim: the caller guarantees it is valid JSON.
    mutating func raw(_ json: UnsafeBufferPointer<UInt8>) {
        members(json)
    }

    /// Ends one NDJSON record: a newline, after which the next value starts a new document (no comma).
    mutating func endLine() {
        put(UInt8(ascii: "\n"))
        needsComma = false
    }

    // MARK: - Bytes

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        precondition(count < capacity, "JSONSpan: reserved room exceeded")
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafePointer<UInt8>, _ n: Int) {
        precondition(n <= capacity - count, "JSONSpan: reserved room exceeded")
        (base + count).initialize(from: bytes, count: n)
        count += n
    }

    @inline(__always)
    mutating func separate() {
        if needsComma { put(UInt8(ascii: ",")) }
    }

    mutating func open(_ bracket: UInt8) {
        separate()
        put(bracket)
        needsComma = false
    }

    mutating func literal(_ text: StaticString) {
        separate()
        put(text.utf8Start, text.utf8CodeUnitCount)
        needsComma = true
    }

    /// The decimal digits of `value` (at most 20): the length from the bit length (no loop), then two digits per
    /// division.
    mutating func digits(_ value: UInt64) {
        let length = JSONSpan.decimalLength(value)
        precondition(length <= capacity - count, "JSONSpan: reserved room exceeded")
        writeDigits(value, length: length)
    }

    /// `value`'s last `length` decimal digits (with leading zeros), at `count`.
    @inline(__always)
    mutating func writeDigits(_ value: UInt64, length: Int) {
        let pairs = JSONSpan.digitPairs.utf8Start
        var v = value
        var position = count + length
        while position - count >= 2 {
            let r = Int(truncatingIfNeeded: v % 100)
            v /= 100
            position -= 2
            base[position] = pairs[2 * r]
            base[position + 1] = pairs[2 * r + 1]
        }
        if position > count { base[count] = UInt8(truncatingIfNeeded: v % 10) &+ UInt8(ascii: "0") }
        count += length
    }

    /// 5^0 ... 5^16. Literals, not computed: the compiler lays a constant array out statically, so a read needs no
    /// `swift_once` (it did for the `map` these replace).
    static let powersOfFive: [UInt64] = [
        1, 5, 25, 125, 625, 3125, 15625, 78125, 390625, 1953125, 9765625, 48828125, 244140625, 1220703125, 6103515625,
        30517578125, 152587890625,
    ]

    static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    /// 10^0 ... 10^19 (literals, as `powersOfFive`).
    static let powersOfTen: [UInt64] = [
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000,
        1000000000000, 10000000000000, 100000000000000, 1000000000000000, 10000000000000000, 100000000000000000,
        1000000000000000000, 10000000000000000000,
    ]

    /// How many decimal digits `value` has (1 for 0): ⌊log10 2^bits⌋ (bits · 1233 / 4096), plus one when `value`
    /// reaches the next power of ten.
    @inline(__always)
    static func decimalLength(_ value: UInt64) -> Int {
        let v = value | 1
        let t = ((64 - v.leadingZeroBitCount) &* 1233) >> 12
        return t + (v >= powersOfTen[t] ? 1 : 0)
    }

    mutating func quoted(_ utf8: UnsafeBufferPointer<UInt8>) {
        separate()
        put(UInt8(ascii: "\""))
        guard let start = utf8.baseAddress else {
            put(UInt8(ascii: "\""))
            return
        }
        var runStart = 0
        for position in utf8.indices {
            let byte = utf8[position]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            put(start + runStart, position - runStart)
            runStart = position + 1
            put(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): put(byte)
            case 0x0A: put(UInt8(ascii: "n"))
            case 0x0D: put(UInt8(ascii: "r"))
            case 0x09: put(UInt8(ascii: "t"))
            case 0x08: put(UInt8(ascii: "b"))
            case 0x0C: put(UInt8(ascii: "f"))
            default:
                let hex: StaticString = "0123456789abcdef"
                put(UInt8(ascii: "u"))
                put(UInt8(ascii: "0"))
                put(UInt8(ascii: "0"))
                put(hex.utf8Start[Int(byte >> 4)])
                put(hex.utf8Start[Int(byte & 0x0F)])
            }
        }
        put(start + runStart, utf8.count - runStart)
        put(UInt8(ascii: "\""))
    }
}

/// Receives `Double.write(to:)`'s text at a pointer with room for `capacity` bytes. The standard library hands the
/// digits of a floating-point value to `_writeASCII` straight from its stack buffer (checked equal to
/// `description` for millions of values); a toolchain that stops doing so still calls `write(_:)` with the same
/// text, only slower.
struct DigitSink: TextOutputStream {
    /// The longest text of a finite Double (`-2.2250738585072014e-308` is 24 bytes), with room to spare.
    static let capacity = 32
    let start: UnsafeMutablePointer<UInt8>
    var count = 0

    init(_ start: UnsafeMutablePointer<UInt8>) { self.start = start }

    mutating func write(_ string: String) {
        var text = string
        text.withUTF8 { _writeASCII($0) }
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress else { return }
        let n = min(buffer.count, DigitSink.capacity - count)
        (start + count).update(from: base, count: n)
        count += n
    }
}
