extension JSONWriter {
    /// Appends a separator (when due) and `text` as a JSON string: escapes '"', '\\' and U+0000...U+001F (`\n`,
    /// `\r`, `\t`, `\b`, `\f`, else `\u00XX`); everything else, including non-ASCII, is copied as UTF-8.
    mutating func appendQuoted(_ text: String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { appendQuoted(utf8: $0) }
        if done == nil {
            let copy = Array(text.utf8)
            copy.withUnsafeBufferPointer { appendQuoted(utf8: $0) }
        }
    }

    mutating func appendQuoted(utf8: UnsafeBufferPointer<UInt8>) {
        // Each byte becomes at most 6 (`\u00XX`), plus the quotes.
        appendRaw(maxCount: 6 * utf8.count + 2) { p, comma in
            var n = comma
            p[n] = UInt8(ascii: "\"")
            n += 1
            var runStart = 0
            for position in utf8.indices {
                let byte = utf8[position]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                (p + n).initialize(from: utf8.baseAddress! + runStart, count: position - runStart)
                n += position - runStart
                runStart = position + 1
                p[n] = UInt8(ascii: "\\")
                n += 1
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): p[n] = byte
                case 0x0A: p[n] = UInt8(ascii: "n")
                case 0x0D: p[n] = UInt8(ascii: "r")
                case 0x09: p[n] = UInt8(ascii: "t")
                case 0x08: p[n] = UInt8(ascii: "b")
                case 0x0C: p[n] = UInt8(ascii: "f")
                default:
                    let hex: StaticString = "0123456789abcdef"
                    p[n] = UInt8(ascii: "u")
                    p[n + 1] = UInt8(ascii: "0")
                    p[n + 2] = UInt8(ascii: "0")
                    p[n + 3] = hex.utf8Start[Int(byte >> 4)]
                    p[n + 4] = hex.utf8Start[Int(byte & 0x0F)]
                    n += 4
                }
                n += 1
            }
            if let base = utf8.baseAddress {
                (p + n).initialize(from: base + runStart, count: utf8.count - runStart)
                n += utf8.count - runStart
            }
            p[n] = UInt8(ascii: "\"")
            return n + 1
        }
    }
}

extension JSONWriter {
    /// Writes `utf8` (valid UTF-8, e.g. a string `JSONCursor` read) as a JSON string, escaped as `string(_:)` does.
    public mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        appendQuoted(utf8: utf8)
        needsComma = true
    }

    /// Writes the decimal digits of `value` as a JSON string (`"42"`), as `string(String(value))` would, without
    /// making the `String`.
    public mutating func string(decimal value: UInt64) {
        appendRaw(maxCount: 22) { p, comma in
            p[comma] = UInt8(ascii: "\"")
            let n = comma + 1 + JSONWriter.writeDigits(value, to: p + comma + 1)
            p[n] = UInt8(ascii: "\"")
            return n + 1
        }
        needsComma = true
    }

    /// A member name given as a literal that needs no escaping (no '"', '\\' or control character), copied as is:
    /// for the constant keys of hot replies, without `key(_:)`'s per-byte escape check.
    public mutating func key(literal name: StaticString) {
        let count = name.utf8CodeUnitCount
        appendRaw(maxCount: count + 3) { p, comma in
            p[comma] = UInt8(ascii: "\"")
            (p + comma + 1).initialize(from: name.utf8Start, count: count)
            p[comma + 1 + count] = UInt8(ascii: "\"")
            p[comma + 2 + count] = UInt8(ascii: ":")
            return comma + count + 3
        }
        needsComma = false
    }
}
