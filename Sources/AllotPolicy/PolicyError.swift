/// The one error type of AllotPolicy: a growable `Code`, a message, and where it applies the byte offset.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, growable error code (new codes may be added; switch with a default).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The feature spec names an extractor or version this build does not know.
        public static let unknownExtractor = Code(rawValue: "unknown_extractor")
        /// The feature spec's parameters are out of range.
        public static let badSpec = Code(rawValue: "bad_spec")
        /// The model's bins, features, heads or actions do not line up.
        public static let modelMismatch = Code(rawValue: "model_mismatch")
        /// A budget setting is not positive and finite.
        public static let badBudget = Code(rawValue: "bad_budget")
        /// A persisted controller state is corrupt, truncated, or of an unknown version.
        public static let badState = Code(rawValue: "bad_state")
        /// A file system call failed (see the message for errno).
        public static let io = Code(rawValue: "io")
    }

    public var code: Code
    public var message: String
    /// Byte offset into the input the error refers to, when there is one.
    public var offset: Int?

    public init(_ code: Code, _ message: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String {
        if let offset { return "\(code): \(message) (at byte \(offset))" }
        return "\(code): \(message)"
    }
}
