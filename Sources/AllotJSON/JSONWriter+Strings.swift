extension JSONWriter {
    /// Writes `utf8` (valid UTF-8, e.g. a string `JSONCursor` read) as a JSON string, escaped as `string(_:)` does.
    public mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        write(reserving: JSONSpan.room(string: utf8.count)) { $0.string(utf8: utf8) }
    }

    /// Writes the decimal digits of `value` as a JSON string (`"42"`), as `string(String(value))` would, without
    /// making the `String`.
    public mutating func string(decimal value: UInt64) {
        write(reserving: JSONSpan.roomForDecimal) { $0.string(decimal: value) }
    }

    /// A member name given as a literal that needs no escaping (no '"', '\\' or control character), copied as is:
    /// for the constant keys of hot replies, without `key(_:)`'s per-byte escape check.
    public mutating func key(literal name: StaticString) {
        write(reserving: name.utf8CodeUnitCount + 4) { $0.key(literal: name) }
    }
}
