import Foundation
import Testing

/// Reload, drain, restart, socket-path safety, limits and access, on the real binary.
@Suite(.serialized)
struct LifecycleTests {
    @Test func reloadUnderLoadFailsNoRequestAndSwapsTheModel() throws {
        let dir = Daemon.tempDir()
        let model = dir + "/m.allot"
        try TestModel.write(to: model, version: 1)
        let d = try Daemon(args: ["--model", model], dir: dir)
        let stop = Flag()
        let progress = Counter()
        let socket = d.socket
        let outcome = Counter()
        let failures = Counter()
        let load = Background {
            _ = try? onThreads(8) { k in
                let c = try Client(path: socket)
                var ok = 0
                while !stop.isSet || ok < 20 {
                    let r = try c.call(#"{"op":"route","text":"load \#(k)","signals":{"probe_agree":0}}"#)
                    if r["ok"] as? Bool == true { ok += 1; outcome.add() } else { failures.add() }
                    progress.add()
                }
                return ok
            }
        }
        let admin = try Client(path: d.socket)
        let deadline = Date().addingTimeInterval(30)
        while progress.value < 50 && Date() < deadline { usleep(10_000) }
        for v in 2...6 {
            try TestModel.write(to: model, version: UInt64(v))
            if v % 2 == 0 {
                let r = try admin.call(#"{"op":"reload"}"#)
                #expect(r["ok"] as? Bool == true)
            } else {
                d.signal(SIGHUP)
            }
            usleep(50_000)
        }
        usleep(100_000)
        stop.set()
        load.wait()
        #expect(failures.value == 0)
        #expect(outcome.value >= 8 * 20)
        let hello = try admin.call(#"{"op":"hello"}"#)
        #expect((hello["model"] as? [String: Any])?["version"] as? Int == 6)
    }

    @Test func aBadModelAtReloadIsRejectedAndTheOldOneKeepsServing() throws {
        let dir = Daemon.tempDir()
        let model = dir + "/m.allot"
        try TestModel.write(to: model, version: 3)
        let d = try Daemon(args: ["--model", model], dir: dir)
        let c = try Client(path: d.socket)
        let good = try Data(contentsOf: URL(fileURLWithPath: model))
        var corrupt = good
        corrupt[corrupt.count / 2] ^= 0x40
        let cases: [(String, Data?)] = [
            ("corrupt", corrupt), ("truncated", good.prefix(good.count / 3)), ("missing", nil),
            ("random", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })),
        ]
        for (name, bytes) in cases {
            if let bytes { try bytes.write(to: URL(fileURLWithPath: model)) } else { unlink(model) }
            let r = try c.call(#"{"op":"reload","id":"\#(name)"}"#)
            #expect(r["ok"] as? Bool == false, "\(name)")
            #expect((r["error"] as? [String: Any])?["code"] as? String == "unavailable", "\(name)")
            let route = try c.call(#"{"op":"route","text":"still there?"}"#)
            #expect(route["ok"] as? Bool == true, "\(name)")
            let stats = try c.call(#"{"op":"stats"}"#)
            let last = try #require(stats["last_reload"] as? [String: Any])
            #expect(last["ok"] as? Bool == false)
            #expect((last["message"] as? String)?.isEmpty == false)
            #expect((stats["model"] as? [String: Any])?["version"] as? Int == 3)
        }
        // an older version is refused (anti-downgrade) unless allowed
        try TestModel.write(to: model, version: 2)
        let down = try c.call(#"{"op":"reload"}"#)
        #expect(down["ok"] as? Bool == false)
        #expect(((down["error"] as? [String: Any])?["message"] as? String)?.contains("older") == true)
        #expect(d.stderr.contains("event=reload ok=false"))
    }

    @Test func sigtermDrainsSavesStateAndARestartResumesIt() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let args = ["--model", dir + "/m.allot", "--state", dir + "/state.bin", "--budget", "3"]
        let d = try Daemon(args: args, dir: dir)
        let c = try Client(path: d.socket)
        for i in 0..<50 {
            let r = try c.call(#"{"op":"route","text":"q\#(i)","signals":{"probe_agree":0}}"#)
            if i % 2 == 0, let t = r["ticket"] as? String { _ = try c.call(#"{"op":"report","ticket":"\#(t)","cost":9}"#) }
        }
        let before = try c.call(#"{"op":"stats"}"#)
        d.signal(SIGTERM)
        #expect(d.wait() == 0)
        #expect(!FileManager.default.fileExists(atPath: d.socket))  // the socket file is removed on exit
        let again = try Daemon(args: args, dir: dir)
        let after = try Client(path: again.socket).call(#"{"op":"stats"}"#)
        #expect(after["routes"] as? Int == 50)
        #expect(after["reports"] as? Int == 25)
        #expect(after["outstanding"] as? Int == before["outstanding"] as? Int)
        let l0 = try #require(before["lambda"] as? Double)
        let l1 = try #require(after["lambda"] as? Double)
        #expect(abs(l0 - l1) <= 1e-12 * max(1, l0))
        #expect(again.stderr.contains("state_restored=true"))
    }

    @Test func aSecondDaemonRefusesALiveSocketAndAStaleOneIsReplaced() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let first = try Daemon(args: ["--model", dir + "/m.allot"], dir: dir)
        let second = try Daemon(args: ["--model", dir + "/m.allot"], dir: dir, wait: false)
        #expect(second.wait() == 64)
        #expect(second.stderr.contains("already in use"))
        #expect(try Client(path: first.socket).call(#"{"op":"hello"}"#)["ok"] as? Bool == true)
        // a stale socket (its daemon killed -9) is replaced
        first.signal(SIGKILL)
        first.wait()
        #expect(FileManager.default.fileExists(atPath: first.socket))
        let third = try Daemon(args: ["--model", dir + "/m.allot"], dir: dir)
        #expect(try Client(path: third.socket).call(#"{"op":"hello"}"#)["ok"] as? Bool == true)
        // a regular file at the path is never removed
        let other = dir + "/not-a-socket"
        #expect(FileManager.default.createFile(atPath: other, contents: Data("keep".utf8)))
        let fourth = try Daemon(args: ["--model", dir + "/m.allot"], dir: dir, socketName: "not-a-socket", wait: false)
        #expect(fourth.wait() == 64)
        #expect((try? String(contentsOfFile: other, encoding: .utf8)) == "keep")
    }

    @Test func socketModeIsAsConfigured() throws {
        for (flag, expected) in [([String](), 0o660), (["--mode", "0600"], 0o600)] {
            let dir = Daemon.tempDir()
            try TestModel.write(to: dir + "/m.allot")
            let d = try Daemon(args: ["--model", dir + "/m.allot"] + flag, dir: dir)
            let attrs = try FileManager.default.attributesOfItem(atPath: d.socket)
            #expect((attrs[.posixPermissions] as? Int) == expected)
            #expect((attrs[.ownerAccountID] as? Int) == Int(getuid()))
        }
    }

    @Test func peersOutsideTheAllowListAreRefused() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        // the test's own uid is not on the list
        let d = try Daemon(args: ["--model", dir + "/m.allot", "--allow-uid", "4242", "--admin-uid", "4242"], dir: dir)
        let c = try Client(path: d.socket)
        let r = try Client.parse(try #require(try c.readLine()))
        #expect((r["error"] as? [String: Any])?["code"] as? String == "forbidden")
        #expect(try c.readLine() == nil)  // then closed
        #expect(d.stderr.contains("event=peer_refused"))
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.fileExists(atPath: "/usr/bin/setpriv")
        && FileManager.default.fileExists(atPath: "/usr/bin/python3")))
    func aSecondUserIsRefusedByCredentialsAndTheAdminListGatesReload() throws {
        let dir = Daemon.tempDir()
        chmod(dir, 0o755)
        try TestModel.write(to: dir + "/m.allot")
        // mode 0666 lets the other user reach the socket, so the refusal below comes from SO_PEERCRED
        let d = try Daemon(args: ["--model", dir + "/m.allot", "--mode", "0666"], dir: dir)
        let script = """
            import socket,sys
            s=socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
            f=s.makefile('rwb')
            print(f.readline().decode().strip())  # refused at once, before any request
            """
        let out = try runAs(uid: 65534, ["/usr/bin/python3", "-c", script, d.socket])
        #expect(out.contains("forbidden"), "\(out)")
        // allowed as a user, not as an admin
        let d2 = try Daemon(args: ["--model", dir + "/m.allot", "--mode", "0666", "--allow-uid", "65534"],
                            dir: dir, socketName: "b.sock")
        let script2 = """
            import socket,sys
            s=socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
            f=s.makefile('rwb')
            for line in [b'{"op":"route","text":"hi"}\\n', b'{"op":"reload"}\\n']:
                f.write(line); f.flush(); print(f.readline().decode().strip())
            """
        let out2 = try runAs(uid: 65534, ["/usr/bin/python3", "-c", script2, d2.socket])
        let lines = out2.split(separator: "\n")
        #expect(lines.count == 2, "\(out2)")
        #expect(lines.first?.contains(#""ok":true"#) == true)
        #expect(lines.last?.contains("forbidden") == true)
        // with the default 0660 mode the other user cannot even connect
        let d3 = try Daemon(args: ["--model", dir + "/m.allot"], dir: dir, socketName: "c.sock")
        let out3 = try runAs(uid: 65534, ["/usr/bin/python3", "-c", "import socket,sys\ntry:\n socket.socket(socket.AF_UNIX).connect(sys.argv[1]); print('connected')\nexcept PermissionError: print('denied')", d3.socket])
        #expect(out3.contains("denied"))
    }

    @Test func thereIsNoNetworkListener() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let d = try Daemon(args: ["--model", dir + "/m.allot"], dir: dir)
        var inodes: Set<String> = []
        for target in descriptorTargets(of: d.process.processIdentifier) where target.hasPrefix("socket:[") {
            inodes.insert(String(target.dropFirst(8).dropLast()))
        }
        #expect(!inodes.isEmpty)
        for table in ["tcp", "tcp6", "udp", "udp6", "raw", "raw6"] {
            let text = (try? String(contentsOfFile: "/proc/net/\(table)", encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n").dropFirst() {
                let cols = line.split(separator: " ", omittingEmptySubsequences: true)
                if cols.count > 9 { #expect(!inodes.contains(String(cols[9])), "socket in /proc/net/\(table)") }
            }
        }
        // sanity: the inode scan is right, since our listening socket is in the Unix table
        let unix = try String(contentsOfFile: "/proc/net/unix", encoding: .utf8)
        let unixInodes = Set(unix.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let cols = line.split(separator: " ", omittingEmptySubsequences: true)
            return cols.count > 6 ? String(cols[6]) : nil
        })
        #expect(!inodes.isDisjoint(with: unixInodes), "\(inodes) not among \(unixInodes.count) unix sockets")
    }

    @Test func connectionLimitAndIdleTimeoutAreEnforced() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let d = try Daemon(args: ["--model", dir + "/m.allot", "--max-connections", "2", "--idle-timeout", "1.5"],
                           dir: dir)
        usleep(300_000)  // let the daemon retire the probe connection of waitUntilListening (it holds a slot)
        let a = try Client(path: d.socket)
        let b = try Client(path: d.socket)
        #expect(try a.call(#"{"op":"hello"}"#)["ok"] as? Bool == true)
        #expect(try b.call(#"{"op":"hello"}"#)["ok"] as? Bool == true)
        let c = try Client(path: d.socket)
        let refused = try Client.parse(try #require(try c.readLine()))
        #expect((refused["error"] as? [String: Any])?["code"] as? String == "unavailable")
        // an idle client is closed after the timeout, freeing its slot
        try a.send(#"{"op":"hel"#)  // stuck inside a line
        usleep(4_000_000)
        #expect(try a.readLine() == nil)
        #expect(try b.readLine() == nil)
        let e = try Client(path: d.socket)
        #expect(try e.call(#"{"op":"hello"}"#)["ok"] as? Bool == true)
    }

    @Test func metricsFileIsWrittenInPrometheusFormat() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let metrics = dir + "/allotd.prom"
        let d = try Daemon(args: ["--model", dir + "/m.allot", "--metrics-file", metrics, "--metrics-interval", "0.2"],
                           dir: dir)
        _ = try Client(path: d.socket).call(#"{"op":"route","text":"x"}"#)
        var text = ""
        for _ in 0..<40 where !text.contains("allotd_routes_total 1") {
            usleep(100_000)
            text = (try? String(contentsOfFile: metrics, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("# TYPE allotd_routes_total counter"))
        #expect(text.contains("allotd_routes_total 1"))
        #expect(text.contains(#"allotd_errors_total{code="bad_json"} 0"#))
        #expect(text.contains("allotd_lambda "))
        #expect(text.contains(#"allotd_cpu_seconds_total{mode="user"} "#))
        #expect(text.contains("allotd_max_resident_memory_bytes "))
    }

    /// `stats` reports what the daemon costs the device: its CPU time grows with the work it does, and its peak
    /// resident set is that of a real process (a few MB; far more under sanitizers), read from the kernel.
    @Test func statsReportTheDaemonsOwnCPUAndMemory() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let d = try Daemon(args: ["--model", dir + "/m.allot"], dir: dir)
        let c = try Client(path: d.socket)
        func usage() throws -> (cpu: Double, rss: Int) {
            let s = try c.call(#"{"op":"stats"}"#)
            let cpu = try #require(s["cpu_seconds"] as? [String: Any])
            let user = try #require(cpu["user"] as? Double), system = try #require(cpu["system"] as? Double)
            #expect(user >= 0 && system >= 0)
            return (user + system, try #require(s["max_rss_bytes"] as? Int))
        }
        let before = try usage()
        let text = String(repeating: "How many apples does Tom have if he buys 3 more? ", count: 20)
        for i in 0..<3000 { _ = try c.call(#"{"op":"route","id":\#(i),"text":"\#(text)"}"#) }
        let after = try usage()
        #expect(after.cpu > before.cpu, "3000 routes cost no CPU time: \(before.cpu) -> \(after.cpu)")
        #expect(before.rss > 1 << 20)  // a real process, not a placeholder (sanitizer builds run to GBs: no upper bound)
        #expect(after.rss >= before.rss)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.withLock { n } }
    func add() { lock.withLock { n += 1 } }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

func runAs(uid: Int, _ argv: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    p.arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups"] + argv
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
