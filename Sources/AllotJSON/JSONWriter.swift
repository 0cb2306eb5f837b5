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
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member name and its colon; the member's value comes next.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    public mutating func number(_ value: Double) {
        separate()
        if !value.isFinite {
            appendASCII("null")
        } else if value.magnitude <= 9_007_199_254_740_992 && Double(Int64(value)) == value {
            if value == 0 && value.sign == .minus { bytes.append(UInt8(ascii: "-")) }
            appendInteger(Int64(value))
        } else {
            // `description`'s text, without making the `String` (see `DigitSink`).
            var sink = DigitSink()
            swap(&sink.bytes, &bytes)
            value.write(to: &sink)
            swap(&sink.bytes, &bytes)
        }
        needsComma = true
    }

    public mutating func int(_ value: Int) {
        separate()
        appendInteger(Int64(value))
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        appendASCII(value ? "true" : "false")
        needsComma = true
    }

    public mutating func null() {
        separate()
        appendASCII("null")
        needsComma = true
    }

    /// Inserts `json` verbatim as one value; the caller guarantees it is valid JSON.
    public mutating func raw(_ json: String) {
        separate()
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

    @inline(__always)
    mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    mutating func appendASCII(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func appendInteger(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude)
    }

    mutating func appendDigits(_ value: UInt64) {
        var magnitude = value
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for the 20 digits of UInt64.max
        withUnsafeMutableBytes(of: &digits) { buffer in
            var position = buffer.count
            repeat {
                position -= 1
                buffer[position] = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[position...]))
        }
    }
}

/// Receives `Double.write(to:)`'s text. The standard library hands the digits of a floating-point value to
/// `_writeASCII` straight from its stack buffer (checked equal to `description` for millions of values); a
/// toolchain that stops doing so still calls `write(_:)` with the same text, only slower.
struct DigitSink: TextOutputStream {
    var bytes: [UInt8] = []

    mutating func write(_ string: String) {
        var text = string
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
    }
}
