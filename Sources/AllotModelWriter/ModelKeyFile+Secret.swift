import AllotModel

extension ModelKeyFile {
    /// Decodes and checks a secret key file (the public half must derive from the seed).
    public static func decodeSecret(_ text: String) throws(ModelFileError) -> [UInt8] {
        let sk = try decode(text, header: secretHeader, size: ModelSigner.secretKeySize)
        _ = try ModelSigner.publicKey(ofSecretKey: sk)
        return sk
    }
}
