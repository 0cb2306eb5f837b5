import Foundation
import Glibc

/// A real `allotd` process on a temporary socket, as integration tests need it.
final class Daemon: @unchecked Sendable {
    let process = Process()
    let dir: String
    let socket: String
    let stderrPath: String
    private(set) var exitStatus: Int32?

    /// The `allotd` built next to the test bundle.
    static var binary: String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // The test runner may live inside `allotPackageTests.xctest/`.
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("allotd").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("allotd").path
    }

    static func tempDir() -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("allotd-test-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        return base.path
    }

    init(args: [String], dir: String = Daemon.tempDir(), socketName: String = "a.sock", wait: Bool = true) throws {
        self.dir = dir
        socket = dir + "/" + socketName
        stderrPath = dir + "/stderr.log"
        guard FileManager.default.createFile(atPath: stderrPath, contents: nil) else {
            throw DaemonError.io("cannot create \(stderrPath)")
        }
        process.executableURL = URL(fileURLWithPath: Daemon.binary)
        process.arguments = ["--socket", socket] + args
        process.currentDirectoryURL = URL(fileURLWithPath: dir)  // relative paths in `args` are in `dir`
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        if wait { try waitUntilListening() }
    }

    func waitUntilListening(timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning { throw DaemonError.exited(process.terminationStatus, stderr) }
            if let c = try? Client(path: socket) {
                c.close()
                return
            }
            usleep(5000)
        }
        throw DaemonError.timeout(stderr)
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for the process to exit and returns its status.
    @discardableResult
    func wait(timeout: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5000) }
        if process.isRunning { return nil }
        exitStatus = process.terminationStatus
        return exitStatus
    }

    func stop() {
        if process.isRunning {
            signal(SIGTERM)
            if wait() == nil {
                signal(SIGKILL)
                wait()
            }
        }
    }

    deinit { stop() }
}

enum DaemonError: Error, CustomStringConvertible {
    case exited(Int32, String)
    case timeout(String)
    case io(String)

    var description: String {
        switch self {
        case .exited(let s, let e): "allotd exited with \(s): \(e)"
        case .timeout(let e): "allotd did not listen in time: \(e)"
        case .io(let e): e
        }
    }
}

/// What each open descriptor of process `pid` refers to (`/proc/PID/fd` link targets: `socket:[inode]`,
/// `anon_inode:[io_uring]`, a path...).
func descriptorTargets(of pid: Int32) -> [String] {
    let dir = "/proc/\(pid)/fd"
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + $0) }
}

/// A blocking NDJSON client over a Unix socket.
final class Client: @unchecked Sendable {
    let fd: Int32
    private var pending: [UInt8] = []

    init(path: String, timeout: Double = 10) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        if fd < 0 {
            closed = true
            throw DaemonError.io("socket: \(String(cString: strerror(errno)))")
        }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if r != 0 {
            let e = errno
            // deinit runs for a class whose init throws once every property is set: without `closed` it would
            // close this descriptor number a second time, possibly another test's socket opened meanwhile
            // (waitUntilListening fails here many times while a daemon starts).
            close()
            throw DaemonError.io("connect \(path): \(String(cString: strerror(e)))")
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) throws {
        try sendBytes(Array(text.utf8))
    }

    func sendBytes(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }  // a child daemon's SIGCHLD, say
            if n <= 0 { throw DaemonError.io("send: \(String(cString: strerror(errno)))") }
            off += n
        }
    }

    /// Reads one reply line (without the newline); nil at EOF.
    func readLine() throws -> String? {
        while true {
            if let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<nl])
                pending.removeSubrange(...nl)
                return String(decoding: line, as: UTF8.self)
            }
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return nil }
            if n < 0 && errno == EINTR { continue }  // a child daemon's SIGCHLD (Foundation's handler does not restart)
            if n < 0 { throw DaemonError.io("recv: \(String(cString: strerror(errno)))") }
            pending += buf[0..<n]
        }
    }

    /// Sends one request line and parses the reply.
    func call(_ json: String) throws -> [String: Any] {
        try send(json + "\n")
        guard let line = try readLine() else { throw DaemonError.io("EOF") }
        return try Client.parse(line)
    }

    static func parse(_ line: String) throws -> [String: Any] {
        guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw DaemonError.io("reply is not an object: \(line)")
        }
        return obj
    }

    private var closed = false

    func close() {
        if !closed { Glibc.close(fd) }
        closed = true
    }

    deinit { close() }
}
