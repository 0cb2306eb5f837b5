import AllotModel

/// Writes `.allot` files. Deterministic: the same model gives the same bytes (the creation time is a field of
/// `ModelInfo`, never the clock), given the same zlib.
public enum ModelWriter {
    /// Encodes a model, unsigned. Throws if the model breaks a rule of the format, so every file written is one
    /// `ModelReader.decode` accepts and decodes back to an equal model.
    public static func encode(_ model: AllotModelFile) throws(ModelFileError) -> [UInt8] {
        try ModelValidator.validate(model)
        let payload = ModelPayload.encode(model)
        let deflated = try Deflate.compress(payload)
        return try assemble(info: model.info, minor: ModelHeader.currentMinor, deflated: deflated,
                            inflatedSize: payload.count)
    }

    /// Rewrites the header of a valid file with a new version (and optionally id), keeping the payload bytes.
    /// The old signature no longer matches, so it is dropped: sign the result again.
    public static func restamp(_ bytes: [UInt8], version: UInt64, id: String? = nil) throws(ModelFileError)
        -> [UInt8]
    {
        let (header, _) = try ModelReader.decodeWithHeader(bytes)
        let known = ModelHeader.fixedSize + header.info.id.utf8.count + header.info.costUnit.utf8.count
        guard header.headerSize == known else {
            throw ModelFileError(.unsupportedVersion, "the header of this \(header.major).\(header.minor) file has "
                + "\(header.headerSize - known) bytes this version does not know; restamp it with a newer allot",
                offset: known)
        }
        var info = header.info
        info.version = version
        if let id { info.id = id }
        let deflated = Array(bytes[header.headerSize..<header.signedSize])
        return try assemble(info: info, minor: header.minor, deflated: deflated, inflatedSize: header.inflatedSize)
    }

    package static func assemble(info: ModelInfo, minor: UInt16, deflated: [UInt8], inflatedSize: Int)
        throws(ModelFileError) -> [UInt8]
    {
        let crc = Digest.crc32(deflated, 0..<deflated.count)
        var file = try ModelHeader.encode(info: info, minor: minor, compressedSize: deflated.count,
                                          inflatedSize: inflatedSize, crc: crc)
        file += deflated
        let sha = try Digest.sha256(file, end: file.count, zeroing: ModelHeader.shaRange)
        file.replaceSubrange(ModelHeader.shaRange, with: sha)
        return file
    }
}
