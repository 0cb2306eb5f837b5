import Foundation
import Testing

/// systemd socket activation: the listening socket arrives as fd 3 with LISTEN_FDS/LISTEN_PID.
@Suite(.serialized)
struct SocketActivationTests {
    @Test func servesOnAnInheritedSocketAndLeavesItsFileAlone() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let sock = dir + "/activated.sock"
        // What systemd does: bind and listen, put the socket on fd 3, set LISTEN_PID to the exec'd pid.
        let launcher = """
            import os, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(sys.argv[1]); s.listen(16)
            os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
            env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
            os.execve(sys.argv[2], [sys.argv[2]] + sys.argv[3:], env)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", launcher, sock, Daemon.binary, "--model", dir + "/m.allot",
                       "--socket", dir + "/ignored.sock"]
        let errPath = dir + "/stderr.log"
        #expect(FileManager.default.createFile(atPath: errPath, contents: nil))
        p.standardError = FileHandle(forWritingAtPath: errPath)
        try p.run()
        defer {
            if p.isRunning { p.terminate() }
            p.waitUntilExit()
        }
        var reply: [String: Any]?
        for _ in 0..<400 where reply == nil {
            if let c = try? Client(path: sock) { reply = try? c.call(#"{"op":"hello"}"#) } else { usleep(10_000) }
        }
        #expect(reply?["ok"] as? Bool == true)
        let log = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        #expect(log.contains("systemd socket"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/ignored.sock"))
        p.terminate()  // SIGTERM: drain and exit 0; the socket file belongs to systemd and stays
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: sock))
    }
}
