import CAllotKernels

/// A forward-only reader for a caller that expects one known shape of JSON and wants its parts without building
/// a `JSONValue` (the sidecar's route fast path).
///
/// Each step runs `JSONParser`'s own code (whitespace, string validation and unescaping, numbers, literals), so
/// what the cursor reads is exactly what `JSONParser.parse` would give for the same bytes. It has no error
/// messages: a step that finds anything unexpected returns `nil` or `false`, the cursor's position is then
/// unspecified, and the caller should parse the input with `JSONParser` to get the real error. It does not check
/// for a byte order mark (`JSONParser` rejects one at offset 0), so a caller should expect a specific first byte.
public struct JSONCursor {
    @usableFromInline var reader: JSONParser.Reader

    /// A cursor at the first byte of `bytes`; nil when `bytes` is empty.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        reader = JSONParser.Reader(base.assumingMemoryBound(to: UInt8.self), count: bytes.count, maxDepth: 0)
    }

    /// True when every byte has been read.
    public var isAtEnd: Bool { reader.index >= reader.end }

    /// The next byte, not consumed; nil at the end.
    public var peek: UInt8? { reader.index < reader.end ? reader.base[reader.index] : nil }

    /// Skips JSON whitespace (space, tab, LF, CR). Inlined with its common case (none) up front: the route fast
    /// path calls it about 20 times a line, and as a call it took ~35 ns of a route.
    @inlinable @inline(__always)
    public mutating func skipWhitespace() {
        if reader.index < reader.end && reader.base[reader.index] > 0x20 { return }
        reader.skipWhitespace()
    }

    /// Consumes `byte` if it comes next.
    @inline(__always)
    public mutating func take(_ byte: UInt8) -> Bool {
        guard reader.index < reader.end, reader.base[reader.index] == byte else { return false }
        reader.index += 1
        return true
    }

    /// Consumes `literal` (`true`, `false`, `null`) if it comes next; nothing if it does not.
    public mutating func take(literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard reader.end - reader.index >= count else { return false }
        for offset in 0..<count where reader.base[reader.index + offset] != literal.utf8Start[offset] {
            return false
        }
        reader.index += count
        return true
    }

    /// A valid string without escapes (an object key, a fixed name): its bytes, pointing into the input (valid as
    /// long as the input is). Nil when the next value is not a string, is invalid, or has an escape (read those
    /// with `string(into:)`). Its ASCII run is found in one step (`allot_json_plain_run`): a byte loop mispredicted
    /// its exit on every key of a route line; non-ASCII bytes are validated one sequence at a time.
    public mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = reader.index
        reader.index += Int(allot_json_plain_run(reader.base + reader.index, Int64(reader.end - reader.index)))
        while reader.index < reader.end {
            let byte = reader.base[reader.index]
            if byte == UInt8(ascii: "\"") {
                reader.index += 1
                return UnsafeBufferPointer(start: reader.base + start, count: reader.index - 1 - start)
            } else if byte == UInt8(ascii: "\\") || byte < 0x20 {
                return nil
            } else if byte < 0x80 {
                reader.index += 1
            } else {
                do { try reader.skipUTF8Sequence() } catch { return nil }
            }
        }
        return nil
    }

    /// Replaces `buffer`'s contents with the next value's bytes, unescaped and validated as `JSONParser` does, when
    /// it is a string. False (and `buffer` unspecified) otherwise. The buffer's capacity is reused.
    public mutating func string(into buffer: inout [UInt8]) -> Bool {
        switch string(escapedInto: &buffer) {
        case .input(let range)?:
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: UnsafeBufferPointer(start: reader.base + range.lowerBound, count: range.count))
            return true
        case .buffer?: return true
        case nil: return false
        }
    }

    /// Where `string(escapedInto:)` left a string's bytes.
    public enum StringBytes: Equatable {
        /// The string had no escapes: its bytes are these offsets of the input, as they are.
        case input(Range<Int>)
        /// The string had escapes: its unescaped bytes replaced the buffer's contents.
        case buffer
    }

    /// The next value when it is a string, validated as `JSONParser` does, without copying it when it has no
    /// escapes (a prompt seldom has any); nil when it is not a valid string (`buffer` unspecified).
    public mutating func string(escapedInto buffer: inout [UInt8]) -> StringBytes? {
        guard peek == UInt8(ascii: "\"") else { return nil }
        swap(&reader.scratch, &buffer)
        defer { swap(&reader.scratch, &buffer) }
        do {
            if let raw = try reader.scanString() { return .input(raw) }
            return .buffer
        } catch {
            return nil
        }
    }

    /// The next value when it is a number, exactly as `JSONParser` reads it (±infinity when it overflows).
    public mutating func number() -> Double? {
        guard let first = peek, first == UInt8(ascii: "-") || JSONParser.Reader.isDigit(first) else { return nil }
        do {
            return try reader.parseNumber()
        } catch {
            return nil
        }
    }
}
