// libFuzzer target: the request-line path of `allotd` (LineFramer -> JSONParser -> ProtocolHandler -> Engine),
// in-process, on a small test model. Built only by Scripts/fuzz (ALLOT_FUZZ=1, -sanitize=fuzzer,address,
// -enable-testing for the internal ProtocolHandler and Engine).
//
// Input: byte 0 picks the chunking of the rest (whole, byte by byte, or pseudo-random chunks); the rest is the
// byte stream a peer sends. Oracles, besides "no crash, trap, leak or hang" under ASan:
// - the framer yields the same events whatever the chunking;
// - every event gets exactly one reply line, and every reply is a JSON object with a boolean "ok";
// - the route fast path answers exactly as the generic path: every line also goes to a second engine (same model
//   and seed, so both stay in lockstep) through a handler with the fast path off, and the replies must be equal
//   byte for byte (except `stats`, whose uptime differs).
import AllotJSON
import AllotModel
import AllotPolicy
import FuzzSupport
@testable import AllotServer
import Glibc

private final class Fixture: @unchecked Sendable {
    let engine: Engine
    /// The generic path's twin of `engine`.
    let generic: Engine

    init() {
        let path = FuzzModel.writeTemporary(tag: "request")
        var config = ServerConfig()
        config.modelPath = path
        config.reportTTL = 1e9
        engine = try! Engine(config: config, log: Log(minimum: .error), now: 1_700_000_000)
        generic = try! Engine(config: config, log: Log(minimum: .error), now: 1_700_000_000)
        unlink(path)
    }
}

private func isStats(_ line: ArraySlice<UInt8>) -> Bool {
    guard case .object(let r)? = line.withUnsafeBytes({ try? JSONParser.parse($0, maxDepth: 8) }) else { return false }
    return r["op"] == .string("stats")
}

private let fixture = Fixture()

private func frame(_ data: [UInt8], chunking: UInt8) -> [LineFramer.Event] {
    var framer = LineFramer(maxLineBytes: ProtocolHandler.maxLineBytes)
    var events: [LineFramer.Event] = []
    func drain() { while let e = framer.next() { events.append(e) } }
    switch chunking % 3 {
    case 0:
        framer.feed(data)
        drain()
    case 1:
        for b in data {
            framer.feed([b])
            drain()
        }
    default:
        var rng = SplitMix64(seed: UInt64(chunking))
        var i = 0
        while i < data.count {
            let n = min(data.count - i, 1 + Int(rng.next() % 97))
            framer.feed(data[i..<(i + n)])
            drain()
            i += n
        }
    }
    while let e = framer.finish() { events.append(e) }
    return events
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: start, count: count))
    let data = Array(input[1...])
    let events = frame(data, chunking: input[0])
    if input[0] % 3 != 0 {
        let whole = frame(data, chunking: 0)
        precondition(whole == events, "framing depends on chunking")
    }
    var handler = ProtocolHandler(engine: fixture.engine, access: .user)
    var generic = ProtocolHandler(engine: fixture.generic, access: .user)
    generic.fastPath = false
    var writer = JSONWriter()
    var genericWriter = JSONWriter()
    for event in events {
        let start = writer.bytes.count
        genericWriter.reset()
        switch event {
        case .line(let line):
            line.withUnsafeBytes { handler.handle(line: $0, into: &writer) }
            line.withUnsafeBytes { generic.handle(line: $0, into: &genericWriter) }
            if isStats(line) { continue }
        case .tooLarge:
            handler.handleTooLarge(into: &writer)
            generic.handleTooLarge(into: &genericWriter)
        }
        precondition(writer.bytes[start...].elementsEqual(genericWriter.bytes),
                     "fast path reply differs: \(String(decoding: writer.bytes[start...], as: UTF8.self)) vs "
                         + String(decoding: genericWriter.bytes, as: UTF8.self))
    }
    var replies = 0
    var lineStart = 0
    let out = writer.bytes
    for (i, b) in out.enumerated() where b == UInt8(ascii: "\n") {
        let reply = out[lineStart..<i]
        lineStart = i + 1
        replies += 1
        let value = reply.withUnsafeBytes { try? JSONParser.parse($0, maxDepth: 64) }
        guard case .object(let obj)? = value, case .bool? = obj["ok"] else {
            preconditionFailure("reply is not an object with \"ok\": \(String(decoding: reply, as: UTF8.self))")
        }
    }
    precondition(lineStart == out.count && replies == events.count, "one reply line per request line")
    return 0
}

@_cdecl("FuzzRequest_main")
public func fuzzRequestMain(_ argc: CInt, _ argv: CArgv?) -> CInt {
    runFuzzer(argc: argc, argv: argv) { fuzzRequest($0, $1) }
}
