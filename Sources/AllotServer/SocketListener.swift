import AllotPolicy
import Glibc

/// The listening socket, created the careful way (tailscale's safesocket): refuse when a live daemon answers on
/// the path, remove only a stale *socket* file, bind under a tight umask so the file is never more open than
/// asked, then set the exact mode. Under systemd socket activation the inherited descriptor is used instead.
package struct SocketListener: Sendable {
    package let fd: Int32
    /// The path we created and must remove at exit; nil when systemd owns the socket.
    package let ownedPath: String?
    package let description: String

    package static func open(path: String, mode: mode_t) throws(ServerError) -> SocketListener {
        if let fd = activatedDescriptor() {
            return SocketListener(fd: fd, ownedPath: nil, description: "systemd socket (fd \(fd))")
        }
        if Sys.isLive(path) {
            throw ServerError(.config, "\(path) is already in use by a live allotd; stop it or pick another --socket")
        }
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else {
                throw ServerError(.config, "\(path) exists and is not a socket; refusing to remove it")
            }
            if unlink(path) != 0 { throw ServerError(.io, "removing stale socket \(path): \(Sys.errnoText())") }
        }
        let dir = StateStore.directory(of: path)
        if !Sys.fileExists(dir) && mkdir(dir, 0o755) != 0 && errno != EEXIST {
            throw ServerError(.io, "creating \(dir): \(Sys.errnoText())")
        }
        let fd = try Sys.unixSocket()
        let old = umask(0o777 & ~mode)
        defer { umask(old) }
        do {
            try Sys.bindAndListen(fd, path, backlog: 512)
        } catch {
            close(fd)
            throw error
        }
        if chmod(path, mode) != 0 {
            close(fd)
            unlink(path)
            throw ServerError(.io, "chmod \(path): \(Sys.errnoText())")
        }
        return SocketListener(fd: fd, ownedPath: path, description: path)
    }

    /// systemd's protocol: LISTEN_PID is us and LISTEN_FDS >= 1; the first descriptor is 3.
    private static func activatedDescriptor() -> Int32? {
        guard let pid = Sys.environment("LISTEN_PID"), Int32(pid) == getpid(),
            let n = Sys.environment("LISTEN_FDS"), let count = Int(n), count >= 1,
            Sys.isListeningUnixSocket(3)
        else { return nil }
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        _ = fcntl(3, F_SETFD, FD_CLOEXEC)
        return 3
    }

    /// Stops accepting. Wakes a thread blocked in accept, then removes the socket file we made.
    package func shutdown() {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
        if let p = ownedPath { unlink(p) }
    }
}
