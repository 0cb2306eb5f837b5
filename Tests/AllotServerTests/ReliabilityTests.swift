import AllotModel
import AllotModelWriter
import CSodium
import Foundation
import Testing

/// Faults and abuse on the real binary, in seconds (the long experiments are in Scripts/reliability).
@Suite(.serialized)
struct ReliabilityTests {
    /// Files that pass the SHA-256 and CRC-32 checks but lie about or blow up their payload, and one over the
    /// 64 MiB file cap: each reload is refused with a reason, under load, and no request fails.
    @Test func bombAndOversizedModelsAtReloadAreRejectedUnderLoad() throws {
        let dir = Daemon.tempDir()
        let model = dir + "/m.allot"
        try TestModel.write(to: model, version: 3)
        let d = try Daemon(args: ["--model", model], dir: dir)
        let info = ModelInfo(id: "bomb", version: 9, createdAt: 0, costUnit: "tokens")
        func wrap(_ deflated: [UInt8], inflatedSize: Int) throws -> Data {
            Data(try ModelWriter.assemble(info: info, minor: ModelHeader.currentMinor, deflated: deflated,
                                          inflatedSize: inflatedSize))
        }
        let zeros16M = try Deflate.compress([UInt8](repeating: 0, count: 16 << 20))
        let cases: [(String, Data, String)] = [
            // declares 4 KiB, inflates to 16 MiB: must stop at the declared size
            ("bomb-lies", try wrap(zeros16M, inflatedSize: 4096), "more than the declared"),
            // declares a little more than the 16 MiB of zeros it holds: inflated in full, then found short
            ("bomb-short", try wrap(zeros16M, inflatedSize: (16 << 20) + 4096), "at byte"),
            // declares the 64 MiB cap for a 16 KiB stream: over deflate's ratio, refused before inflating
            ("bomb-cap", try wrap(zeros16M, inflatedSize: 64 << 20), "impossible"),
            // declares more than the cap (the writer refuses to, so the header is patched and re-hashed)
            ("bomb-over-cap", try Self.patchInflatedSize(wrap(zeros16M, inflatedSize: 1 << 20), UInt32.max), "cap"),
            // declares a ratio deflate cannot reach
            ("bomb-ratio", try wrap([0x78, 0x9c, 0x03, 0x00], inflatedSize: 1 << 20), "impossible"),
        ]
        // A thread, not a task: blocking calls on the 2-thread cooperative pool starve under a parallel run.
        let load = LoadThread(socket: d.socket)
        load.waitForFirstReply()
        let admin = try Client(path: d.socket, timeout: 30)
        for (name, bytes, reason) in cases {
            try bytes.write(to: URL(fileURLWithPath: model))
            let r = try admin.call(#"{"op":"reload","id":"\#(name)"}"#)
            #expect(r["ok"] as? Bool == false, "\(name)")
            let error = try #require(r["error"] as? [String: Any])
            #expect(error["code"] as? String == "unavailable", "\(name)")
            #expect((error["message"] as? String)?.contains(reason) == true, "\(name): \(error)")
            let stats = try admin.call(#"{"op":"stats"}"#)
            #expect((stats["last_reload"] as? [String: Any])?["ok"] as? Bool == false, "\(name)")
            #expect((stats["model"] as? [String: Any])?["version"] as? Int == 3, "\(name)")
        }
        // over the 64 MiB file cap (sparse: no disk used)
        let fd = open(model, O_WRONLY | O_TRUNC)
        #expect(ftruncate(fd, (64 << 20) + 1) == 0)
        close(fd)
        let big = try admin.call(#"{"op":"reload","id":"oversized"}"#)
        #expect(((big["error"] as? [String: Any])?["message"] as? String)?.contains("limit") == true)
        let (ok, failed, error) = load.stop()
        #expect(error == nil)
        #expect(failed == 0)
        #expect(ok > 0)
        #expect(d.stderr.components(separatedBy: "event=reload ok=false").count - 1 == cases.count + 1)
        // the bombs were never inflated past what they declared (plus the 64 MiB cap): RSS stays bounded
        #expect(Self.rssKB(d.process.processIdentifier) < 200_000)
    }

    /// SIGKILL while the state is saved every tick under load, 10 times in a chain (Scripts/reliability kill9
    /// does 100): every restart restores the file, never an older state than the last restart loaded.
    @Test func killNineWhilePersistingNeverTearsTheState() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let args = ["--model", dir + "/m.allot", "--state", dir + "/state.bin", "--persist-interval", "0.01",
                    "--budget", "3"]
        var d = try Daemon(args: args, dir: dir)
        // the first save, however slow the disk (an fsync can take long while sanitizer builds write to it)
        let first = LoadThread(socket: d.socket)
        for _ in 0..<2000 where !FileManager.default.fileExists(atPath: dir + "/state.bin") { usleep(10_000) }
        _ = first.stop()
        #expect(FileManager.default.fileExists(atPath: dir + "/state.bin"))
        var previous = 0
        for trial in 0..<10 {
            let load = LoadThread(socket: d.socket)
            load.waitForFirstReply()
            usleep(UInt32(100_000 + 60_000 * (trial % 5)))
            d.signal(SIGKILL)
            d.wait()
            _ = load.stop()
            d = try Daemon(args: args, dir: dir)
            let stats = try Client(path: d.socket).call(#"{"op":"stats"}"#)
            let routes = try #require(stats["routes"] as? Int)
            #expect(d.stderr.contains("state_restored=true"), "trial \(trial): \(d.stderr)")
            #expect(routes >= previous, "trial \(trial)")
            previous = routes
        }
        #expect(previous > 0)
    }

    /// A state file damaged on disk (truncated, garbage, empty) does not stop a start: the daemon logs
    /// `state_not_restored`, starts from the model's λ table, and its next save replaces the file.
    @Test func aDamagedStateFileIsSkippedAndReplaced() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let state = dir + "/state.bin"
        let args = ["--model", dir + "/m.allot", "--state", state, "--persist-interval", "0.01"]
        let d = try Daemon(args: args, dir: dir)
        _ = try Client(path: d.socket).call(#"{"op":"route","text":"x"}"#)
        d.stop()
        let good = try Data(contentsOf: URL(fileURLWithPath: state))
        let cases: [(String, Data)] = [
            ("truncated", good.prefix(good.count / 2)), ("garbage", Data(repeating: 0xA5, count: 4096)),
            ("empty", Data()), ("flipped", Data(good.enumerated().map { $0 == good.count - 9 ? $1 ^ 1 : $1 })),
        ]
        for (name, bytes) in cases {
            try bytes.write(to: URL(fileURLWithPath: state))
            let d = try Daemon(args: args, dir: dir)
            #expect(d.stderr.contains("event=state_not_restored"), "\(name)")
            #expect(d.stderr.contains("state_restored=false"), "\(name)")
            #expect(try Client(path: d.socket).call(#"{"op":"route","text":"y"}"#)["ok"] as? Bool == true)
            d.stop()
            let again = try Daemon(args: args, dir: dir)
            #expect(again.stderr.contains("state_restored=true"), "\(name): the drain's save replaced the file")
            again.stop()
        }
    }

    /// Finding 3 (docs/reliability.md): a FIFO at the model path blocks the SIGHUP reload in open() on the main
    /// thread, so ticks stop (no state saves, no expiry, no metrics) and SIGTERM is never handled.
    @Test func aFifoAtTheModelPathDoesNotHangTheMainThread() throws {
        let dir = Daemon.tempDir()
        let model = dir + "/m.allot"
        try TestModel.write(to: model)
        let d = try Daemon(args: ["--model", model], dir: dir)
        unlink(model)
        #expect(mkfifo(model, 0o600) == 0)
        d.signal(SIGHUP)
        usleep(300_000)
        // serving goes on either way: connection threads do not need the main thread
        #expect(try Client(path: d.socket).call(#"{"op":"route","text":"x"}"#)["ok"] as? Bool == true)
        d.signal(SIGTERM)
        let status = d.wait(timeout: 5)
        #expect(status == 0)
        if status == nil {
            d.signal(SIGKILL)
            d.wait()
        }
    }

    /// Finding 2: a kill during a save leaves `<state>.tmp.<pid>` behind, and nothing removes it (each crash adds
    /// one the size of the state file). A start should remove those of dead processes, whether `--state` is a
    /// path or a bare file name in the working directory (which once trapped at start).
    @Test(arguments: ["absolute", "bare"])
    func staleStateTempFilesAreRemovedAtStart(_ form: String) throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let stale = dir + "/state.bin.tmp.999999"
        try Data(repeating: 0, count: 1000).write(to: URL(fileURLWithPath: stale))
        let state = form == "bare" ? "state.bin" : dir + "/state.bin"
        let d = try Daemon(args: ["--model", dir + "/m.allot", "--state", state], dir: dir)
        _ = try Client(path: d.socket).call(#"{"op":"route","text":"x"}"#)
        d.stop()
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: dir + "/state.bin"))
    }

    /// Finding 11: the state and metrics files are written by renaming a new file over them. A device, a FIFO, the
    /// model or the other output given as one was replaced by a regular file, and a path that could never be
    /// written let the daemon serve a whole run without saving. Each is refused at start now, naming the flag.
    @Test func outputFilesThatAreNotFilesOfTheirOwnAreRefusedAtStart() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let model = try Data(contentsOf: URL(fileURLWithPath: dir + "/m.allot"))
        let fifo = dir + "/fifo"
        try #require(mkfifo(fifo, 0o600) == 0)
        // a model given through a symbolic link: the file it leads to is the model's too
        try FileManager.default.createDirectory(atPath: dir + "/rel", withIntermediateDirectories: true)
        try model.write(to: URL(fileURLWithPath: dir + "/rel/v.allot"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/live.allot", withDestinationPath: "rel/v.allot")
        let linked = try Daemon(args: ["--model", dir + "/live.allot", "--state", dir + "/rel/v.allot"], dir: dir,
                                wait: false)
        #expect(linked.wait() != 0)
        #expect(linked.stderr.contains("is the file of --model"), "\(linked.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/rel/v.allot")) == model)
        let cases: [([String], String)] = [
            (["--state", fifo], "--state \(fifo) is not a regular file"),
            (["--metrics-file", fifo], "--metrics-file \(fifo) is not a regular file"),
            (["--state", dir + "/m.allot"], "is the file of --model"),
            (["--metrics-file", "./m.allot"], "is the file of --model"),  // relative, in the daemon's directory
            (["--state", dir + "/s.bin", "--metrics-file", dir + "/./s.bin"], "is the file of --state"),
            (["--state", dir + "/no-such-dir/s.bin"], "cannot write the state file"),
            (["--metrics-file", dir + "/m.allot/x.prom"], "cannot write the metrics file"),
        ]
        for (args, message) in cases {
            let d = try Daemon(args: ["--model", dir + "/m.allot"] + args, dir: dir, wait: false)
            let status = d.wait()
            #expect(status != nil && status != 0, "\(args)")
            #expect(d.stderr.contains(message), "\(args): \(d.stderr)")
        }
        var st = stat()
        #expect(stat(fifo, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/m.allot")) == model)
        #expect(!FileManager.default.fileExists(atPath: dir + "/s.bin"))
    }

    /// Finding 12: a state the daemon cannot restore (here one saved for another action set) was overwritten by
    /// the first save. It is kept beside as `<state>.unrestored`, and restores when put back with its model.
    @Test func aStateThatCannotBeRestoredIsKeptAside() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        try TestModel.write(to: dir + "/m3.allot", actions: ["small", "big", "huge"])
        let state = dir + "/s.bin"
        let first = try Daemon(args: ["--model", dir + "/m.allot", "--state", state], dir: dir)
        for _ in 0..<3 { _ = try Client(path: first.socket).call(#"{"op":"route","text":"x"}"#) }
        first.stop()
        let saved = try Data(contentsOf: URL(fileURLWithPath: state))

        let other = try Daemon(args: ["--model", dir + "/m3.allot", "--state", state], dir: dir)
        #expect(other.stderr.contains("event=state_moved_aside"), "\(other.stderr)")
        // while it runs, a second daemon on the same state (another socket) is refused and touches nothing
        let ownState = try Data(contentsOf: URL(fileURLWithPath: state))
        let second = try Daemon(args: ["--model", dir + "/m.allot", "--state", state], dir: dir,
                                socketName: "b.sock", wait: false)
        #expect(second.wait() == 64)
        #expect(second.stderr.contains("is in use by another allotd"), "\(second.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: state)) == ownState)
        other.stop()
        #expect(try Data(contentsOf: URL(fileURLWithPath: state + ".unrestored")) == saved)
        // a second wrong start keeps what the first kept, beside it
        let again = try Daemon(args: ["--model", dir + "/m.allot", "--state", state, "--budget", "7"], dir: dir)
        again.stop()
        #expect(try Data(contentsOf: URL(fileURLWithPath: state + ".unrestored")) == saved)
        #expect(FileManager.default.fileExists(atPath: state + ".unrestored.1"))

        try FileManager.default.removeItem(atPath: state)
        try FileManager.default.moveItem(atPath: state + ".unrestored", toPath: state)
        let back = try Daemon(args: ["--model", dir + "/m.allot", "--state", state], dir: dir)
        #expect(back.stderr.contains("state_restored=true"), "\(back.stderr)")
        #expect(try Client(path: back.socket).call(#"{"op":"stats"}"#)["routes"] as? Int == 3)
        back.stop()
    }

    /// The connection limit filled by clients stuck inside a line: the clients already connected get every
    /// reply, and one more connection is refused `unavailable` at once (not queued behind the slow ones).
    @Test func slowClientsAtTheLimitDelayNobody() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let d = try Daemon(args: ["--model", dir + "/m.allot", "--max-connections", "8"], dir: dir)
        let good = try Client(path: d.socket)
        #expect(try good.call(#"{"op":"hello"}"#)["ok"] as? Bool == true)
        usleep(300_000)  // let the daemon retire the probe connection of waitUntilListening (it holds a slot)
        var slow: [Client] = []
        for _ in 0..<7 {
            let c = try Client(path: d.socket)
            try c.send(#"{"op":"route","text":"never end"#)
            slow.append(c)
        }
        for i in 0..<500 {
            let r = try good.call(#"{"op":"route","id":\#(i),"text":"q\#(i)"}"#)
            #expect(r["ok"] as? Bool == true && r["id"] as? Int == i)
            if i % 100 == 0 { for c in slow { try c.send("x") } }
        }
        let extra = try Client(path: d.socket, timeout: 2)
        let refused = try Client.parse(try #require(try extra.readLine()))
        #expect((refused["error"] as? [String: Any])?["code"] as? String == "unavailable")
        #expect(try extra.readLine() == nil)
    }

    /// Connections dropped mid-line, cleanly or with a reset, leave no socket descriptor behind.
    @Test func disconnectsMidLineLeakNoDescriptors() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let d = try Daemon(args: ["--model", dir + "/m.allot"], dir: dir)
        let pid = d.process.processIdentifier
        let before = Self.fdCount(pid)
        let line = Array(#"{"op":"route","text":"half a request","signals":{"probe_agree":1}}"#.utf8)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<2000 {
            let c = try Client(path: d.socket)
            if i % 4 == 0 { #expect(try c.call(#"{"op":"route","text":"whole"}"#)["ok"] as? Bool == true) }
            try c.sendBytes(Array(line[0..<Int.random(in: 1..<line.count, using: &rng)]))
            if i % 2 == 0 {
                var linger = linger(l_onoff: 1, l_linger: 0)  // close with RST
                setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
            }
            c.close()
        }
        var after = Self.fdCount(pid)
        for _ in 0..<1000 where after > before {  // up to 20 s: slow under sanitizers
            usleep(20_000)
            after = Self.fdCount(pid)
        }
        #expect(after <= before)
        // A connection's thread closes its socket, then leaves the count: poll, as the descriptors above (the
        // sanitizer run once saw 2 here, the last thread not yet done).
        let probe = try Client(path: d.socket)
        var connections = try probe.call(#"{"op":"stats"}"#)["connections"] as? Int
        for _ in 0..<250 where connections != 1 {
            usleep(20_000)
            connections = try probe.call(#"{"op":"stats"}"#)["connections"] as? Int
        }
        #expect(connections == 1)
    }

    /// Rewrites the header's inflated-size field (bytes 36..<40, little-endian) and the SHA-256 over the file with
    /// its digest field (48..<80) zeroed, as the format defines it.
    static func patchInflatedSize(_ file: Data, _ size: UInt32) -> Data {
        var bytes = [UInt8](file)
        for k in 0..<4 { bytes[36 + k] = UInt8(truncatingIfNeeded: size >> (8 * k)) }
        var hashed = bytes
        for i in 48..<80 { hashed[i] = 0 }
        var digest = [UInt8](repeating: 0, count: 32)
        _ = crypto_hash_sha256(&digest, hashed, UInt64(hashed.count))
        bytes.replaceSubrange(48..<80, with: digest)
        return Data(bytes)
    }

    /// Open sockets of `pid` (a sanitizer's report file and symbolizer pipes are not ours to count).
    static func fdCount(_ pid: Int32) -> Int {
        descriptorTargets(of: pid).filter { $0.hasPrefix("socket:") }.count
    }

    static func rssKB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
        }
        return -1
    }
}

/// One client routing in a loop on its own thread until stopped.
final class LoadThread: @unchecked Sendable {
    private let lock = NSCondition()
    private var ok = 0
    private var failed = 0
    private var error: String?
    private var stopping = false
    private var done = false

    init(socket: String) {
        let thread = Thread { [self] in run(socket) }
        thread.start()
    }

    private func run(_ socket: String) {
        do {
            let c = try Client(path: socket)
            while !lock.withLock({ stopping }) {
                let r = try c.call(#"{"op":"route","text":"under reload","signals":{"probe_agree":0}}"#)
                lock.withLock {
                    if r["ok"] as? Bool == true { ok += 1 } else { failed += 1 }
                    lock.broadcast()
                }
            }
        } catch {
            lock.withLock { self.error = "\(error)" }
        }
        lock.withLock {
            done = true
            lock.broadcast()
        }
    }

    func waitForFirstReply() {
        lock.withLock {
            while ok + failed == 0 && !done { lock.wait() }
        }
    }

    func stop() -> (ok: Int, failed: Int, error: String?) {
        lock.withLock {
            stopping = true
            while !done { lock.wait() }
            return (ok, failed, error)
        }
    }
}
