/// Reads `.allot` files without trusting them: every size, count, index and number is checked, every failure is
/// a `ModelFileError` naming the problem and its byte offset, and no input can crash, trap or hang the reader
/// or make it allocate more than the 64 MiB payload cap.
public enum ModelReader {
    /// Parses the header (and the signature block's framing) without inflating or hashing anything.
    ///
    /// Checks the magic, the major version, the header's own sizes and that the file is long enough for the
    /// declared payload; it does not check digests or signatures.
    public static func readHeader(_ bytes: [UInt8]) throws(ModelFileError) -> ModelHeader {
        try ModelHeader.decode(bytes)
    }

    /// Checks the file's integrity (SHA-256 and CRC-32) without inflating: what a fleet tool runs before
    /// copying a file. `decode` does this too.
    public static func checkIntegrity(_ bytes: [UInt8]) throws(ModelFileError) -> ModelHeader {
        let header = try ModelHeader.decode(bytes)
        let sha = try Digest.sha256(bytes, end: header.signedSize, zeroing: ModelHeader.shaRange)
        guard sha == header.sha256 else {
            throw ModelFileError(.checksumMismatch, "SHA-256 of the file does not match its header", offset: 48)
        }
        let crc = Digest.crc32(bytes, header.headerSize..<header.signedSize)
        guard crc == header.payloadCRC32 else {
            throw ModelFileError(.checksumMismatch, "payload CRC-32 does not match its header", offset: 40)
        }
        return header
    }

    /// Decodes and validates a whole file: header, digests, bounded inflate, every section.
    ///
    /// A signature block, if present, is parsed but not verified: use `ModelSigner.verify` against the keys you
    /// trust (`allotd` does, when configured with keys).
    public static func decode(_ bytes: [UInt8]) throws(ModelFileError) -> AllotModelFile {
        try decodeWithHeader(bytes).model
    }

    /// `decode`, also returning the header (sizes, digests, signature block).
    public static func decodeWithHeader(_ bytes: [UInt8]) throws(ModelFileError)
        -> (header: ModelHeader, model: AllotModelFile)
    {
        let header = try checkIntegrity(bytes)
        let payload = try Deflate.inflate(bytes, header.headerSize..<header.signedSize, size: header.inflatedSize)
        let model = try ModelPayload.decode(payload, header: header)
        try ModelValidator.validate(model)
        return (header, model)
    }
}
