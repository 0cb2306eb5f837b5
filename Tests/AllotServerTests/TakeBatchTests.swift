import AllotServer
import Foundation
import Glibc
import Testing

/// Requests taken off the socket in batches (`TakeBatch`): the state machine alone, then on the real binary, where
/// the client's own socket tells how many of its bytes the server still holds (`SIOCOUTQ`: its unread sends).
@Suite(.serialized)
struct TakeBatchTests {
    // MARK: The state machine

    @Test func readsThatComeSoonAreHeldUntilABatchThenTakenInOne() {
        var b = TakeBatch(batchBytes: 1000, gapSeconds: 0.00003)
        #expect(b.next == .take)  // the first read of a connection is taken at once
        #expect(b.read(400, gap: .infinity) == TakeBatch.Step())
        #expect(b.held == 0)
        #expect(b.answered() == 0)
        // a read soon after: the reads from here on peek
        #expect(b.read(400, gap: 0.00001) == TakeBatch.Step())
        #expect(b.next == .peek)
        #expect(b.read(400, gap: 0.00001) == TakeBatch.Step(timeout: .hold))  // bounded wait while holding
        #expect(b.answered() == 0)
        #expect(b.read(400, gap: 0.00001) == TakeBatch.Step())  // the hold timeout is set already
        #expect(b.answered() == 0)
        #expect(b.read(400, gap: 0.00001) == TakeBatch.Step())
        #expect(b.held == 1200)
        #expect(b.answered() == 1200)
        #expect(b.held == 0)
        #expect(b.timeout == .hold)  // kept: the next read follows at once
        #expect(b.next == .peek)
    }

    @Test func aLateReadIsTakenAtOnceWithWhatIsHeldAndTheReadsAfterItTake() {
        var b = TakeBatch(batchBytes: 4096, gapSeconds: 0.00003)
        _ = b.read(100, gap: .infinity)
        _ = b.read(100, gap: 0.00001)
        #expect(b.read(100, gap: 0.00001) == TakeBatch.Step(timeout: .hold))
        #expect(b.read(100, gap: 0.00002) == TakeBatch.Step())
        #expect(b.held == 200)
        // 40 µs after the read before: taken with the 200 held, before it is answered
        #expect(b.read(100, gap: 0.00004) == TakeBatch.Step(take: 300, timeout: .idle))
        #expect(b.held == 0)
        #expect(b.next == .take)
        #expect(b.answered() == 0)
        // late reads keep taking, with no system call beyond the read
        #expect(b.read(100, gap: 0.001) == TakeBatch.Step())
        #expect(b.next == .take)
        // until one comes soon again
        #expect(b.read(100, gap: 0.00001) == TakeBatch.Step())
        #expect(b.next == .peek)
        #expect(b.read(100, gap: 0.00001) == TakeBatch.Step(timeout: .hold))
    }

    @Test func aWaitThatRunsOutTakesWhatIsHeldThenClosesOnlyAfterTheIdleTimeout() {
        var b = TakeBatch(batchBytes: 4096, gapSeconds: 0)
        #expect(b.next == .peek)  // no gap rule: every read peeks
        #expect(b.expired() == .close)  // nothing held, idle timeout: the connection is idle
        #expect(b.read(700, gap: .infinity) == TakeBatch.Step(timeout: .hold))
        #expect(b.read(700, gap: 10) == TakeBatch.Step())  // never taken at once
        #expect(b.expired() == .take(1400))
        #expect(b.held == 0)
        #expect(b.timeout == .idle)
        #expect(b.expired() == .close)
        #expect(b.read(50, gap: 1) == TakeBatch.Step(timeout: .hold))
        #expect(b.answered() == 0)
    }

    @Test func theFlagsAreParsedAndBounded() throws {
        guard case .run(let c) = try ServerConfig.parse(["--take-batch", "0", "--take-hold", "0.5", "--take-gap=0"])
        else { Issue.record("not a run"); return }
        #expect(c.takeBatch == 0)
        #expect(c.takeHold == 0.5)
        #expect(c.takeGap == 0)
        guard case .run(let d) = try ServerConfig.parse([]) else { Issue.record("not a run"); return }
        #expect(d.takeBatch == 1024)
        #expect(d.takeRing == .solo)
        for (value, mode) in [("0", ServerConfig.TakeRing.off), ("1", .on), ("solo", .solo)] {
            guard case .run(let e) = try ServerConfig.parse(["--take-uring", value]) else {
                Issue.record("not a run")
                return
            }
            #expect(e.takeRing == mode, "\(value)")
        }
        for bad in [["--take-batch", "1.5"], ["--take-batch", "70000"], ["--take-batch", "-1"], ["--take-hold", "0"],
                    ["--take-hold", "61"], ["--take-gap", "-1"], ["--take-uring", "2"], ["--take-uring", "yes"]] {
            #expect(throws: ServerError.self, "\(bad)") { try ServerConfig.parse(bad) }
        }
    }

    // MARK: The reply and the take in one call

    /// A connected pair: the server's end reads at an advancing peek offset, as a connection does.
    static func pair() throws -> (server: Int32, client: Int32) {
        var fds: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        try #require(Sys.enablePeekOffset(fds[0]))
        return (fds[0], fds[1])
    }

    static func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { Sys.writeAll(fd, $0) })
    }

    static func peek(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> String {
        let n = Sys.peek(fd, into: buffer)
        return n > 0 ? String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self) : ""
    }

    /// Unread bytes of the client's sends (truesize), on a client fd.
    static func unread(_ fd: Int32) -> Int {
        var n: Int32 = 0
        #expect(ioctl(fd, UInt(TIOCOUTQ), &n) == 0)
        return Int(n)
    }

    /// With a ring (where the kernel allows io_uring) and without: the reply arrives whole, exactly `take` bytes
    /// leave the socket, and the next peek starts after what was peeked before.
    @Test(arguments: [true, false])
    func aReplyAndATakeInOneCallSendAllAndTakeExactlyWhatWasAnswered(useRing: Bool) throws {
        let (server, client) = try Self.pair()
        defer {
            close(server)
            close(client)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var ring: Sys.TakeRing? = useRing ? Sys.TakeRing() : nil
        if useRing { #expect((ring != nil) == Sys.TakeRing.available) }

        Self.write(client, "one\n")
        #expect(Self.peek(server, buffer) == "one\n")
        Self.write(client, "two\n")
        #expect(Self.peek(server, buffer) == "two\n")  // after the first, still on the socket
        #expect(Self.unread(client) > 0)
        // Answer both, take only the first: the second stays, and is not returned again.
        let reply = Array(String(repeating: "r", count: 5000).utf8) + [0x0A]
        #expect(reply.withUnsafeBytes { Sys.sendThenDiscard(server, $0, 4, scratch: buffer, ring: &ring) })
        if useRing { #expect((ring != nil) == Sys.TakeRing.available, "the ring is kept") }
        var got: [UInt8] = []
        while got.count < reply.count {
            var chunk = [UInt8](repeating: 0, count: 8192)
            let n = Sys.retrying { recv(client, &chunk, chunk.count, 0) }
            try #require(n > 0)
            got += chunk[0..<n]
        }
        #expect(got == reply)
        #expect(Self.unread(client) > 0, "the second request is still held")
        Self.write(client, "three\n")
        #expect(Self.peek(server, buffer) == "three\n")
        // Answer the rest and take both held requests (4 + 6 bytes).
        let ok = Array("ok\n".utf8)
        #expect(ok.withUnsafeBytes { Sys.sendThenDiscard(server, $0, 10, scratch: buffer, ring: &ring) })
        var answer = [UInt8](repeating: 0, count: 16)
        #expect(Sys.retrying { recv(client, &answer, answer.count, 0) } == 3)
        #expect(Self.unread(client) == 0, "everything answered is taken")
        Self.write(client, "four\n")
        #expect(Self.peek(server, buffer) == "four\n")
        // A reply to a peer that went away fails, with or without the ring.
        close(client)
        #expect(!Array("x\n".utf8).withUnsafeBytes { Sys.sendThenDiscard(server, $0, 5, scratch: buffer, ring: &ring) })
    }

    // MARK: On the real binary

    static func start(_ args: [String]) throws -> Daemon {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        return try Daemon(args: ["--model", dir + "/m.allot"] + args, dir: dir)
    }

    /// Bytes the client has sent that the server has not taken off the socket (truesize, not payload).
    static func unread(_ c: Client) -> Int {
        var n: Int32 = 0
        #expect(ioctl(c.fd, UInt(TIOCOUTQ), &n) == 0)
        return Int(n)
    }

    /// Waits for the server to take everything the client sent; false after `timeout` seconds.
    static func drained(_ c: Client, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while unread(c) > 0 {
            if Date() > deadline { return false }
            usleep(1000)
        }
        return true
    }

    static func route(_ i: Int) -> String {
        #"{"op":"route","id":\#(i),"text":"A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts in total does it take? \#(i)","signals":{"probe_agree":0.5}}"#
    }

    /// Batches end in one io_uring call while a connection is the only one (the default), always with
    /// `--take-uring 1`, in plain calls with `--take-uring 0`: the same replies, and the same bytes held and taken.
    @Test(arguments: [[], ["--take-uring", "1"], ["--take-uring", "0"]])
    func answeredRequestsAreHeldUntilABatchFillsThenTaken(flags: [String]) throws {
        let d = try Self.start(["--take-gap", "0", "--take-hold", "30"] + flags)
        defer { d.stop() }
        let c = try Client(path: d.socket)
        for i in 0..<3 { #expect(try c.call(Self.route(i))["ok"] as? Bool == true) }
        #expect(Self.unread(c) > 0, "three answered requests are still on the socket")
        // one write of more than a batch: answered, then taken with the three before it
        var burst = ""
        for i in 3..<40 { burst += Self.route(i) + "\n" }
        #expect(burst.utf8.count > 1024)
        try c.send(burst)
        for i in 3..<40 { #expect(try Client.parse(try #require(try c.readLine()))["id"] as? Int == i) }
        #expect(Self.drained(c))
        #expect(try c.call(#"{"op":"stats","id":"s"}"#)["routes"] as? Int == 40)
    }

    @Test func heldRequestsAreTakenAfterTheHoldTimeoutAndTheConnectionStaysOpen() throws {
        let d = try Self.start(["--take-gap", "0", "--take-hold", "0.05"])
        defer { d.stop() }
        let c = try Client(path: d.socket)
        #expect(try c.call(Self.route(1))["ok"] as? Bool == true)
        #expect(Self.drained(c), "the hold timeout took the request")
        usleep(100_000)
        #expect(try c.call(Self.route(2))["id"] as? Int == 2)
    }

    @Test func withoutBatchesOrAfterAPauseARequestIsTakenBeforeItIsAnswered() throws {
        for args in [["--take-batch", "0"], ["--take-gap", "0.001", "--take-hold", "30"]] {
            let d = try Self.start(args)
            defer { d.stop() }
            let c = try Client(path: d.socket)
            for i in 0..<3 {
                usleep(20_000)  // longer than the gap: each read is taken at once
                #expect(try c.call(Self.route(i))["ok"] as? Bool == true)
                #expect(Self.unread(c) == 0, "\(args) request \(i)")
            }
        }
    }

    /// A client with the smallest send buffer, writing ahead of its replies: the bytes the server holds fill that
    /// buffer, and only the hold timeout lets it send on. Every request must still be answered, without waiting for
    /// the idle timeout.
    @Test func aWriterWithATinySendBufferIsNotStalledByHeldRequests() throws {
        let d = try Self.start(["--take-gap", "0", "--idle-timeout", "60"])
        defer { d.stop() }
        let c = try Client(path: d.socket, timeout: 20)
        var small: Int32 = 1  // the kernel raises it to its minimum (4608 bytes)
        #expect(setsockopt(c.fd, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size)) == 0)
        let count = 300
        let writer = Background {
            for i in 0..<count { try? c.send(Self.route(i) + "\n") }
        }
        let start = Date()
        for i in 0..<count {
            let line = try #require(try c.readLine(), "reply \(i)")
            #expect(try Client.parse(line)["id"] as? Int == i)
        }
        writer.wait()
        #expect(Date().timeIntervalSince(start) < 20)
    }

    /// The io_uring descriptors `allotd` holds (each connection's ring is one).
    static func rings(_ d: Daemon) -> Int {
        descriptorTargets(of: d.process.processIdentifier).filter { $0 == "anon_inode:[io_uring]" }.count
    }

    /// The daemon's open connections as `stats` on `c` reports them, once they are `n` (connections closed a moment
    /// ago may still be counted until their threads end), or after 10 s.
    static func connections(_ c: Client, settlingAt n: Int) throws -> Int? {
        let deadline = Date().addingTimeInterval(10)
        while true {
            let count = try c.call(#"{"op":"stats","id":"s"}"#)["connections"] as? Int
            if count == n || Date() > deadline { return count }
            usleep(1000)
        }
    }

    /// Sends a burst of more than a batch on `c` and reads every reply: the batch ends at least once.
    static func burst(_ c: Client, from first: Int) throws {
        var text = ""
        for i in first..<(first + 20) { text += Self.route(i) + "\n" }
        try c.send(text)
        for i in first..<(first + 20) { #expect(try Client.parse(try #require(try c.readLine()))["id"] as? Int == i) }
        #expect(Self.drained(c))
    }

    /// `--take-uring solo`: a connection ends its batches through a ring while it is the daemon's only one, and in
    /// plain calls while others are open; `1` opens one whatever the others; `0` never.
    @Test func theRingIsUsedByAConnectionWhileItIsTheOnlyOne() throws {
        guard Sys.TakeRing.available else { return }  // a kernel refusing io_uring: plain calls, tested above
        let d = try Self.start(["--take-gap", "0", "--take-hold", "30"])
        defer { d.stop() }
        let a = try Client(path: d.socket)
        // The connection that waited for the daemon to listen may not have ended yet.
        #expect(try Self.connections(a, settlingAt: 1) == 1)
        try Self.burst(a, from: 0)
        #expect(Self.rings(d) == 1, "the only connection took its batch through a ring")
        a.close()
        var deadline = Date().addingTimeInterval(10)
        while Self.rings(d) > 0 && Date() < deadline { usleep(1000) }
        #expect(Self.rings(d) == 0, "closed with its connection")

        let b = try Client(path: d.socket)
        let c = try Client(path: d.socket)
        #expect(try Self.connections(c, settlingAt: 2) == 2)
        try Self.burst(b, from: 20)
        #expect(Self.rings(d) == 0, "two connections: plain calls")
        c.close()
        deadline = Date().addingTimeInterval(10)
        while Self.rings(d) == 0 && Date() < deadline {
            try Self.burst(b, from: 40)  // the count drops when c's thread ends
        }
        #expect(Self.rings(d) == 1, "alone again: through a ring")
        b.close()

        for (flag, expected) in [("1", 1), ("0", 0)] {
            let e = try Self.start(["--take-gap", "0", "--take-hold", "30", "--take-uring", flag])
            defer { e.stop() }
            let x = try Client(path: e.socket)
            let y = try Client(path: e.socket)
            #expect(try Self.connections(y, settlingAt: 2) == 2)
            try Self.burst(x, from: 0)
            #expect(Self.rings(e) == expected, "--take-uring \(flag) with two connections")
        }
    }
}
