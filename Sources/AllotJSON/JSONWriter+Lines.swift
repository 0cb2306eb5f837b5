extension JSONWriter {
    /// Ends one NDJSON record: a newline, after which the next value starts a new document (no comma).
    public mutating func endLine() { write(reserving: 1) { $0.endLine() } }
}

extension JSONWriter {
    /// Inserts pre-rendered object members (`"a":1,"b":[2]`, no braces) verbatim: for reply parts that never
    /// change, rendered once. The caller guarantees they are valid members.
    public mutating func rawMembers(_ members: [UInt8]) {
        members.withUnsafeBufferPointer { m in write(reserving: m.count + 1) { $0.members(m) } }
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
