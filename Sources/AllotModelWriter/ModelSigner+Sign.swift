import AllotModel
import CSodium

extension ModelSigner {
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
}
