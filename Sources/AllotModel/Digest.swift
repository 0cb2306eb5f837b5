import CSodium
import CZlib

/// The two checksums of the format: CRC-32 (zlib) and SHA-256 (libsodium), and libsodium's one-time setup.
package enum Digest {
    /// `sodium_init` is idempotent and thread-safe; call it before any libsodium use.
    package static func ensureSodium() throws(ModelFileError) {
        guard sodium_init() >= 0 else { throw ModelFileError(.internal, "libsodium failed to initialise") }
    }

    package static func crc32(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        guard !range.isEmpty else { return 0 }
        return bytes.withUnsafeBufferPointer { b in
            UInt32(truncatingIfNeeded: CZlib.crc32(0, b.baseAddress! + range.lowerBound, uInt(range.count)))
        }
    }

    /// SHA-256 of `bytes[0..<end]` with the 32 bytes at `zeroed` hashed as zeros (the header's own digest field).
    package static func sha256(_ bytes: [UInt8], end: Int, zeroing zeroed: Range<Int>) throws(ModelFileError) -> [UInt8] {
        try ensureSodium()
        precondition(zeroed.lowerBound >= 0 && zeroed.upperBound <= end && end <= bytes.count)
        var state = crypto_hash_sha256_state()
        var out = [UInt8](repeating: 0, count: 32)
        let zeros = [UInt8](repeating: 0, count: zeroed.count)
        bytes.withUnsafeBufferPointer { b in
            let base = b.baseAddress!
            crypto_hash_sha256_init(&state)
            crypto_hash_sha256_update(&state, base, UInt64(zeroed.lowerBound))
            crypto_hash_sha256_update(&state, zeros, UInt64(zeros.count))
            crypto_hash_sha256_update(&state, base + zeroed.upperBound, UInt64(end - zeroed.upperBound))
            crypto_hash_sha256_final(&state, &out)
        }
        return out
    }

    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var s: [UInt8] = []
        s.reserveCapacity(bytes.count * 2)
        for b in bytes {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 15)])
        }
        return String(decoding: s, as: UTF8.self)
    }

    /// Lower- or upper-case hex to bytes; nil on odd length or a non-hex digit.
    package static func unhex<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
