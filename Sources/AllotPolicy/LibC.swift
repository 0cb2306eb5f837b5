#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// Every libc call of AllotPolicy lives here: the pacer's log/exp and the state file's I/O.

extension Double {
    /// Natural logarithm (libm).
    @inline(__always) var log: Double { libmLog(self) }
    /// e to the power of `self` (libm).
    @inline(__always) var exp: Double { libmExp(self) }
}

@inline(__always) private func libmLog(_ x: Double) -> Double { log(x) }
@inline(__always) private func libmExp(_ x: Double) -> Double { exp(x) }
private func libcRename(_ a: String, _ b: String) -> Int32 { rename(a, b) }
private func libcUnlink(_ p: String) -> Int32 { unlink(p) }
private func libcRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { read(fd, p, n) }

/// Thin wrappers over the file system calls `StateStore` needs; each returns errno on failure.
enum SystemFile {
    static func errnoText(_ e: Int32) -> String {
        guard let s = strerror(e) else { return "errno \(e)" }
        return "\(String(cString: s)) (errno \(e))"
    }

    /// Writes `bytes` to `path` (created 0600, truncated), retrying EINTR and short writes, then fsyncs.
    static func writeSync(_ path: String, _ bytes: [UInt8], mode: UInt32 = 0o600) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { return errno }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                let e = n < 0 ? errno : EIO  // a write that makes no progress would loop forever
                close(fd)
                return e
            }
            done += n
        }
        if fsync(fd) != 0 {
            let e = errno
            close(fd)
            return e
        }
        return close(fd) == 0 ? 0 : errno
    }

    static func rename(_ from: String, _ to: String) -> Int32 {
        libcRename(from, to) == 0 ? 0 : errno
    }

    static func unlink(_ path: String) { _ = libcUnlink(path) }

    /// fsyncs a directory so a rename in it is durable.
    static func syncDirectory(_ path: String) -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        let r = fsync(fd) == 0 ? 0 : errno
        close(fd)
        return r
    }

    /// Reads a whole file of at most `limit` bytes.
    static func read(_ path: String, limit: Int) -> (bytes: [UInt8], errno: Int32) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return ([], errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { libcRead(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return ([], errno)
            }
            if n == 0 { return (out, 0) }
            out += chunk[0..<n]
            if out.count > limit { return ([], EFBIG) }
        }
    }

    static func processID() -> Int32 { getpid() }
    static var noEntry: Int32 { ENOENT }
}
