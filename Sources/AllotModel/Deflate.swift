import CZlib

/// zlib, bounded: the writer deflates at level 9; the reader inflates into exactly the declared size.
package enum Deflate {
    /// Hard cap on the inflated (and compressed) payload: 64 MiB.
    package static let cap = 64 << 20
    /// deflate cannot expand data by more than ~1032:1, so a larger declared ratio is a lie told before
    /// inflating anything; checking it first keeps a tiny file from making us allocate the whole cap.
    static let maxRatio = 1040

    /// Inflates `bytes[range]`, which must be one complete zlib stream producing exactly `size` bytes.
    /// Never allocates more than `size + 1` bytes, whatever the stream claims.
    static func inflate(_ bytes: [UInt8], _ range: Range<Int>, size: Int) throws(ModelFileError) -> [UInt8] {
        let at = range.lowerBound
        guard size >= 0, size <= cap else {
            throw ModelFileError(.badSize, "declared inflated size \(size) is over the \(cap)-byte cap", offset: at)
        }
        guard size <= range.count * maxRatio + 64 else {
            throw ModelFileError(
                .badSize, "declared inflated size \(size) is impossible for \(range.count) deflated bytes",
                offset: at)
        }
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else {
            throw ModelFileError(.truncated, "payload runs past the end of the file", offset: at)
        }
        // One spare byte: if inflate fills it, the stream holds more than declared.
        var out = [UInt8](repeating: 0, count: size + 1)
        var stream = z_stream()
        var rc = inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw ModelFileError(.internal, "zlib inflateInit failed (\(rc))") }
        defer { inflateEnd(&stream) }
        var produced = 0
        var leftIn = 0
        bytes.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = UnsafeMutablePointer(mutating: i.baseAddress! + range.lowerBound)
                stream.avail_in = uInt(range.count)
                stream.next_out = o.baseAddress
                stream.avail_out = uInt(o.count)
                rc = CZlib.inflate(&stream, Z_FINISH)
                produced = o.count - Int(stream.avail_out)
                leftIn = Int(stream.avail_in)
            }
        }
        if rc == Z_STREAM_END {
            guard produced == size else {
                throw ModelFileError(
                    .inflateFailed, "payload inflates to \(produced) bytes, header declares \(size)", offset: at)
            }
            guard leftIn == 0 else {
                throw ModelFileError(
                    .inflateFailed, "\(leftIn) bytes after the end of the deflate stream",
                    offset: range.upperBound - leftIn)
            }
            out.removeLast()
            return out
        }
        if produced > size {
            throw ModelFileError(.inflateFailed, "payload inflates to more than the declared \(size) bytes", offset: at)
        }
        let consumed = range.count - leftIn
        throw ModelFileError(
            .inflateFailed, "payload is not a complete zlib stream (zlib code \(rc))", offset: at + consumed)
    }
}
