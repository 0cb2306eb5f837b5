extension JSONWriter {
    /// Ends one NDJSON record: a newline, after which the next value starts a new document (no comma).
    public mutating func endLine() {
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }
}
