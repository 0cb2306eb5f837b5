/// The optional signature block after the payload:
/// ```
/// 0   4  magic "ASIG" (41 53 49 47)
/// 4   2  algorithm: 1 = Ed25519
/// 6   2  block size: 104
/// 8  32  signer's Ed25519 public key
/// 40 64  Ed25519 signature (crypto_sign_detached) over every file byte before the block
/// ```
/// The block is either absent or exactly these 104 bytes at the very end of the file.
public struct ModelSignature: Sendable, Equatable {
    static let magic: [UInt8] = [0x41, 0x53, 0x49, 0x47]
    static let ed25519: UInt16 = 1
    public static let blockSize = 104

    /// The signer's Ed25519 public key (32 bytes). Trust comes from matching it against configured keys.
    public var publicKey: [UInt8]
    /// The 64-byte detached signature.
    public var signature: [UInt8]

    public init(publicKey: [UInt8], signature: [UInt8]) {
        self.publicKey = publicKey
        self.signature = signature
    }

    /// Hex of the public key: how tools name a signer.
    public var keyID: String { Digest.hex(publicKey) }

    package func encode() -> [UInt8] {
        var w = ByteWriter()
        w.bytes = Self.magic
        w.u16(Self.ed25519)
        w.u16(UInt16(Self.blockSize))
        w.bytes += publicKey
        w.bytes += signature
        return w.bytes
    }

    /// The block starting at `at` (the end of the payload), or nil when the file ends there.
    static func decode(_ bytes: [UInt8], at: Int) throws(ModelFileError) -> ModelSignature? {
        let left = bytes.count - at
        if left == 0 { return nil }
        guard left == blockSize else {
            throw ModelFileError(
                .badSignature, "\(left) bytes after the payload: expected none or a \(blockSize)-byte signature block",
                offset: at)
        }
        var r = ByteReader(bytes, from: at)
        let m = try r.take(4, "signature magic")
        guard bytes[m..<(m + 4)].elementsEqual(magic) else {
            throw ModelFileError(.badSignature, "bad signature block magic", offset: at)
        }
        let algorithm = try r.u16("signature algorithm")
        guard algorithm == ed25519 else {
            throw ModelFileError(.badSignature, "unknown signature algorithm \(algorithm)", offset: at + 4)
        }
        let size = try r.u16("signature block size")
        guard size == blockSize else {
            throw ModelFileError(.badSignature, "signature block size \(size), expected \(blockSize)", offset: at + 6)
        }
        let k = try r.take(32, "public key")
        let s = try r.take(64, "signature")
        return ModelSignature(publicKey: Array(bytes[k..<(k + 32)]), signature: Array(bytes[s..<(s + 64)]))
    }
}
