/// Text key files for `allot keygen`/`sign`/`verify` and `allotd`'s trusted keys:
/// ```
/// allot-ed25519-public-key-v1
/// <64 lowercase hex digits: the 32-byte public key>
/// ```
/// and, for secret keys (mode 0600), `allot-ed25519-secret-key-v1` then 128 hex digits (libsodium's 64-byte
/// secret key: seed ‖ public key). Lines end with `\n`; blank lines after the key are ignored.
public enum ModelKeyFile {
    public static let publicHeader = "allot-ed25519-public-key-v1"
    public static let secretHeader = "allot-ed25519-secret-key-v1"

    public static func encode(publicKey: [UInt8]) -> String { "\(publicHeader)\n\(Digest.hex(publicKey))\n" }
    public static func encode(secretKey: [UInt8]) -> String { "\(secretHeader)\n\(Digest.hex(secretKey))\n" }

    public static func decodePublic(_ text: String) throws(ModelFileError) -> [UInt8] {
        try decode(text, header: publicHeader, size: ModelSigner.publicKeySize)
    }

    package static func decode(_ text: String, header: String, size: Int) throws(ModelFileError) -> [UInt8] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard lines.count >= 2, lines[0] == header else {
            throw ModelFileError(.badKey, "key file must start with the line \"\(header)\"")
        }
        guard lines.dropFirst(2).allSatisfy({ $0.allSatisfy { $0 == " " || $0 == "\t" } }) else {
            throw ModelFileError(.badKey, "unexpected text after the key")
        }
        guard let key = Digest.unhex(lines[1]), key.count == size else {
            throw ModelFileError(.badKey, "the second line must be \(size * 2) hex digits")
        }
        return key
    }
}
