/// The server's one error type. Protocol codes are part of the wire contract (docs/protocol.md): keep their
/// `wireName`s stable; the others never reach a client as such (they become `internal` or `unavailable`).
public struct ServerError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        package let wireName: String
        private init(_ wireName: String) { self.wireName = wireName }

        // On the wire.
        public static let badJSON = Code("bad_json")
        public static let badRequest = Code("bad_request")
        public static let unknownOp = Code("unknown_op")
        public static let tooLarge = Code("too_large")
        public static let notFound = Code("not_found")
        public static let forbidden = Code("forbidden")
        public static let unavailable = Code("unavailable")
        public static let `internal` = Code("internal")

        /// Every code a client can see, in a stable order (for `stats`).
        public static let protocolCodes: [Code] = [
            .badJSON, .badRequest, .unknownOp, .tooLarge, .notFound, .forbidden, .unavailable, .internal,
        ]

        // Local only: configuration, I/O, model and state failures.
        public static let config = Code("config")
        public static let io = Code("io")
        public static let model = Code("model")
        public static let state = Code("state")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.wireName): \(message)" }
}
