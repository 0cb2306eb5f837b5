import AllotJSON
import Glibc

/// One client connection: read, frame lines, answer each in order, write the replies of a read in one send.
/// It never throws out; whatever a peer sends, only its own connection is affected.
struct Connection {
    let fd: Int32
    let engine: Engine
    let config: ServerConfig

    static let readSize = 16 * 1024
    static let keptReplyCapacity = 256 * 1024

    func run() {
        Sys.setTimeouts(fd, seconds: config.idleTimeout)
        var writer = JSONWriter()
        guard let peer = Sys.peerCredentials(fd) else {
            Connection.refuse(fd, .forbidden, "cannot read peer credentials", close: false)
            engine.countError(.forbidden)
            return
        }
        let access = engine.access(for: peer)
        guard access != .none else {
            engine.countError(.forbidden)
            engine.log(.warning, "peer_refused", ["uid": String(peer.uid), "gid": String(peer.gid),
                                                  "pid": String(peer.pid)])
            Connection.refuse(fd, .forbidden, "uid \(peer.uid) gid \(peer.gid) is not allowed", close: false)
            return
        }
        var framer = LineFramer(maxLineBytes: ProtocolHandler.maxLineBytes)
        var handler = ProtocolHandler(engine: engine, access: access)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Connection.readSize, alignment: 16)
        defer { buffer.deallocate() }
        // Requests are taken off the socket in batches (`TakeBatch`), where the kernel can peek at an offset.
        var batch = config.takeBatch > 0 && Sys.enablePeekOffset(fd)
            ? TakeBatch(batchBytes: config.takeBatch, gapSeconds: config.takeGap) : nil
        // Opened at the first batch a connection takes through it: a short-lived connection never needs it.
        var ring: Sys.TakeRing?
        var ringTried = config.takeRing == .off
        var lastReadAt = -Double.infinity
        // A peer that trickles a line without ever finishing it is closed after the idle timeout too.
        var partialSince: Double?
        while true {
            let n = batch?.next == .peek ? Sys.peek(fd, into: buffer) : Sys.read(fd, into: buffer)
            if n < 0, Sys.timedOut(), let expiry = batch?.expired() {
                guard case .take(let held) = expiry, Sys.discard(fd, held, scratch: buffer) else { break }
                Sys.setReceiveTimeout(fd, seconds: config.idleTimeout)
                continue
            }
            if n <= 0 { break }
            framer.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            if batch != nil {  // after the feed: a take reuses the buffer
                let now = Sys.monotonic()
                let step = batch!.read(n, gap: now - lastReadAt)
                lastReadAt = now
                if step.take > 0, !Sys.discard(fd, step.take, scratch: buffer) { break }
                if let t = step.timeout {
                    Sys.setReceiveTimeout(fd, seconds: t == .hold ? config.takeHold : config.idleTimeout)
                }
            }
            writer.reset()
            while let event = framer.next() {
                switch event {
                case .line(let line):
                    line.withUnsafeBytes { handler.handle(line: $0, into: &writer) }
                case .tooLarge:
                    handler.handleTooLarge(into: &writer)
                }
            }
            let take = batch?.answered() ?? 0
            // One relaxed load, and only at a batch's end.
            let viaRing = take > 0 && !(ringTried && ring == nil)
                && (config.takeRing == .on || engine.connections.load(ordering: .relaxed) == 1)
            if viaRing && !ringTried {
                ringTried = true
                ring = Sys.TakeRing()
            }
            if !writer.bytes.isEmpty || take > 0 {
                var used = viaRing ? ring : nil
                let ok = writer.bytes.withUnsafeBytes {
                    Sys.sendThenDiscard(fd, $0, take, scratch: buffer, ring: &used)
                }
                if viaRing && used == nil { ring = nil }  // it failed: plain calls from now on
                if !ok { break }
            }
            // A reply reserves 6 bytes per byte of an echoed string (the worst case of escaping): a huge `id` leaves
            // a large buffer behind, which an idle connection should not keep.
            if writer.bytes.capacity > Connection.keptReplyCapacity { writer = JSONWriter() }
            if framer.bufferedBytes > 0 {
                let now = Sys.monotonic()
                if let since = partialSince {
                    if now - since > config.idleTimeout { break }
                } else {
                    partialSince = now
                }
            } else {
                partialSince = nil
            }
        }
    }

    /// Answers one error line and (by default) closes: for peers refused before any request is read.
    static func refuse(_ fd: Int32, _ code: ServerError.Code, _ message: String, close shouldClose: Bool = true) {
        var w = JSONWriter()
        ProtocolHandler.writeError(id: nil, code, message, into: &w)
        w.endLine()
        w.bytes.withUnsafeBytes { _ = Sys.writeAll(fd, $0) }
        if shouldClose { close(fd) }
    }
}
