import CAllotKernels

extension JSONParser.Reader {
    /// Parses the string starting at the opening quote at `index`; leaves `index` after the closing quote.
    mutating func parseString() throws(JSONError) -> String {
        if let raw = try scanString() {
            return String(decoding: UnsafeBufferPointer(start: base + raw.lowerBound, count: raw.count), as: UTF8.self)
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Validates the string starting at the opening quote at `index` and leaves `index` after the closing quote.
    /// Returns where its bytes are in the input when it has no escapes (the common case: no copy); else nil, with
    /// the unescaped bytes in `scratch`. `parseString` and `JSONCursor` share it, so both read a string alike.
    ///
    /// Bytes are validated in place, 16 at a time while they are plain ASCII (`allot_json_plain_run`). With escapes,
    /// the unescaped runs and decoded escapes are gathered in `scratch`.
    @inline(__always)
    mutating func scanString() throws(JSONError) -> Range<Int>? {
        index += 1
        let start = index
        var runStart = index
        var escaped = false
        while true {
            // Fast path: skip the bytes that are neither '"', '\\', control nor non-ASCII, 16 at a time; called
            // only when the next byte is one, so a run of non-ASCII text makes no call per character.
            if index < end, Self.isPlain(base[index]) {
                index += Int(allot_json_plain_run(base + index, Int64(end - index)))
            }
            guard index < end else { throw JSONError(.unexpectedEnd, "unterminated string", at: index) }
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                if !escaped { return start..<(index - 1) }
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - 1 - runStart))
                return nil
            } else if byte == UInt8(ascii: "\\") {
                if !escaped {
                    escaped = true
                    scratch.removeAll(keepingCapacity: true)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
                try decodeEscape()
                runStart = index
            } else if byte < 0x20 {
                throw JSONError(.controlCharacter, "unescaped control character in string", at: index)
            } else if byte < 0x80 {
                index += 1
            } else {
                try skipUTF8Sequence()
            }
        }
    }

    /// Neither '"', '\\', a control byte nor non-ASCII: `allot_json_plain_run`'s rule.
    @inline(__always)
    static func isPlain(_ b: UInt8) -> Bool {
        b >= 0x20 && b < 0x80 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\")
    }

    /// Decodes the escape at `index` (a backslash) into `scratch`.
    mutating func decodeEscape() throws(JSONError) {
        let escapeStart = index
        index += 1
        guard index < end else { throw JSONError(.unexpectedEnd, "unterminated escape", at: index) }
        let byte = base[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw JSONError(.invalidEscape, "unpaired low surrogate escape", at: escapeStart)
            }
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                guard end - index >= 2, base[index] == UInt8(ascii: "\\"), base[index + 1] == UInt8(ascii: "u") else {
                    throw JSONError(.invalidEscape, "unpaired high surrogate escape", at: escapeStart)
                }
                index += 2
                let low = try readHex4()
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw JSONError(.invalidEscape, "high surrogate escape not followed by a low one", at: escapeStart)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            appendUTF8(scalar)
        default:
            throw JSONError(.invalidEscape, "invalid escape \\\(Self.describe(byte))", at: escapeStart)
        }
    }

    mutating func readHex4() throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < end else { throw JSONError(.unexpectedEnd, "truncated \\u escape", at: index) }
            let byte = base[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONError(.invalidEscape, "invalid hex digit in \\u escape", at: index)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// `scalar` is ≤ 0x10FFFF and not a surrogate (checked by the caller).
    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte (≥ 0x80) is at `index` and moves past it.
    /// Well-formed sequences per Unicode Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF.
    @inline(__always)
    mutating func skipUTF8Sequence() throws(JSONError) {
        let lead = base[index]
        // (sequence length, allowed range of the second byte); later bytes are plain continuations 0x80...0xBF.
        let (length, low, high): (Int, UInt8, UInt8)
        switch lead {
        case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
        case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)  // no overlongs
        case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
        case 0xED: (length, low, high) = (3, 0x80, 0x9F)  // no surrogates
        case 0xF0: (length, low, high) = (4, 0x90, 0xBF)  // no overlongs
        case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
        case 0xF4: (length, low, high) = (4, 0x80, 0x8F)  // nothing above U+10FFFF
        default: throw JSONError(.invalidUTF8, "invalid UTF-8 lead \(Self.describe(lead)) in string", at: index)
        }
        guard end - index >= length else {
            throw JSONError(.invalidUTF8, "truncated UTF-8 sequence in string", at: index)
        }
        let second = base[index + 1]
        guard second >= low && second <= high else {
            throw JSONError(.invalidUTF8, "invalid UTF-8 sequence in string", at: index + 1)
        }
        for offset in 2..<length where base[index + offset] & 0xC0 != 0x80 {
            throw JSONError(.invalidUTF8, "invalid UTF-8 continuation byte in string", at: index + offset)
        }
        index += length
    }
}
