/// Builds compact JSON text into `bytes`, inserting commas and colons itself.
///
/// Call sequences must be well formed (`key` only directly inside an object, before each member's value); the
/// writer does not check nesting, to stay cheap on the hot path. Reuse one writer per connection: `reset()`
/// empties `bytes` but keeps their capacity.
///
/// Numbers: `number(_:)` writes non-finite values as `null`; integral values with |x| ≤ 2^53 without a fraction
/// or exponent (`4`, `-0` keeps its sign); all others in Swift's shortest round-trip form (`0.1`, `1e-07`,
/// `1.2345678901234567e+20`), so `Double(text) == x` for every finite x.
///
/// Each call writes through a `JSONSpan` in room reserved for it; `write(reserving:_:)` makes several calls in
/// one reservation (hot replies).
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

    /// Makes `body`'s calls in room for `maxCount` bytes reserved once (see `JSONSpan` for each call's room).
    @inline(__always)
    package mutating func write(reserving maxCount: Int, _ body: (inout JSONSpan) -> Void) {
        var comma = needsComma
        bytes.append(addingCapacity: max(maxCount, 1)) { out in
            out.withUnsafeMutableBufferPointer { buffer, count in
                var span = JSONSpan(
                    base: buffer.baseAddress! + count, capacity: buffer.count - count, needsComma: comma)
                body(&span)
                count += span.count
                comma = span.needsComma
            }
        }
        needsComma = comma
    }

    public mutating func beginObject() { write(reserving: 2) { $0.beginObject() } }

    public mutating func endObject() { write(reserving: 1) { $0.endObject() } }

    public mutating func beginArray() { write(reserving: 2) { $0.beginArray() } }

    public mutating func endArray() { write(reserving: 1) { $0.endArray() } }

    /// A member name and its colon; the member's value comes next.
    public mutating func key(_ name: String) {
        Self.withUTF8(name) { utf8 in write(reserving: JSONSpan.room(string: utf8.count)) { $0.key(utf8: utf8) } }
    }

    public mutating func string(_ value: String) {
        Self.withUTF8(value) { string(utf8: $0) }
    }

    public mutating func number(_ value: Double) { write(reserving: JSONSpan.roomForNumber) { $0.number(value) } }

    public mutating func int(_ value: Int) { write(reserving: JSONSpan.roomForNumber) { $0.int(value) } }

    public mutating func bool(_ value: Bool) { write(reserving: 6) { $0.bool(value) } }

    public mutating func null() { write(reserving: 5) { $0.null() } }

    /// Inserts `json` verbatim as one value; the caller guarantees it is valid JSON.
    public mutating func raw(_ json: String) {
        Self.withUTF8(json) { utf8 in write(reserving: utf8.count + 1) { $0.raw(utf8) } }
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

    /// `text`'s UTF-8 bytes, contiguous (a native string's in place, others copied). Static on purpose: as an
    /// instance method, a call whose closure writes to `self` made Swift pass a copy of the writer, so `bytes` was
    /// shared and every write copied all of it (quadratic in a reply; the request fuzz target ran out of memory).
    static func withUTF8(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if text.utf8.withContiguousStorageIfAvailable(body) == nil {
            Array(text.utf8).withUnsafeBufferPointer(body)
        }
    }
}
