import AllotServer
import Foundation
import Glibc
import Testing

/// The C tools of `Scripts/bench` build, the echo floor answers each NDJSON line with itself however the input is
/// chunked, and the load client counts every request. (Speed itself is measured by `Scripts/bench`, not here.)
@Suite(.serialized)
struct BenchToolsTests {
    static let toolsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Scripts/bench-tools").standardized.path

    /// allotd's C shims, which the echo floor's io_uring modes call (`allot_ring_send_take`).
    static let shimsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/CAllotShims").standardized.path

    static func compile(_ name: String, into dir: String) throws -> String {
        let out = dir + "/" + name
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let shims = name == "echo_server" ? ["-I", shimsDir + "/include", shimsDir + "/shims.c"] : []
        p.arguments = ["cc", "-O2", "-pthread", "-Wall", "-Werror", "-o", out, toolsDir + "/\(name).c"] + shims
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "cc \(name).c failed")
        return out
    }

    /// `workNs`: the floor that spins that much CPU time per line (Scripts/bench's third server); `mode` "batch":
    /// the floor that takes requests off the socket in batches, as allotd does (work-sweep's `--batch`); "uring":
    /// the floor that answers and takes the request in one io_uring_enter (work-sweep's `--uring`). Nil when the
    /// server exited at once: io_uring refused here (EX_UNAVAILABLE, 69).
    static func startEcho(_ dir: String, workNs: Int? = nil, mode: String = "plain") throws -> (Process, String)? {
        let server = try compile("echo_server", into: dir)
        let sock = dir + "/echo.sock"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: server)
        p.arguments = [sock, String(workNs ?? 0), mode]
        try p.run()
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: sock) && p.isRunning { usleep(10_000) }
        if !p.isRunning {
            p.waitUntilExit()
            try #require(p.terminationStatus == 69, "echo_server exited with \(p.terminationStatus)")
            return nil
        }
        return (p, sock)
    }

    /// A client of the floor at `path` (the tests' shared `Client`). The socket file appears at the server's
    /// `bind`, a moment before its `listen`: a connect in between is refused, so that is retried (for up to 5 s).
    static func connect(_ path: String) throws -> Client {
        let deadline = Date().addingTimeInterval(5)
        while true {
            do {
                return try Client(path: path)
            } catch where Date() < deadline {
                usleep(10_000)
            }
        }
    }

    static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "/bench-tools-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test(arguments: [(nil, "plain"), (200_000, "plain"), (nil, "batch"), (200_000, "batch"), (nil, "uring"),
                      (200_000, "uring")])
    func echoServerAnswersEachLineWithItselfInAnyChunking(workNs: Int?, mode: String) throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Where the kernel refuses io_uring (a container's seccomp filter, io_uring_disabled) there is no uring floor.
        guard let (server, sock) = try Self.startEcho(dir, workNs: workNs, mode: mode) else {
            #expect(mode == "uring", "only the uring mode may be unavailable")
            return
        }
        defer { server.terminate(); server.waitUntilExit() }
        let c = try Self.connect(sock)
        defer { c.close() }
        let input = Array("{\"op\":\"route\",\"text\":\"é 2+2\"}\n{\"a\":1}\r\n\n{\"partial\":".utf8)
        var rng = SystemRandomNumberGenerator()
        var i = 0
        while i < input.count {  // random chunks, down to single bytes
            let n = min(input.count - i, Int.random(in: 1...7, using: &rng))
            try c.sendBytes(Array(input[i..<(i + n)]))
            i += n
            usleep(200)
        }
        let expected = Array("{\"op\":\"route\",\"text\":\"é 2+2\"}\n{\"a\":1}\r\n\n".utf8)
        var got: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while got.count < expected.count {
            let n = buf.withUnsafeMutableBytes { b in Sys.retrying { recv(c.fd, b.baseAddress, b.count, 0) } }
            try #require(n > 0, "echo server closed early")
            got += buf[0..<n]
        }
        #expect(got == expected)  // the unfinished line is held back, not echoed
    }

    /// The floor's batch-uring mode (allotd's way since 2026-11-30, through allotd's own `allot_ring_send_take`):
    /// request after request of a few hundred bytes, so that batches fill and end in the ring's call, each answered
    /// with itself. Nil from `startEcho` where the kernel refuses io_uring.
    @Test func batchUringFloorAnswersEveryRequestAcrossItsBatches() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let (server, sock) = try Self.startEcho(dir, mode: "batch-uring") else { return }
        defer { server.terminate(); server.waitUntilExit() }
        let c = try Self.connect(sock)
        defer { c.close() }
        var buf = [UInt8](repeating: 0, count: 4096)
        for i in 0..<200 {
            let line = Array("{\"op\":\"route\",\"id\":\(i),\"text\":\"\(String(repeating: "x", count: 400))\"}\n".utf8)
            try c.sendBytes(line)
            var got: [UInt8] = []
            while got.count < line.count {
                let n = buf.withUnsafeMutableBytes { b in Sys.retrying { recv(c.fd, b.baseAddress, b.count, 0) } }
                try #require(n > 0, "echo server closed early at request \(i)")
                got += buf[0..<n]
            }
            #expect(got == line, "request \(i)")
        }
    }

    @Test(arguments: ["recv", "poll"]) func loadClientCountsEveryRequestAgainstTheFloor(wait: String) throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (server, sock) = try #require(try Self.startEcho(dir))
        defer { server.terminate(); server.waitUntilExit() }
        let client = try Self.compile("loadgen", into: dir)
        let lines = dir + "/lines.ndjson"
        try "{\"op\":\"route\",\"text\":\"one\"}\n{\"op\":\"route\",\"text\":\"two\"}\n"
            .write(toFile: lines, atomically: true, encoding: .utf8)
        let p = Process()
        let pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: client)
        p.arguments = [sock, lines, "3", "200", "10", wait]
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["clients"] as? Int == 3)
        #expect(object["requests"] as? Int == 600)
        #expect(object["errors"] as? Int == 0)
        let p50 = try #require(object["p50_us"] as? Double)
        let p99 = try #require(object["p99_us"] as? Double)
        #expect(p50 > 0 && p50 <= p99)
    }

    /// `allot bench-decision --threads 2` times lines on two threads sharing one engine and on two with an engine
    /// each, and reports both (only with `--threads`); it refuses a thread count out of range.
    @Test func benchDecisionTimesLinesOnThreadsSharingAnEngineAndApart() throws {
        try Self.checkOptionalTiming(["--threads", "2"], echo: ("threads", 2),
                                     times: ["line_ns_shared_engine", "line_ns_engine_each"],
                                     refused: [(["--threads", "0"], "--threads must be 1 to 64")])
    }

    /// `allot bench-decision --evict-kb 64` also times each line alone, as is and with 64 KiB written over before
    /// it, and reports both (only with `--evict-kb`); it refuses a size out of range, and no lines or repetitions
    /// to time (a usage error, not a median of nothing).
    @Test func benchDecisionTimesLinesAloneWithTheCachesWrittenOver() throws {
        let empty = "--reps and --requests must be at least 1"
        try Self.checkOptionalTiming(["--evict-kb", "64"], echo: ("evict_kb", 64),
                                     times: ["line_ns_timed_alone", "line_ns_timed_alone_evicted"],
                                     refused: [(["--evict-kb", "65537"], "--evict-kb must be 0 to 65536"),
                                               (["--evict-kb", "64", "--requests", "0"], empty),
                                               (["--evict-kb", "64", "--reps", "0"], empty)])
    }

    /// With `option`, every model's result echoes it (`echo`) and has positive, finite `times`; without it, it has
    /// none of those keys. Each of `refused`'s arguments fails, printing its message.
    static func checkOptionalTiming(_ option: [String], echo: (key: String, value: Int), times: [String],
                                    refused: [(arguments: [String], message: String)]) throws {
        let measured = try benchDecisionModels(option)
        #expect(measured.count == 2)
        for m in measured {
            #expect(m[echo.key] as? Int == echo.value)
            for key in times {
                let t = try #require(m[key] as? Double, "\(key)")
                #expect(t > 0 && t.isFinite, "\(key) \(t)")
            }
        }
        for m in try benchDecisionModels([]) {
            for key in [echo.key] + times { #expect(m[key] == nil, "\(key)") }
        }
        for (arguments, message) in refused {
            let r = try FleetTests.run(FleetTests.allot, benchDecision + arguments)
            #expect(r.status != 0, "\(arguments)")
            #expect(r.err.contains(message), "\(arguments): \(r.err)")
        }
    }

    /// `allot bench-decision` on the default model and the repository's prompts, one short repetition, as JSON.
    static let benchDecision: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
            .standardized.path
        return ["bench-decision", "--model", root + "/Models/default.allot", "--prompts",
                root + "/Models/data/gsm8k-cascade.jsonl", "--reps", "1", "--requests", "300", "--json"]
    }()

    /// `benchDecision` with `extra` arguments: its per-model results, after checking that it succeeded.
    static func benchDecisionModels(_ extra: [String]) throws -> [[String: Any]] {
        let r = try FleetTests.run(FleetTests.allot, benchDecision + extra)
        #expect(r.status == 0, "\(r.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        return try #require(object["models"] as? [[String: Any]])
    }
}
