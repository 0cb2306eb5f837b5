import CSodium

/// Ed25519 signatures over `.allot` files (libsodium).
///
/// A signature covers every byte of the file before the signature block: the header (with its SHA-256) and
/// the compressed payload. Trust comes from the verifier's list of public keys, never from the file: the key in
/// the block only says which trusted key to try.
public enum ModelSigner {
    public static let publicKeySize = 32
    public static let secretKeySize = 64

    /// Verifies the file's signature against trusted public keys; returns the block.
    ///
    /// Throws `badSignature` when the file is unsigned or the signature does not verify, `untrustedKey` when it
    /// was signed by a key not in `trustedKeys`. Checks the signature only: `ModelReader.decode` checks the rest.
    @discardableResult
    public static func verify(_ file: [UInt8], trustedKeys: [[UInt8]]) throws(ModelFileError) -> ModelSignature {
        let header = try ModelReader.readHeader(file)
        guard let block = header.signature else {
            throw ModelFileError(.badSignature, "the file is not signed", offset: header.signedSize)
        }
        guard trustedKeys.contains(block.publicKey) else {
            throw ModelFileError(.untrustedKey, "signed by key \(block.keyID), which is not trusted",
                                 offset: header.signedSize + 8)
        }
        try check(file, header: header, block: block)
        return block
    }

    /// Verifies the signature against the key the block itself names: proves integrity since signing, not trust.
    @discardableResult
    public static func verifyEmbedded(_ file: [UInt8]) throws(ModelFileError) -> ModelSignature? {
        let header = try ModelReader.readHeader(file)
        guard let block = header.signature else { return nil }
        try check(file, header: header, block: block)
        return block
    }

    private static func check(_ file: [UInt8], header: ModelHeader, block: ModelSignature) throws(ModelFileError) {
        try Digest.ensureSodium()
        let rc = file.withUnsafeBufferPointer { f in
            crypto_sign_verify_detached(block.signature, f.baseAddress, UInt64(header.signedSize), block.publicKey)
        }
        guard rc == 0 else {
            throw ModelFileError(.badSignature, "signature does not verify: the file changed after signing or the "
                + "block is forged", offset: header.signedSize)
        }
    }
}
