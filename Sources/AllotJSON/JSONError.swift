/// Why a JSON text was rejected, and where.
///
/// `message` names the problem and the byte offset (`"invalid UTF-8 in string at byte 17"`); `offset` is the
/// 0-based index into the input of the byte where the problem was detected.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// Unexpected character or structure (missing comma, colon, bracket; bad literal; ...).
        case syntax
        /// The input ended inside a value.
        case unexpectedEnd
        /// Bytes after the top-level value other than whitespace.
        case trailingData
        /// The input starts with a UTF-8 byte order mark (RFC 8259 §8.1: must not be added; we reject it).
        case byteOrderMark
        /// Malformed UTF-8 in a string: bad lead or continuation byte, overlong form, encoded surrogate, > U+10FFFF.
        case invalidUTF8
        /// An unknown escape, bad `\u` hex digits, or an unpaired `\u` surrogate.
        case invalidEscape
        /// An unescaped control character (U+0000...U+001F) in a string.
        case controlCharacter
        /// A malformed number: leading zero, missing digits, `+` sign, ...
        case number
        /// Arrays/objects nested deeper than `maxDepth`.
        case depth
    }

    public var code: Code
    public var message: String
    public var offset: Int

    public init(_ code: Code, _ problem: String, at offset: Int) {
        self.code = code
        self.message = "\(problem) at byte \(offset)"
        self.offset = offset
    }

    public var description: String { message }
}
