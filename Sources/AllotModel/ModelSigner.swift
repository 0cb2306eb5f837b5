import CSodium

/// Ed25519 signatures over `.allot` files (libsodium).
///
/// A signature covers every byte of the file before the signature block: the header (with its SHA-256) and
/// the compressed payload. Trust comes from the verifier's list of public keys, never from the file: the key in
/// the block only says which trusted key to try.
public enum ModelSigner {
    public static let publicKeySize = 32
    public static let secretKeySize = 64

    /// A fresh key pair from the system's CSPRNG. The secret key is libsodium's 64 bytes (seed ‖ public key).
    public static func keygen() throws(ModelFileError) -> (publicKey: [UInt8], secretKey: [UInt8]) {
        try Digest.ensureSodium()
        var pk = [UInt8](repeating: 0, count: publicKeySize)
        var sk = [UInt8](repeating: 0, count: secretKeySize)
        guard crypto_sign_keypair(&pk, &sk) == 0 else { throw ModelFileError(.internal, "crypto_sign_keypair failed") }
        return (pk, sk)
    }

    /// The key pair of a 32-byte seed: deterministic, for tests and derived keys.
    public static func keypair(seed: [UInt8]) throws(ModelFileError) -> (publicKey: [UInt8], secretKey: [UInt8]) {
        try Digest.ensureSodium()
        guard seed.count == 32 else { throw ModelFileError(.badKey, "a seed is 32 bytes, got \(seed.count)") }
        var pk = [UInt8](repeating: 0, count: publicKeySize)
        var sk = [UInt8](repeating: 0, count: secretKeySize)
        guard crypto_sign_seed_keypair(&pk, &sk, seed) == 0 else {
            throw ModelFileError(.internal, "crypto_sign_seed_keypair failed")
        }
        return (pk, sk)
    }

    /// Checks that a 64-byte secret key is consistent (its public half derives from its seed) and returns the
    /// public key.
    public static func publicKey(ofSecretKey sk: [UInt8]) throws(ModelFileError) -> [UInt8] {
        guard sk.count == secretKeySize else { throw ModelFileError(.badKey, "a secret key is 64 bytes, got \(sk.count)") }
        let derived = try keypair(seed: Array(sk[0..<32]))
        guard derived.secretKey == sk else { throw ModelFileError(.badKey, "secret key halves do not match") }
        return derived.publicKey
    }

    /// Signs a valid file in place, adding or replacing its signature block.
    public static func sign(_ file: inout [UInt8], secretKey: [UInt8]) throws(ModelFileError) {
        let pk = try publicKey(ofSecretKey: secretKey)
        let (header, _) = try ModelReader.decodeWithHeader(file)
        let end = header.signedSize
        var sig = [UInt8](repeating: 0, count: 64)
        let rc = file.withUnsafeBufferPointer { f in
            crypto_sign_detached(&sig, nil, f.baseAddress, UInt64(end), secretKey)
        }
        guard rc == 0 else { throw ModelFileError(.internal, "crypto_sign_detached failed") }
        file.removeSubrange(end...)
        file += ModelSignature(publicKey: pk, signature: sig).encode()
    }

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
