/// The fixed, uncompressed front of an `.allot` file: everything a fleet tool or `allotd` needs to decide
/// whether to load a file (identity, version, sizes, digests) without inflating anything.
///
/// Layout (little-endian; see docs/model-format.md):
/// ```
///  0  8  magic 89 41 4C 4C 4F 54 0D 0A ("\x89ALLOT\r\n")
///  8  2  major            10  2  minor
/// 12  4  header length H (offset of the payload)
/// 16  8  model version    24  8  created at (i64, Unix seconds)
/// 32  4  compressed payload size C
/// 36  4  inflated payload size
/// 40  4  CRC-32 of the C compressed payload bytes
/// 44  4  reserved (0)
/// 48 32  SHA-256 of bytes [0, H + C) with these 32 bytes taken as zeros
/// 80  1  id length    81  1  cost-unit length    82  2  reserved (0)
/// 84     id (UTF-8), cost unit (UTF-8), then H - 84 - lengths bytes a later minor may define
/// ```
/// The payload occupies `[H, H + C)`; an optional 104-byte signature block follows it (`ModelSignature`).
public struct ModelHeader: Sendable, Equatable {
    public static let magic: [UInt8] = [0x89, 0x41, 0x4C, 0x4C, 0x4F, 0x54, 0x0D, 0x0A]
    /// The major version this library reads and writes; a file with another major is refused.
    public static let currentMajor: UInt16 = 1
    /// The minor version this library writes; files of any minor of the same major are read (unknown sections
    /// are skipped).
    public static let currentMinor: UInt16 = 0
    package static let fixedSize = 84
    package static let shaRange = 48..<80
    static let maxHeaderSize = 4096
    static let maxIdBytes = 255
    static let maxUnitBytes = 64

    public var major: UInt16
    public var minor: UInt16
    public var info: ModelInfo
    /// Bytes from the start of the file to the payload.
    public var headerSize: Int
    public var compressedSize: Int
    public var inflatedSize: Int
    /// zlib CRC-32 of the compressed payload bytes as stored.
    public var payloadCRC32: UInt32
    /// SHA-256 of the file up to the end of the payload, digest field zeroed.
    public var sha256: [UInt8]
    /// The signature block, if the file carries one (not verified by `ModelReader.readHeader`).
    public var signature: ModelSignature?

    /// Offset of the end of the payload, where the signature block (if any) starts.
    public var signedSize: Int { headerSize + compressedSize }

    /// Serializes the header with the given digests (the writer fills the SHA-256 in a second pass).
    package static func encode(info: ModelInfo, minor: UInt16 = currentMinor, compressedSize: Int, inflatedSize: Int,
                       crc: UInt32) throws(ModelFileError) -> [UInt8] {
        let id = Array(info.id.utf8)
        let unit = Array(info.costUnit.utf8)
        guard !id.isEmpty, id.count <= maxIdBytes else {
            throw ModelFileError(.badString, "model id must be 1...\(maxIdBytes) UTF-8 bytes, is \(id.count)")
        }
        guard !unit.isEmpty, unit.count <= maxUnitBytes else {
            throw ModelFileError(.badString, "cost unit must be 1...\(maxUnitBytes) UTF-8 bytes, is \(unit.count)")
        }
        guard compressedSize <= Deflate.cap, inflatedSize <= Deflate.cap else {
            throw ModelFileError(.badSize, "payload over the \(Deflate.cap)-byte cap")
        }
        var w = ByteWriter()
        w.bytes = magic
        w.u16(currentMajor)
        w.u16(minor)
        w.u32(UInt32(fixedSize + id.count + unit.count))
        w.u64(info.version)
        w.u64(UInt64(bitPattern: info.createdAt))
        w.u32(UInt32(compressedSize))
        w.u32(UInt32(inflatedSize))
        w.u32(crc)
        w.u32(0)
        w.bytes += [UInt8](repeating: 0, count: 32)
        w.u8(UInt8(id.count))
        w.u8(UInt8(unit.count))
        w.u16(0)
        w.bytes += id
        w.bytes += unit
        return w.bytes
    }

    /// Parses and range-checks the header and the signature block's framing. Checks no digest.
    static func decode(_ bytes: [UInt8]) throws(ModelFileError) -> ModelHeader {
        var r = ByteReader(bytes)
        let magicAt = try r.take(magic.count, "magic")
        guard bytes[magicAt..<(magicAt + magic.count)].elementsEqual(magic) else {
            throw ModelFileError(.badMagic, "not an .allot model file (bad magic)", offset: 0)
        }
        let major = try r.u16("major version")
        let minor = try r.u16("minor version")
        guard major == currentMajor else {
            throw ModelFileError(
                .unsupportedVersion,
                "file format version \(major).\(minor) is not supported by this reader (reads major \(currentMajor),"
                    + " writes \(currentMajor).\(currentMinor))", offset: 8)
        }
        let headerAt = r.position
        let headerSize = Int(try r.u32("header length"))
        let version = try r.u64("model version")
        let createdAt = Int64(bitPattern: try r.u64("creation time"))
        let compressedAt = r.position
        let compressedSize = Int(try r.u32("compressed size"))
        let inflatedAt = r.position
        let inflatedSize = Int(try r.u32("inflated size"))
        let crc = try r.u32("payload CRC-32")
        _ = try r.u32("reserved")
        let shaAt = try r.take(32, "SHA-256")
        let sha = Array(bytes[shaAt..<(shaAt + 32)])
        let idCount = Int(try r.u8("id length"))
        let unitCount = Int(try r.u8("cost unit length"))
        _ = try r.u16("reserved")
        guard idCount >= 1, unitCount >= 1, unitCount <= maxUnitBytes else {
            throw ModelFileError(.badString, "model id and cost unit must not be empty; unit at most "
                + "\(maxUnitBytes) bytes", offset: 80)
        }
        guard headerSize >= fixedSize + idCount + unitCount, headerSize <= maxHeaderSize else {
            throw ModelFileError(.badSize, "header length \(headerSize) is inconsistent with its strings "
                + "(needs \(fixedSize + idCount + unitCount)...\(maxHeaderSize))", offset: headerAt)
        }
        guard compressedSize <= Deflate.cap else {
            throw ModelFileError(.badSize, "compressed size \(compressedSize) is over the \(Deflate.cap)-byte cap",
                                 offset: compressedAt)
        }
        guard inflatedSize <= Deflate.cap else {
            throw ModelFileError(.badSize, "inflated size \(inflatedSize) is over the \(Deflate.cap)-byte cap",
                                 offset: inflatedAt)
        }
        let id = try stringAt(bytes, r.position, idCount, "model id")
        let unit = try stringAt(bytes, r.position + idCount, unitCount, "cost unit")
        let end = headerSize + compressedSize
        guard end <= bytes.count else {
            throw ModelFileError(.truncated, "file has \(bytes.count) bytes, header and payload need \(end)",
                                 offset: bytes.count)
        }
        let signature = try ModelSignature.decode(bytes, at: end)
        return ModelHeader(
            major: major, minor: minor,
            info: ModelInfo(id: id, version: version, createdAt: createdAt, costUnit: unit),
            headerSize: headerSize, compressedSize: compressedSize, inflatedSize: inflatedSize,
            payloadCRC32: crc, sha256: sha, signature: signature)
    }

    private static func stringAt(_ bytes: [UInt8], _ at: Int, _ n: Int, _ what: String) throws(ModelFileError)
        -> String
    {
        guard at + n <= bytes.count else {
            throw ModelFileError(.truncated, "\(what) runs past the end of the file", offset: at)
        }
        guard let s = String(validating: bytes[at..<(at + n)], as: UTF8.self) else {
            throw ModelFileError(.badString, "\(what) is not valid UTF-8", offset: at)
        }
        return s
    }
}
