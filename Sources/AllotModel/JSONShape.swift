/// A minimal, allocation-free JSON well-formedness check (RFC 8259 grammar, nesting depth ≤ 64), used to
/// insist that action params and the model card are JSON objects without depending on a full parser.
package enum JSONShape {
    /// Also the depth `allotd` parses action params to, so that it serves every file the reader accepts.
    package static let maxDepth = 64

    static func isObject(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        return utf8.withUnsafeBufferPointer { b in
            var p = Parser(b: b)
            p.skipSpace()
            guard p.peek == UInt8(ascii: "{"), p.value(depth: 0) else { return false }
            p.skipSpace()
            return p.i == b.count
        }
    }

    private struct Parser {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0

        var peek: UInt8? { i < b.count ? b[i] : nil }

        mutating func skipSpace() {
            while let c = peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1 }
        }

        mutating func eat(_ c: UInt8) -> Bool {
            guard peek == c else { return false }
            i += 1
            return true
        }

        mutating func literal(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard b.count - i >= n else { return false }
            for k in 0..<n where b[i + k] != s.utf8Start[k] { return false }
            i += n
            return true
        }

        mutating func value(depth: Int) -> Bool {
            guard depth < JSONShape.maxDepth else { return false }
            skipSpace()
            guard let c = peek else { return false }
            switch c {
            case UInt8(ascii: "{"):
                i += 1
                skipSpace()
                if eat(UInt8(ascii: "}")) { return true }
                while true {
                    skipSpace()
                    guard string() else { return false }
                    skipSpace()
                    guard eat(UInt8(ascii: ":")), value(depth: depth + 1) else { return false }
                    skipSpace()
                    if eat(UInt8(ascii: "}")) { return true }
                    guard eat(UInt8(ascii: ",")) else { return false }
                }
            case UInt8(ascii: "["):
                i += 1
                skipSpace()
                if eat(UInt8(ascii: "]")) { return true }
                while true {
                    guard value(depth: depth + 1) else { return false }
                    skipSpace()
                    if eat(UInt8(ascii: "]")) { return true }
                    guard eat(UInt8(ascii: ",")) else { return false }
                }
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        mutating func string() -> Bool {
            guard eat(UInt8(ascii: "\"")) else { return false }
            while let c = peek {
                i += 1
                if c == UInt8(ascii: "\"") { return true }
                if c < 0x20 { return false }
                if c == UInt8(ascii: "\\") {
                    guard let e = peek else { return false }
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        continue
                    case UInt8(ascii: "u"):
                        for _ in 0..<4 {
                            guard let h = peek, isHex(h) else { return false }
                            i += 1
                        }
                    default: return false
                    }
                }
            }
            return false
        }

        func isHex(_ c: UInt8) -> Bool {
            (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
        }

        mutating func digits() -> Bool {
            let start = i
            while let c = peek, c >= 48, c <= 57 { i += 1 }
            return i > start
        }

        mutating func number() -> Bool {
            _ = eat(UInt8(ascii: "-"))
            if eat(UInt8(ascii: "0")) {
                // no leading zeros
            } else if !digits() {
                return false
            }
            if eat(UInt8(ascii: ".")), !digits() { return false }
            if eat(UInt8(ascii: "e")) || eat(UInt8(ascii: "E")) {
                _ = eat(UInt8(ascii: "+")) || eat(UInt8(ascii: "-"))
                guard digits() else { return false }
            }
            return true
        }
    }
}
