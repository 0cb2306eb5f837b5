import AllotModel
import AllotModelWriter
import Testing

@Suite struct ModelSignerTests {
    let file = (try? ModelWriter.encode(TestModels.random(seed: 9))) ?? []
    let key = try! ModelSigner.keypair(seed: [UInt8](repeating: 1, count: 32))
    let other = try! ModelSigner.keypair(seed: [UInt8](repeating: 2, count: 32))

    @Test func signThenVerify() throws {
        var f = file
        try ModelSigner.sign(&f, secretKey: key.secretKey)
        #expect(f.count == file.count + ModelSignature.blockSize)
        #expect(Array(f[..<file.count]) == file, "signing only appends")
        let block = try ModelSigner.verify(f, trustedKeys: [other.publicKey, key.publicKey])
        #expect(block.publicKey == key.publicKey)
        #expect(try ModelReader.decode(f) == ModelReader.decode(file))
        #expect(try ModelSigner.verifyEmbedded(f) != nil)
        #expect(try ModelSigner.verifyEmbedded(file) == nil)
    }

    @Test func resignReplacesTheBlock() throws {
        var f = file
        try ModelSigner.sign(&f, secretKey: key.secretKey)
        try ModelSigner.sign(&f, secretKey: other.secretKey)
        #expect(f.count == file.count + ModelSignature.blockSize)
        #expect(throws: ModelFileError.self) { try ModelSigner.verify(f, trustedKeys: [key.publicKey]) }
        try ModelSigner.verify(f, trustedKeys: [other.publicKey])
    }

    @Test func wrongKeyAndUnsignedAreRefused() throws {
        var f = file
        #expect(throws: ModelFileError.self) { try ModelSigner.verify(f, trustedKeys: [key.publicKey]) }
        try ModelSigner.sign(&f, secretKey: key.secretKey)
        do {
            try ModelSigner.verify(f, trustedKeys: [other.publicKey])
            Issue.record("accepted an untrusted key")
        } catch { #expect(error.code == .untrustedKey) }
    }

    @Test func tamperingAnywhereIsDetected() throws {
        var signed = file
        try ModelSigner.sign(&signed, secretKey: key.secretKey)
        for i in stride(from: 0, to: signed.count, by: 1) {
            var f = signed
            f[i] ^= 0x10
            #expect(throws: ModelFileError.self, "byte \(i)") {
                try ModelSigner.verify(f, trustedKeys: [key.publicKey])
                _ = try ModelReader.decode(f)
            }
        }
    }

    @Test func forgedBlockWithTrustedKeyFails() throws {
        var f = file
        try ModelSigner.sign(&f, secretKey: other.secretKey)
        // Swap in the trusted public key but keep the other key's signature.
        f.replaceSubrange((file.count + 8)..<(file.count + 40), with: key.publicKey)
        do {
            try ModelSigner.verify(f, trustedKeys: [key.publicKey])
            Issue.record("accepted a forged block")
        } catch { #expect(error.code == .badSignature) }
    }

    @Test func keyFilesRoundTrip() throws {
        let fresh = try ModelSigner.keygen()
        #expect(try ModelKeyFile.decodePublic(ModelKeyFile.encode(publicKey: fresh.publicKey)) == fresh.publicKey)
        #expect(try ModelKeyFile.decodeSecret(ModelKeyFile.encode(secretKey: fresh.secretKey)) == fresh.secretKey)
        #expect(throws: ModelFileError.self) { try ModelKeyFile.decodePublic(ModelKeyFile.encode(secretKey: fresh.secretKey)) }
        #expect(throws: ModelFileError.self) { try ModelKeyFile.decodePublic("allot-ed25519-public-key-v1\nzz\n") }
        var bad = fresh.secretKey
        bad[40] ^= 1
        #expect(throws: ModelFileError.self) { try ModelKeyFile.decodeSecret(ModelKeyFile.encode(secretKey: bad)) }
    }
}
