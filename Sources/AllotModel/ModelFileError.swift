/// The one error type of `AllotModel`: every way a model file, a key file or a model can be wrong.
///
/// `offset` is the byte offset in the file (or in the inflated payload, when `inPayload`) where the problem was
/// found, when that makes sense; the message names the problem in words a user can act on.
public struct ModelFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a growable set of codes (new codes may be added in any release).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The file ends before a field or block it declares.
        public static let truncated = Code("truncated")
        /// The first bytes are not the `.allot` magic.
        public static let badMagic = Code("badMagic")
        /// The file's major format version is not one this reader understands.
        public static let unsupportedVersion = Code("unsupportedVersion")
        /// A declared size is inconsistent or over a hard limit.
        public static let badSize = Code("badSize")
        /// CRC-32 or SHA-256 of the file does not match the header.
        public static let checksumMismatch = Code("checksumMismatch")
        /// The payload does not inflate, or inflates to a different size than declared.
        public static let inflateFailed = Code("inflateFailed")
        /// A section is malformed, missing, or repeated.
        public static let badSection = Code("badSection")
        /// A value is out of range: an index, a count, a depth, a non-finite number.
        public static let outOfRange = Code("outOfRange")
        /// A string is not valid UTF-8, too long, or (for params and cards) not a JSON object.
        public static let badString = Code("badString")
        /// The signature block is malformed, absent where required, or does not verify.
        public static let badSignature = Code("badSignature")
        /// The signing key is not one of the trusted keys.
        public static let untrustedKey = Code("untrustedKey")
        /// A key file is malformed.
        public static let badKey = Code("badKey")
        /// The model is inconsistent with itself (head count differs from action count, ...).
        public static let inconsistent = Code("inconsistent")
        /// zlib or libsodium failed for a reason that is not the input's fault.
        public static let `internal` = Code("internal")
    }

    public var code: Code
    public var message: String
    /// Byte offset where the problem was found, if it has one.
    public var offset: Int?
    /// `true` when `offset` counts from the start of the inflated payload rather than the file.
    public var inPayload: Bool

    public init(_ code: Code, _ message: String, offset: Int? = nil, inPayload: Bool = false) {
        self.code = code
        self.message = message
        self.offset = offset
        self.inPayload = inPayload
    }

    public var description: String {
        guard let offset else { return "\(code): \(message)" }
        return "\(code): \(message) (at \(inPayload ? "payload " : "")byte \(offset))"
    }
}
