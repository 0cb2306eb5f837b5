import AllotModel
import CZlib

extension Deflate {
    /// zlib level 9. Only writers link it: `allotd` inflates and never needs deflate's code.
    package static func compress(_ input: [UInt8]) throws(ModelFileError) -> [UInt8] {
        var destLen = compressBound(uLong(input.count))
        var out = [UInt8](repeating: 0, count: Int(destLen))
        let rc = out.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { i in
                compress2(o.baseAddress, &destLen, i.baseAddress, uLong(i.count), 9)
            }
        }
        guard rc == Z_OK else { throw ModelFileError(.internal, "zlib compress2 failed (\(rc))") }
        out.removeLast(out.count - Int(destLen))
        return out
    }
}
