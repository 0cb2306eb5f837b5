/// Builds compact JSON text into `bytes`, inserting commas and colons itself.
///
/// Call sequences must be well formed (`key` only directly inside an object, before each member's value); the
/// writer does not check nesting, to stay cheap on the hot path. Reuse one writer per connection: `reset()`
/// empties `bytes` but keeps their capacity.
///
/// Numbers: `number(_:)` writes non-finite values as `null`; integral values with |x| ≤ 2^53 without a fraction
/// or exponent (`4`, `-0` keeps its sign); all others in Swift's shortest round-trip form (`0.1`, `1e-07`,
/// `1.2345678901234567e+20`), so `Double(text) == x` for every finite x.
public struct JSONWriter: Sendable {
    public var bytes: [UInt8]
    /// True after a value or a closed container: the next key or value needs a comma first.
    var needsComma = false

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Empties `bytes`, keeping their capacity.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    /// The text written so far.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject() {
        appendLiteral("{")
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        appendLiteral("[")
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member name and its colon; the member's value comes next.
    public mutating func key(_ name: String) {
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        appendQuoted(value)
        needsComma = true
    }

    public mutating func number(_ value: Double) {
        if !value.isFinite {
            null()
        } else if value.magnitude <= 9_007_199_254_740_992 && Double(Int64(value)) == value {
            let negativeZero = value == 0 && value.sign == .minus
            appendRaw(maxCount: 22) { p, comma in
                var n = comma
                if negativeZero { p[n] = UInt8(ascii: "-"); n += 1 }
                return n + JSONWriter.writeInteger(Int64(value), to: p + n)
            }
            needsComma = true
        } else {
            // `description`'s text, without making the `String` (see `DigitSink`).
            appendRaw(maxCount: DigitSink.capacity + 1) { p, comma in
                var sink = DigitSink(p + comma)
                value.write(to: &sink)
                return comma + sink.count
            }
            needsComma = true
        }
    }

    public mutating func int(_ value: Int) {
        appendRaw(maxCount: 21) { p, comma in comma + JSONWriter.writeInteger(Int64(value), to: p + comma) }
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        appendLiteral(value ? "true" : "false")
        needsComma = true
    }

    public mutating func null() {
        appendLiteral("null")
        needsComma = true
    }

    /// Inserts `json` verbatim as one value; the caller guarantees it is valid JSON.
    public mutating func raw(_ json: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: json.utf8)
        needsComma = true
    }

    /// Writes a whole value. Object keys are written in sorted order, so equal values give equal text.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let number): self.number(number)
        case .string(let text): string(text)
        case .array(let elements):
            beginArray()
            for element in elements { self.value(element) }
            endArray()
        case .object(let members):
            beginObject()
            for name in members.keys.sorted() {
                key(name)
                if let member = members[name] { self.value(member) }
            }
            endObject()
        }
    }

    /// Appends what `body` writes at `p + comma`, after the separating comma `body` is told about (0 or 1 byte,
    /// already written at `p`); `body` returns the total it wrote, comma included, at most `maxCount` bytes past
    /// it. One uniqueness and capacity check for all of them: `Array.append` per byte was most of a route
    /// reply's cost.
    @inline(__always)
    mutating func appendRaw(maxCount: Int, _ body: (UnsafeMutablePointer<UInt8>, Int) -> Int) {
        let comma = needsComma
        bytes.append(addingCapacity: maxCount + 1) { out in
            out.withUnsafeMutableBufferPointer { buffer, count in
                let p = buffer.baseAddress! + count
                if comma { p[0] = UInt8(ascii: ",") }
                count += body(p, comma ? 1 : 0)
            }
        }
    }

    /// A separator (when due) and `text` verbatim.
    @inline(__always)
    mutating func appendLiteral(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        appendRaw(maxCount: count) { p, comma in
            (p + comma).initialize(from: text.utf8Start, count: count)
            return comma + count
        }
    }

    /// The decimal text of `value` at `p` (at most 20 bytes, 21 with a sign); returns its length.
    @inline(__always)
    static func writeInteger(_ value: Int64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        guard value < 0 else { return writeDigits(value.magnitude, to: p) }
        p[0] = UInt8(ascii: "-")
        return 1 + writeDigits(value.magnitude, to: p + 1)
    }

    /// The decimal digits of `value` at `p` (at most 20); returns how many.
    @inline(__always)
    static func writeDigits(_ value: UInt64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        var magnitude = value
        var position = count
        repeat {
            position -= 1
            p[position] = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
            magnitude /= 10
        } while magnitude > 0
        return count
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
