/// The trainer's one error type: what went wrong, where (file, line, field), in words a user can act on.
public struct TableError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A growable set of error kinds.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The file could not be read or written.
        public static let io = Code(rawValue: "io")
        /// A line (or the actions file) is not valid JSON, or not a JSON object.
        public static let syntax = Code(rawValue: "syntax")
        /// A required field is absent.
        public static let missingField = Code(rawValue: "missing-field")
        /// A field has the wrong type or a value out of range.
        public static let badValue = Code(rawValue: "bad-value")
        /// A field the format does not know.
        public static let unknownField = Code(rawValue: "unknown-field")
        /// A line's actions differ from the first line's, or acc and cost name different actions.
        public static let actionMismatch = Code(rawValue: "action-mismatch")
        /// Two lines share an id.
        public static let duplicateID = Code(rawValue: "duplicate-id")
        /// No rows, or no actions.
        public static let empty = Code(rawValue: "empty")
        /// The actions file does not match the table.
        public static let actionsFile = Code(rawValue: "actions-file")
        /// A request the data cannot satisfy (e.g. a budget outside the table's cost range).
        public static let invalidArgument = Code(rawValue: "invalid-argument")
    }

    public var code: Code
    public var message: String
    /// The file concerned, if any.
    public var path: String?
    /// 1-based line number in `path`, if the error belongs to a line.
    public var line: Int?
    /// Dotted field path, e.g. `acc.b1`.
    public var field: String?

    public init(_ code: Code, _ message: String, path: String? = nil, line: Int? = nil, field: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.line = line
        self.field = field
    }

    /// `path:line: field acc.b1: message (code)`.
    public var description: String {
        var s = ""
        if let path { s += path }
        if let line { s += (s.isEmpty ? "line \(line)" : ":\(line)") }
        if !s.isEmpty { s += ": " }
        if let field { s += "field \(field): " }
        return s + message + " (\(code))"
    }
}
