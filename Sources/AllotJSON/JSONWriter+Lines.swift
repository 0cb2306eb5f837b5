extension JSONWriter {
    /// Ends one NDJSON record: a newline, after which the next value starts a new document (no comma).
    public mutating func endLine() {
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }
}

extension JSONWriter {
    /// Inserts pre-rendered object members (`"a":1,"b":[2]`, no braces) verbatim: for reply parts that never
    /// change, rendered once. The caller guarantees they are valid members.
    public mutating func rawMembers(_ members: [UInt8]) {
        members.withUnsafeBufferPointer { m in
            appendRaw(maxCount: m.count) { p, comma in
                if let base = m.baseAddress { (p + comma).initialize(from: base, count: m.count) }
                return comma + m.count
            }
        }
        needsComma = true
    }

    /// Renders members once for `rawMembers`: what `build` writes inside an object, without the braces.
    public static func members(_ build: (inout JSONWriter) -> Void) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        build(&w)
        w.endObject()
        return Array(w.bytes.dropFirst().dropLast())
    }
}
