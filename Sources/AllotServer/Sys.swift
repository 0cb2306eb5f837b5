import AllotPolicy
import CAllotShims
import Glibc

/// Every system call the server makes, in one place (FlyingFox's `Socket+Glibc`): retries `EINTR`, turns
/// failures into `ServerError` with errno's text, and keeps unsafe pointer juggling out of the protocol code.
package enum Sys {
    package static func errnoText(_ code: Int32 = errno) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return String(cString: s)
    }

    /// Retries a call while it fails with EINTR.
    @inline(__always)
    package static func retrying<T: FixedWidthInteger>(_ body: () -> T) -> T {
        while true {
            let r = body()
            if r == -1 && errno == EINTR { continue }
            return r
        }
    }

    package static var ownUID: UInt32 { getuid() }
    package static var ownGID: UInt32 { getgid() }

    // MARK: Memory

    /// The index of the first `byte` in `bytes`, by `memchr` (vectorised in glibc: the line framer scans every
    /// request byte for its newline, ~7 instructions a byte as a Swift loop).
    package static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress, bytes.count > 0,
            let hit = memchr(base, Int32(byte), bytes.count)
        else { return nil }
        return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
    }

    // MARK: Time

    /// Monotonic seconds: for timeouts and uptime.
    package static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// This process's CPU seconds (user, system; every thread, exited ones included) and its peak resident set in
    /// bytes: what the sidecar costs the device, for `stats` and the metrics.
    package static func processUsage() -> (user: Double, system: Double, maxRSSBytes: Int) {
        var u = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &u) == 0 else { return (0, 0, 0) }
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return (seconds(u.ru_utime), seconds(u.ru_stime), u.ru_maxrss * 1024)  // ru_maxrss is in KiB on Linux
    }

    /// Wall-clock seconds since the epoch: for the budget state, which must survive a restart.
    package static func wallClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    // MARK: Unix sockets

    package static func makeAddress(_ path: String) throws(ServerError) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw ServerError(.config, "socket path must be 1 to \(capacity - 1) bytes: \(path)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return addr
    }

    package static func unixSocket() throws(ServerError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw ServerError(.io, "socket: \(errnoText())") }
        return fd
    }

    /// True when something accepts connections on `path` (a live daemon).
    package static func isLive(_ path: String) -> Bool {
        guard var addr = try? makeAddress(path), let fd = try? unixSocket() else { return false }
        defer { close(fd) }
        let r = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                retrying { connect(fd, sa, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        return r == 0
    }

    package static func bindAndListen(_ fd: Int32, _ path: String, backlog: Int32) throws(ServerError) {
        var addr = try makeAddress(path)
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if r != 0 { throw ServerError(.io, "bind \(path): \(errnoText())") }
        if listen(fd, backlog) != 0 { throw ServerError(.io, "listen \(path): \(errnoText())") }
    }

    package static func accept(_ fd: Int32) -> Int32 {
        retrying { allot_accept_cloexec(fd) }
    }

    package struct PeerCredentials: Sendable, Equatable {
        package var pid: Int32
        package var uid: UInt32
        package var gid: UInt32
    }

    package static func peerCredentials(_ fd: Int32) -> PeerCredentials? {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        guard allot_peercred(fd, &pid, &uid, &gid) == 0 else { return nil }
        return PeerCredentials(pid: pid, uid: uid, gid: gid)
    }

    /// Bounds how long a blocking read or write may wait, so a stalled peer frees its slot.
    package static func setTimeouts(_ fd: Int32, seconds: Double) {
        setTimeout(fd, SO_RCVTIMEO, seconds: seconds)
        setTimeout(fd, SO_SNDTIMEO, seconds: seconds)
    }

    /// Bounds how long a blocking read may wait (a timed-out read fails with EAGAIN).
    package static func setReceiveTimeout(_ fd: Int32, seconds: Double) {
        setTimeout(fd, SO_RCVTIMEO, seconds: seconds)
    }

    private static func setTimeout(_ fd: Int32, _ option: Int32, seconds: Double) {
        let seconds = min(max(seconds, 0), ServerConfig.maxSeconds)  // the flags bound it; Int(_:) would trap past
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        if tv.tv_sec == 0 && tv.tv_usec == 0 { tv.tv_usec = 1 }  // zero would mean no timeout at all
        _ = setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Whether a failed read ran out of its receive timeout.
    package static func timedOut(_ code: Int32 = errno) -> Bool {
        code == EAGAIN || code == EWOULDBLOCK
    }

    /// Whether `fd` is a listening Unix stream socket (for systemd's LISTEN_FDS).
    package static func isListeningUnixSocket(_ fd: Int32) -> Bool {
        var type: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0, type == Int32(SOCK_STREAM.rawValue) else {
            return false
        }
        var accepting: Int32 = 0
        len = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == 0 else { return false }
        var addr = sockaddr_un()
        var alen = socklen_t(MemoryLayout<sockaddr_un>.size)
        let r = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &alen) }
        }
        return r == 0 && addr.sun_family == sa_family_t(AF_UNIX) && accepting != 0
    }

    /// Reads up to `buffer.count` bytes; 0 at EOF; -1 on error or timeout (errno set).
    package static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        retrying { recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    /// Makes each `peek` return the bytes after the last one's (`SO_PEEK_OFF`); false where the kernel cannot.
    package static func enablePeekOffset(_ fd: Int32) -> Bool {
        var zero: Int32 = 0
        return setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    /// Reads like `read` but leaves the bytes on the socket (`MSG_PEEK`).
    package static func peek(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        retrying { recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_PEEK)) }
    }

    /// Takes `count` bytes that a peek has already returned off the socket, through `scratch`; false when the
    /// peer went away. Never waits: the bytes are there.
    package static func discard(_ fd: Int32, _ count: Int, scratch: UnsafeMutableRawBufferPointer) -> Bool {
        var left = count
        while left > 0 {
            let n = retrying { recv(fd, scratch.baseAddress, min(left, scratch.count), Int32(MSG_DONTWAIT)) }
            if n <= 0 { return false }
            left -= n
        }
        return true
    }

    /// A connection's io_uring for `sendThenDiscard` (`allot_ring`, two entries and two small mappings).
    package final class TakeRing {
        fileprivate let ring: OpaquePointer

        /// nil where the kernel has no io_uring or refuses it (`io_uring_disabled`, a seccomp filter).
        package init?() {
            guard TakeRing.available, let r = allot_ring_open() else { return nil }
            ring = r
        }

        deinit { allot_ring_close(ring) }

        /// Probed once, so that a kernel refusing io_uring costs one failed setup, not one per connection.
        package static let available: Bool = {
            guard let r = allot_ring_open() else { return false }
            allot_ring_close(r)
            return true
        }()
    }

    /// Sends `reply`, then takes `take` bytes a peek has already returned off the socket (through `scratch`).
    /// With a ring, both go in one system call: the client woken by the reply runs only after it, so the take
    /// cannot wake it a second time (docs/performance.md, "Taking requests in batches"). What the ring leaves
    /// undone (a full send buffer: it never waits) is finished with plain calls; a ring that fails is dropped
    /// (`ring` set to nil) and the calls are made plainly from then on. False when the peer went away.
    package static func sendThenDiscard(
        _ fd: Int32, _ reply: UnsafeRawBufferPointer, _ take: Int, scratch: UnsafeMutableRawBufferPointer,
        ring: inout TakeRing?
    ) -> Bool {
        var sent = 0
        var taken = 0
        if let r = ring, take > 0, reply.count > 0 {
            if allot_ring_send_take(
                r.ring, fd, reply.baseAddress, reply.count, scratch.baseAddress, min(take, scratch.count), &sent,
                &taken) != 0
            {
                ring = nil
            }
        }
        return writeAll(fd, UnsafeRawBufferPointer(rebasing: reply[sent...]))
            && discard(fd, take - taken, scratch: scratch)
    }

    /// Writes all bytes; false when the peer went away or stalled past the send timeout.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = retrying { send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    // MARK: Files

    /// Reads a whole regular file, refusing files over `limit` bytes. Opened non-blocking, so a FIFO (or a
    /// device) put at the path cannot hang the caller: anything but a regular file is refused.
    package static func readFile(_ path: String, limit: Int) throws(ServerError) -> [UInt8] {
        let fd = retrying { open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        if fd < 0 { throw ServerError(.io, "open \(path): \(errnoText())") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw ServerError(.io, "stat \(path): \(errnoText())") }
        if (st.st_mode & S_IFMT) != S_IFREG { throw ServerError(.io, "\(path) is not a regular file") }
        if st.st_size > limit { throw ServerError(.io, "\(path) is \(st.st_size) bytes, over the \(limit) limit") }
        var out = [UInt8](repeating: 0, count: Int(st.st_size))
        var got = 0
        while got < out.count {
            let n = out.withUnsafeMutableBytes { raw in
                retrying { Glibc.read(fd, raw.baseAddress! + got, raw.count - got) }
            }
            if n < 0 { throw ServerError(.io, "read \(path): \(errnoText())") }
            if n == 0 { break }
            got += n
        }
        if got != out.count { throw ServerError(.io, "\(path) changed size while being read") }
        return out
    }

    /// Writes `bytes` to `path` crash-safely: a temporary file beside it, fsync, rename, then a best-effort fsync
    /// of the directory (a directory that cannot be synced does not fail a save that is already in place, or the
    /// daemon would report every save as failed and rewrite the file at each interval).
    package static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644)
        throws(ServerError)
    {
        do {
            try StateStore.save(bytes, to: path, mode: UInt32(mode), directorySyncRequired: false)
        } catch {
            throw ServerError(.io, error.message)
        }
    }

    /// Removes `<path>.tmp.<pid>` files that `writeFileAtomically` left behind when its process died mid-save
    /// (each restart has a new pid, so nothing else would ever remove them). Returns how many were removed.
    @discardableResult
    package static func removeStaleTemporaries(of path: String) -> Int {
        let dir = StateStore.directory(of: path)
        let prefix = fileName(path) + StateStore.temporaryInfix
        guard let d = opendir(dir) else { return 0 }
        defer { closedir(d) }
        var removed = 0
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count)) else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH && unlink(dir + "/" + name) == 0 {
                removed += 1
            }
        }
        return removed
    }

    /// Whether `path` names something other than a regular file (a device, a FIFO, a directory, ...), following
    /// symbolic links: refused as an output, since a save would put a regular file where it is.
    package static func isSpecialFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG
    }

    /// `path` with its directory resolved (symbolic links, `.`, `..`), so two spellings of one file compare
    /// equal; the file itself need not exist. As given when the directory cannot be resolved.
    package static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(StateStore.directory(of: path), nil) else { return path }
        defer { free(resolved) }
        let d = String(cString: resolved)
        return (d == "/" ? "" : d) + "/" + fileName(path)
    }

    /// The last component of `path`: all of it when it has no slash.
    package static func fileName(_ path: String) -> String {
        path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[path.index(after: $0)...]) } ?? path
    }

    /// The whole path resolved (every symbolic link, `.`, `..`), when it exists.
    package static func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    package enum Move: Equatable {
        case moved, taken
        case failed(String)
    }

    /// Moves `from` to `to` unless something is at `to` already (a hard link, then unlinking `from`: a rename
    /// would replace it).
    package static func moveWithoutReplacing(_ from: String, to: String) -> Move {
        if link(from, to) != 0 { return errno == EEXIST ? .taken : .failed("link \(from) to \(to): \(errnoText())") }
        if unlink(from) != 0 { return .failed("unlink \(from): \(errnoText())") }
        return .moved
    }

    /// Holds an exclusive lock on `path` (created if need be) for as long as the process lives: another process
    /// asking for it gets false at once.
    package static func lockForLife(_ path: String) throws(ServerError) -> Bool {
        let fd = retrying { open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        if fd < 0 { throw ServerError(.io, "open \(path): \(errnoText())") }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }  // the descriptor stays open, and so the lock
        let busy = errno == EWOULDBLOCK
        close(fd)
        if busy { return false }
        throw ServerError(.io, "lock \(path): \(errnoText())")
    }

    package static func fileExists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    package static func environment(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        return String(cString: v)
    }

    /// The running executable's path (needs /proc).
    package static func executablePath() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package static func writeStderr(_ line: String) {
        var l = line
        l.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = retrying { Glibc.write(2, buf.baseAddress! + off, buf.count - off) }
                if n <= 0 { return }
                off += n
            }
        }
    }

    // MARK: Threads and signals

    private final class ThreadBody {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Starts a detached thread. The server uses a thread per connection: blocking I/O on a local socket is the
    /// physical floor, and a stalled client can only ever block its own thread.
    package static func spawn(stackSize: Int = 256 * 1024, _ body: @escaping @Sendable () -> Void)
        throws(ServerError)
    {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attr, stackSize)
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var tid = pthread_t()
        let r = pthread_create(&tid, &attr, { arg in
            let body = Unmanaged<ThreadBody>.fromOpaque(arg!).takeRetainedValue()
            body.run()
            return nil
        }, box)
        if r != 0 {
            Unmanaged<ThreadBody>.fromOpaque(box).release()
            throw ServerError(.io, "pthread_create: \(errnoText(r))")
        }
    }

    package static let handledSignals: [Int32] = [SIGHUP, SIGTERM, SIGINT]

    /// Blocks the handled signals in the calling thread (and the threads it spawns), so only `waitSignal` sees them.
    package static func blockSignals() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in handledSignals { sigaddset(&set, s) }
        return set
    }

    /// Waits up to `seconds` for a handled signal; nil on timeout.
    package static func waitSignal(seconds: Double) -> Int32? {
        var set = signalSet()
        var info = siginfo_t()
        var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        let r = sigtimedwait(&set, &info, &ts)
        return r > 0 ? r : nil
    }
}
