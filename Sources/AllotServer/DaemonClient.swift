import AllotJSON
import Glibc

/// A blocking NDJSON client for the toolkit (`allot install`, `allot replay`): one request, one reply line.
package final class DaemonClient {
    private let fd: Int32
    private var framer = LineFramer(maxLineBytes: 16 << 20)
    private var writer = JSONWriter()

    package init(path: String, timeout: Double = 30) throws(ServerError) {
        // Connected before `self` exists: a class whose init throws after setting every property still runs
        // deinit, which would close the descriptor a second time.
        fd = try Self.connect(path)
        Sys.setTimeouts(fd, seconds: timeout)
    }

    private static func connect(_ path: String) throws(ServerError) -> Int32 {
        var addr = try Sys.makeAddress(path)
        let fd = try Sys.unixSocket()
        let r = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                Sys.retrying { Glibc.connect(fd, sa, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        if r != 0 {
            let reason = Sys.errnoText()
            close(fd)
            throw ServerError(.unavailable, "cannot connect to allotd at \(path): \(reason)")
        }
        return fd
    }

    deinit { close(fd) }

    /// Sends `request` (an object built by `build`) and returns the reply object. A reply with `"ok": false`
    /// is returned as it is, for the caller to read its error.
    package func call(_ build: (inout JSONWriter) -> Void) throws(ServerError) -> [String: JSONValue] {
        writer.reset()
        writer.beginObject()
        build(&writer)
        writer.endObject()
        writer.endLine()
        let sent = writer.bytes.withUnsafeBytes { Sys.writeAll(fd, $0) }
        guard sent else { throw ServerError(.unavailable, "allotd closed the connection") }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if let event = framer.next() {
                guard case .line(let line) = event else { throw ServerError(.tooLarge, "reply too large") }
                do {
                    guard case .object(let o) = try JSONParser.parse(line) else {
                        throw ServerError(.badJSON, "reply is not an object")
                    }
                    return o
                } catch let e as ServerError {
                    throw e
                } catch {
                    throw ServerError(.badJSON, "bad reply: \(error)")
                }
            }
            let n = buffer.withUnsafeMutableBytes { Sys.read(fd, into: $0) }
            if n <= 0 { throw ServerError(.unavailable, "allotd closed the connection or timed out") }
            buffer.withUnsafeBytes { framer.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// The error of a reply, if it is one: `(code, message)`.
    package static func failure(_ reply: [String: JSONValue]) -> (code: String, message: String)? {
        if case .bool(true)? = reply["ok"] { return nil }
        let err = reply["error"]?.objectValue ?? [:]
        return (err["code"]?.stringValue ?? "internal", err["message"]?.stringValue ?? "")
    }
}
