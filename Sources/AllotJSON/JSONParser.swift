/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// - Accepts any value at the top level, surrounded by optional whitespace (space, tab, LF, CR); anything else
///   after the value is `trailingData`.
/// - Rejects a leading byte order mark, invalid UTF-8 inside strings (overlong forms, UTF-8-encoded surrogates,
///   code points above U+10FFFF, truncated sequences), unpaired `\u` surrogate escapes, unescaped control
///   characters, leading zeros, `+1`, `.5`, `1.`, `NaN`, `Infinity`, comments, trailing commas.
/// - Numbers equal Swift's `Double(String)` of the same text. A number too large for a `Double` is returned as
///   ±infinity rather than rejected (callers that need finite values must check); tiny ones round to ±0.
/// - Containers nested deeper than `maxDepth` throw `.depth`. Parsing is iterative, so even a huge `maxDepth`
///   cannot overflow the stack here; but destroying, comparing or writing a `JSONValue` recurses, so keep
///   `maxDepth` modest (hundreds, not millions) for untrusted input.
/// - Objects: the last of duplicate keys wins.
///
/// Never traps on any input; cost is linear in the input length.
public struct JSONParser: Sendable {
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 32) throws(JSONError) -> JSONValue {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONError(.unexpectedEnd, "empty input", at: 0)
        }
        var reader = Reader(base.assumingMemoryBound(to: UInt8.self), count: bytes.count, maxDepth: maxDepth)
        return try reader.parseDocument()
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = 32) throws(JSONError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try parse(buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    public static func parse(_ bytes: ArraySlice<UInt8>, maxDepth: Int = 32) throws(JSONError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try parse(buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    public static func parse(_ text: String, maxDepth: Int = 32) throws(JSONError) -> JSONValue {
        let result = text.utf8.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth) }
        }
        if let result { return try result.get() }
        return try parse(Array(text.utf8), maxDepth: maxDepth)
    }
}

extension JSONParser {
    /// The parsing state over one input buffer. `index < end` is checked before every read of `base[index]`.
    @usableFromInline
    struct Reader {
        @usableFromInline let base: UnsafePointer<UInt8>
        @usableFromInline let end: Int
        let maxDepth: Int
        @usableFromInline var index = 0
        /// Reused for strings that contain escapes.
        var scratch: [UInt8] = []

        init(_ base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
            self.base = base
            self.end = count
            self.maxDepth = maxDepth
        }

        /// An open container: where its elements (and, for objects, keys) start on the shared stacks.
        struct Frame {
            var isObject: Bool
            var valueStart: Int
            var keyStart: Int
        }

        mutating func parseDocument() throws(JSONError) -> JSONValue {
            if end >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF {
                throw JSONError(.byteOrderMark, "byte order mark not allowed", at: 0)
            }
            skipWhitespace()
            let value = try parseValue()
            skipWhitespace()
            if index < end { throw JSONError(.trailingData, "unexpected data after the JSON value", at: index) }
            return value
        }

        /// Parses one value (with everything nested in it) without recursion: open containers live on `frames`,
        /// their finished elements on `values`, object keys on `keys`.
        mutating func parseValue() throws(JSONError) -> JSONValue {
            var frames: [Frame] = []
            var values: [JSONValue] = []
            var keys: [String] = []
            frames.reserveCapacity(4)
            values.reserveCapacity(16)
            keys.reserveCapacity(16)
            nextValue: while true {
                guard index < end else { throw JSONError(.unexpectedEnd, "expected a value", at: index) }
                var value: JSONValue
                switch base[index] {
                case UInt8(ascii: "\""):
                    value = .string(try parseString())
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    value = .number(try parseNumber())
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    let isObject = base[index] == UInt8(ascii: "{")
                    if frames.count >= maxDepth {
                        throw JSONError(.depth, "nesting deeper than \(maxDepth)", at: index)
                    }
                    index += 1
                    skipWhitespace()
                    if index < end, base[index] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        index += 1
                        value = isObject ? .object([:]) : .array([])
                    } else {
                        frames.append(Frame(isObject: isObject, valueStart: values.count, keyStart: keys.count))
                        if isObject { keys.append(try parseKey()) }
                        continue nextValue
                    }
                case UInt8(ascii: "t"):
                    try expectLiteral("true")
                    value = .bool(true)
                case UInt8(ascii: "f"):
                    try expectLiteral("false")
                    value = .bool(false)
                case UInt8(ascii: "n"):
                    try expectLiteral("null")
                    value = .null
                default:
                    throw JSONError(.syntax, "unexpected character \(Self.describe(base[index]))", at: index)
                }
                // `value` is complete: add it to the open container, closing containers as their ends arrive.
                while let frame = frames.last {
                    values.append(value)
                    skipWhitespace()
                    guard index < end else {
                        throw JSONError(
                            .unexpectedEnd, frame.isObject ? "unterminated object" : "unterminated array", at: index)
                    }
                    let byte = base[index]
                    if byte == UInt8(ascii: ",") {
                        index += 1
                        skipWhitespace()
                        if frame.isObject { keys.append(try parseKey()) }
                        continue nextValue
                    }
                    guard byte == (frame.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                        let expected = frame.isObject ? "',' or '}'" : "',' or ']'"
                        throw JSONError(.syntax, "expected \(expected), found \(Self.describe(byte))", at: index)
                    }
                    index += 1
                    frames.removeLast()
                    if frame.isObject {
                        var members: [String: JSONValue] = [:]
                        members.reserveCapacity(values.count - frame.valueStart)
                        var keyIndex = frame.keyStart
                        for valueIndex in frame.valueStart..<values.count {
                            members[keys[keyIndex]] = values[valueIndex]
                            keyIndex += 1
                        }
                        keys.removeSubrange(frame.keyStart...)
                        value = .object(members)
                    } else {
                        value = .array(Array(values[frame.valueStart...]))
                    }
                    values.removeSubrange(frame.valueStart...)
                }
                return value
            }
        }

        /// `"key"` `:` with surrounding whitespace; leaves `index` at the member's value.
        mutating func parseKey() throws(JSONError) -> String {
            guard index < end else { throw JSONError(.unexpectedEnd, "expected an object key", at: index) }
            guard base[index] == UInt8(ascii: "\"") else {
                throw JSONError(.syntax, "expected a string key, found \(Self.describe(base[index]))", at: index)
            }
            let key = try parseString()
            skipWhitespace()
            guard index < end else { throw JSONError(.unexpectedEnd, "expected ':'", at: index) }
            guard base[index] == UInt8(ascii: ":") else {
                throw JSONError(.syntax, "expected ':', found \(Self.describe(base[index]))", at: index)
            }
            index += 1
            skipWhitespace()
            return key
        }

        mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
            let count = literal.utf8CodeUnitCount
            let start = literal.utf8Start
            for offset in 0..<count {
                guard index + offset < end else {
                    throw JSONError(.unexpectedEnd, "truncated literal \(literal)", at: index + offset)
                }
                guard base[index + offset] == start[offset] else {
                    throw JSONError(.syntax, "invalid literal (expected \(literal))", at: index + offset)
                }
            }
            index += count
        }

        @inline(__always)
        @usableFromInline
        mutating func skipWhitespace() {
            while index < end {
                switch base[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        static func describe(_ byte: UInt8) -> String {
            if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
            let digits = Array("0123456789ABCDEF".utf8)
            return "byte 0x" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
        }
    }
}
