// libFuzzer target: the budget state file `allotd` restores at start (`Engine.decodeState`, then the pacer is
// rebased and routes, reports and expires). A state file is the daemon's own output, but flash corrupts and
// people copy files between devices, so it is untrusted input too. Built only by Scripts/fuzz (ALLOT_FUZZ=1).
import AllotModel
import AllotPolicy
import FuzzSupport
import Glibc

@testable import AllotServer

private final class Fixture: @unchecked Sendable {
    let engine: Engine
    let model: LoadedModel

    init() {
        let path = FuzzModel.writeTemporary(tag: "state")
        var config = ServerConfig()
        config.modelPath = path
        config.mode = .window(requests: 16)  // small state files: a small window and few reservation slots
        engine = try! Engine(config: config, log: Log(minimum: .error), now: 1_700_000_000)
        model = engine.state.withLock { $0.model }
        unlink(path)
    }

    /// A real state file after some traffic: the seed.
    func seed() -> [UInt8] {
        let budget = Engine.pacerConfig(engine.config, budget: engine.budget).budget
        var pacer = try! Pacer(config: PacerConfig(budget: budget, maxOutstanding: 16), policy: model.policy,
                               at: 1_700_000_000)
        for i in 0..<24 {
            let t = pacer.reserve(action: i % 2, estimate: i % 2 == 0 ? 1 : 10, at: 1_700_000_000 + Double(i))
            if i % 3 == 0 { _ = pacer.settle(t, cost: 4, at: 1_700_000_000 + Double(i)) }
        }
        return Engine.encodeState(pacer, actions: model.file.actions.map(\.name))
    }
}

private let fixture = Fixture()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzState(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    guard var pacer = try? Engine.decodeState(bytes, config: fixture.engine.config, model: fixture.model,
                                              budget: fixture.engine.budget)
    else { return 0 }
    // what the daemon does next with a restored pacer
    let now = 1_700_000_100.0
    pacer.rebase(at: now)
    for i in 0..<8 {
        let t = pacer.reserve(action: i % 2, estimate: i % 2 == 0 ? 1 : 10, at: now + Double(i))
        _ = pacer.settle(t, cost: 3, at: now + Double(i))
        _ = pacer.settle(Ticket(UInt64(i)), cost: 3, at: now + Double(i))
    }
    _ = pacer.expire(at: now + 1e6)
    let s = pacer.stats(at: now + 1e6)
    precondition(pacer.lambda.isFinite && s.routes >= 8, "restored pacer misbehaves")
    return 0
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzStateInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<CArgv?>) -> CInt {
    guard let dir = getenv("ALLOT_FUZZ_SEEDS").map({ String(cString: $0) }) else { return 0 }
    let bytes = fixture.seed()
    precondition((try? Engine.decodeState(bytes, config: fixture.engine.config, model: fixture.model,
                                          budget: fixture.engine.budget)) != nil, "the seed does not restore")
    let fd = open(dir + "/state", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    bytes.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
    close(fd)
    exit(0)
}

@_cdecl("FuzzState_main")
public func fuzzStateMain(_ argc: CInt, _ argv: CArgv?) -> CInt {
    runFuzzer(argc: argc, argv: argv) { fuzzState($0, $1) }
}
