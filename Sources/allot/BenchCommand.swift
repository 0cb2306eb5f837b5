import AllotJSON
import AllotModel
import AllotModelWriter
import AllotPolicy
import AllotServer
import ArgumentParser
import Foundation

/// `allot bench-decision`: the cost of one route decision in process, without the socket. Per request:
/// features from a GSM8K prompt and a signal, every head, the λ choice, and the budget update (`Pacer.reserve`
/// then `settle`). Also a whole request line through the daemon's own handler (`ProtocolHandler` on an `Engine`
/// serving the model: parse, decision, lock, reservation, reply; everything but the socket), and the time to
/// load and verify each model. Run it in release mode; times
/// are the thread's CPU time, so preemption by other processes does not count (but `--evict-kb`'s lines timed
/// alone, which are medians of wall-clock intervals).
///
/// Models: the default model (`Models/default.allot`) when present, and a synthetic 5-action x 200-tree x
/// depth-6 model (`SyntheticModel`) whose bins are quantiles of the real prompts' features, so trees see
/// realistic codes. `--write-synthetic` saves that model so `Scripts/bench` can serve it with `allotd`.
struct BenchDecision: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-decision",
        abstract: "Measure the in-process route decision (features, heads, choice, budget update) in ns.")

    @Option(help: "Model to measure besides the synthetic one (default: Models/default.allot when present).")
    var model: String?
    @Option(help: "Prompts: JSON lines with \"text\" and \"signals\" (GSM8K).")
    var prompts = "Models/data/gsm8k-cascade.jsonl"
    @Option(help: "Use only prompts at least this many characters long (GSM8K-sized requests).")
    var minChars = 300
    @Option(help: "Timed repetitions; the median is reported.") var reps = 15
    @Option(help: "Requests per repetition.") var requests = 20000
    @Option(help: "Save the synthetic model (signed with a fixed test key) here.") var writeSynthetic: String?
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Time lines with allotd's route fast path off (the generic JSONParser path), for comparison.")
    var genericPath = false
    @Option(help: ArgumentHelp("Also time lines on this many threads at once: sharing one engine, as allotd's "
        + "connections do, then with an engine each; the difference is what the one shared budget costs across "
        + "cores. 1: one thread only."))
    var threads = 1
    @Option(help: ArgumentHelp("Also time lines with this many KiB written over before each, as the kernel and the "
        + "client leave a sidecar's caches between requests: each line timed alone on the monotonic clock, the "
        + "same way with nothing written over, and the timer's own cost subtracted. 0: off."))
    var evictKb = 0

    func validate() throws {
        guard threads >= 1 && threads <= 64 else { throw ValidationError("--threads must be 1 to 64") }
        // 64 MiB is past the last-level cache of any machine this runs on; more only takes longer.
        guard evictKb >= 0 && evictKb <= 1 << 16 else { throw ValidationError("--evict-kb must be 0 to 65536") }
        guard reps >= 1 && requests >= 1 else { throw ValidationError("--reps and --requests must be at least 1") }
    }

    func run() throws {
        let pool = try BenchPrompts.load(path: prompts, minChars: minChars)
        var results: [BenchDecisionResult] = []
        let defaultPath = model ?? (FileManager.default.fileExists(atPath: "Models/default.allot")
            ? "Models/default.allot" : nil)
        if let defaultPath {
            results.append(try measure(name: "default", path: defaultPath, trustedKeys: nil, pool: pool))
        }
        let (file, publicKey) = try synthetic(pool: pool)
        let path = writeSynthetic ?? NSTemporaryDirectory() + "/allot-bench-decision-\(getpid()).allot"
        try Data(file).write(to: URL(fileURLWithPath: path))
        defer { if writeSynthetic == nil { try? FileManager.default.removeItem(atPath: path) } }
        results.append(try measure(name: "synthetic-5x200x6", path: path, trustedKeys: [publicKey], pool: pool))

        if json {
            let items = results.map(\.json).joined(separator: ", ")
            print("{\"prompts\": \(pool.count), \"mean_prompt_chars\": \(BenchPrompts.meanChars(pool)), "
                + "\"models\": [\(items)]}")
        } else {
            print("prompts           \(pool.count) GSM8K prompts, mean \(BenchPrompts.meanChars(pool)) chars")
            if defaultPath == nil { print("default model     not found (Models/default.allot): skipped") }
            for r in results { print(r.text) }
        }
    }

    /// Load + verify as `allotd` does it (read, signature when keys are given, integrity, inflate, decode,
    /// validate, build the policy), then the timed loops. Times are this thread's CPU time, but the lines timed
    /// alone (`timeLinesAlone`).
    func measure(name: String, path: String, trustedKeys: [[UInt8]]?, pool: [BenchPrompt]) throws
        -> BenchDecisionResult
    {
        var loads: [Double] = []
        var policy: Policy?
        var bytes: [UInt8] = []
        for _ in 0..<30 {
            let t0 = BenchStats.cpuNow()
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            if let trustedKeys { _ = try ModelSigner.verify(bytes, trustedKeys: trustedKeys) }
            policy = try Policy(model: ModelReader.decode(bytes))
            loads.append(BenchStats.cpuNow() - t0)
        }
        guard let policy else { throw ValidationError("no model") }
        let budget = policy.model.lambdaTable.isEmpty
            ? policy.model.actions.map(\.meanCost).sorted()[policy.actionCount / 2]
            : policy.model.lambdaTable[policy.model.lambdaTable.count / 2].budget
        var harness = try DecisionHarness(policy: policy, path: path, budget: budget, pool: pool)
        harness.handler.fastPath = !genericPath
        try harness.checkLines()
        var decide: [Double] = []
        var wire: [Double] = []
        var shared: [Double] = []
        var apart: [Double] = []
        var timedWarm: [Double] = []
        var timedCold: [Double] = []
        let evicted = evictKb > 0
            ? UnsafeMutableRawBufferPointer.allocate(byteCount: evictKb << 10, alignment: 64) : nil
        defer { evicted?.deallocate() }
        evicted?.initializeMemory(as: UInt8.self, repeating: 0)
        let engines = try (0..<(threads > 1 ? threads : 0)).map { _ in
            try DecisionHarness.engine(path: path, budget: budget)
        }
        for _ in 0..<reps {
            decide.append(harness.timeDecisions(requests))
            wire.append(harness.timeLines(requests))
            if threads > 1 {
                shared.append(ConcurrentLines.time(engines: Array(repeating: harness.engine, count: threads),
                                                   lines: harness.lines, requests: requests))
                apart.append(ConcurrentLines.time(engines: engines, lines: harness.lines, requests: requests))
            }
            if let evicted {
                timedWarm.append(harness.timeLinesAlone(requests, evicting: nil))
                timedCold.append(harness.timeLinesAlone(requests, evicting: evicted))
            }
        }
        let m = policy.model
        return BenchDecisionResult(
            name: name, actions: m.actions.count, trees: m.utility.map(\.depths.count).reduce(0, +)
                + m.cost.compactMap { $0?.depths.count }.reduce(0, +),
            features: policy.featureCount, fileBytes: bytes.count, signed: trustedKeys != nil,
            loadMs: BenchStats.median(loads) * 1e3, decideNs: BenchStats.median(decide) * 1e9,
            decideMinNs: (decide.min() ?? 0) * 1e9, lineNs: BenchStats.median(wire) * 1e9,
            threads: threads, sharedLineNs: BenchStats.median(shared) * 1e9,
            apartLineNs: BenchStats.median(apart) * 1e9, evictKb: evictKb,
            timedWarmLineNs: BenchStats.median(timedWarm) * 1e9, timedColdLineNs: BenchStats.median(timedCold) * 1e9,
            actionShares: harness.actionShares)
    }

    /// The reference 5 x 200 x depth-6 model over the real extractor's features (hashed n-grams and the
    /// `probe_agree` signal), binned at quantiles of the prompts' features, signed with a fixed key.
    func synthetic(pool: [BenchPrompt]) throws -> ([UInt8], [UInt8]) {
        let spec = FeatureSpec(hashBuckets: 32, ngramMax: 2, signals: ["probe_agree"])
        let extractor = try FeatureExtractor(spec: spec)
        let rows = pool.map { extractor.extract(text: $0.text, signals: $0.signals) }
        let edges = 32
        let bins = FeatureBins(edges: (0..<extractor.count).map { f in
            let values = rows.map { $0[f] }.filter { !$0.isNaN }.sorted()
            var e: [Float] = []
            for q in 1...edges where !values.isEmpty {
                let v = values[min(values.count - 1, q * values.count / (edges + 1))]
                if e.last.map({ v > $0 }) ?? true { e.append(v) }
            }
            return e.isEmpty ? [0.5] : e
        })
        var rng = SeededGenerator(seed: 2026)
        let heads = SyntheticModel.floatHeads(actions: 5, trees: 200, depth: 6, features: extractor.count,
                                              edgesPerFeature: edges, rng: &rng)
        var m = SyntheticModel.model(utility: heads, bins: bins)
        m.features = spec
        var file = try ModelWriter.encode(m)
        let key = try ModelSigner.keypair(seed: [UInt8](repeating: 7, count: 32))
        try ModelSigner.sign(&file, secretKey: key.secretKey)
        return (file, key.publicKey)
    }
}

/// One prompt of the pool: its text and its runtime signals.
struct BenchPrompt {
    var text: String
    var signals: [String: Double]
}

enum BenchPrompts {
    static func load(path: String, minChars: Int) throws -> [BenchPrompt] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var pool: [BenchPrompt] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard case .object(let row) = try JSONParser.parse([UInt8](line)),
                  case .string(let text)? = row["text"], text.count >= minChars else { continue }
            var signals: [String: Double] = [:]
            if case .object(let s)? = row["signals"] {
                for (k, v) in s { if case .number(let d) = v { signals[k] = d } }
            }
            pool.append(BenchPrompt(text: text, signals: signals))
        }
        guard !pool.isEmpty else { throw ValidationError("no prompts of at least \(minChars) characters in \(path)") }
        return pool
    }

    static func meanChars(_ pool: [BenchPrompt]) -> Int {
        pool.map(\.text.count).reduce(0, +) / max(1, pool.count)
    }
}

enum BenchStats {
    static func median(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.sorted()[xs.count / 2] }

    static func monotonicNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// One byte written per 64 bytes of `buffer` (a cache line here): those lines displace what the caches held.
    static func writeOver(_ buffer: UnsafeMutableRawBufferPointer) {
        let bytes = buffer.bindMemory(to: UInt8.self)
        for i in stride(from: 0, to: bytes.count, by: 64) { bytes[i] &+= 1 }
    }

    /// This thread's CPU time in seconds: on a shared machine, time spent preempted is not the decision's cost.
    static func cpuNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

struct BenchDecisionResult {
    var name: String
    var actions, trees, features, fileBytes: Int
    var signed: Bool
    var loadMs, decideNs, decideMinNs, lineNs: Double
    /// With `threads` > 1: the median per-thread line time with that many threads sharing one engine, and with an
    /// engine each.
    var threads: Int
    var sharedLineNs, apartLineNs: Double
    /// With `evictKb` > 0: the median line timed alone less the timer's own cost, as is and with that many KiB
    /// written over before it.
    var evictKb: Int
    var timedWarmLineNs, timedColdLineNs: Double
    var actionShares: [Double]

    var json: String {
        let shares = actionShares.map { String(format: "%.3f", $0) }.joined(separator: ", ")
        return "{\"name\": \"\(name)\", \"actions\": \(actions), \"trees\": \(trees), \"features\": \(features), "
            + "\"file_bytes\": \(fileBytes), \"signature_checked\": \(signed), "
            + "\"load_verify_ms\": \(String(format: "%.3f", loadMs)), "
            + "\"decision_ns\": \(String(format: "%.1f", decideNs)), "
            + "\"decision_min_ns\": \(String(format: "%.1f", decideMinNs)), "
            + "\"line_ns\": \(String(format: "%.1f", lineNs)), "
            + (threads > 1
                ? "\"threads\": \(threads), \"line_ns_shared_engine\": \(String(format: "%.1f", sharedLineNs)), "
                    + "\"line_ns_engine_each\": \(String(format: "%.1f", apartLineNs)), " : "")
            + (evictKb > 0
                ? "\"evict_kb\": \(evictKb), \"line_ns_timed_alone\": \(String(format: "%.1f", timedWarmLineNs)), "
                    + "\"line_ns_timed_alone_evicted\": \(String(format: "%.1f", timedColdLineNs)), " : "")
            + "\"action_shares\": [\(shares)]}"
    }

    var threadsText: String {
        guard threads > 1 else { return "" }
        return "\n  line, \(threads) threads \(String(format: "%.0f", sharedLineNs)) ns per request and thread "
            + "sharing one engine, \(String(format: "%.0f", apartLineNs)) with an engine each"
    }

    var evictText: String {
        guard evictKb > 0 else { return "" }
        return "\n  line, timed alone \(String(format: "%.0f", timedWarmLineNs)) ns; with \(evictKb) KiB written over "
            + "before each \(String(format: "%.0f", timedColdLineNs)) ns"
    }

    var text: String {
        """
        model             \(name): \(actions) actions, \(trees) trees, \(features) features, \(fileBytes) bytes\
        \(signed ? ", signature checked" : "")
          load + verify   \(String(format: "%.3f", loadMs)) ms (median of 30)
          decision        \(String(format: "%.0f", decideNs)) ns per request (median; best \
        \(String(format: "%.0f", decideMinNs))): features + heads + choice + reserve/settle
          line            \(String(format: "%.0f", lineNs)) ns per request: allotd's handler: parse + decision + \
        reply\(threadsText)\(evictText)
          actions         \(actionShares.map { String(format: "%.2f", $0) }.joined(separator: " "))
        """
    }
}

/// The timed loops, with every buffer made up front so a request allocates only what the daemon's would.
struct DecisionHarness {
    let policy: Policy
    var scratch: DecisionScratch
    var pacer: Pacer
    var rng = SplitMix64(seed: 1)
    var now = 0.0
    let texts: [[UInt8]]
    let signals: [[Float]]
    let lines: [[UInt8]]
    /// `allotd`'s request handler on an engine serving the same model file (no signature check: load is timed
    /// apart), with the same budget.
    var handler: ProtocolHandler
    let engine: Engine
    var writer = JSONWriter()
    var counts: [Int]

    init(policy: Policy, path: String, budget: Double, pool: [BenchPrompt]) throws {
        self.policy = policy
        scratch = DecisionScratch(policy: policy)
        pacer = try Pacer(config: PacerConfig(budget: .window(meanCost: budget, requests: 1000)), policy: policy, at: 0)
        texts = pool.map { Array($0.text.utf8) }
        let names = policy.model.features.signals
        signals = pool.map { p in names.map { p.signals[$0].map(Float.init) ?? .nan } }
        lines = pool.enumerated().map { i, p in
            var w = JSONWriter()
            w.beginObject()
            w.key("op"); w.string("route")
            w.key("id"); w.int(i)
            w.key("text"); w.string(p.text)
            w.key("signals"); w.beginObject()
            w.key("probe_agree"); w.number(p.signals["probe_agree"] ?? 0)
            w.endObject()
            w.endObject()
            return w.bytes
        }
        engine = try DecisionHarness.engine(path: path, budget: budget)
        handler = ProtocolHandler(engine: engine, access: .user)
        counts = [Int](repeating: 0, count: policy.actionCount)
    }

    /// An engine serving the model file at `path` with a mean budget of `budget` (no signature check: load is timed
    /// apart).
    static func engine(path: String, budget: Double) throws -> Engine {
        var config = ServerConfig()
        config.modelPath = path
        config.budget = budget
        return try Engine(config: config, log: Log(minimum: .error), now: Sys.wallClock())
    }

    var actionShares: [Double] {
        let total = Double(max(1, counts.reduce(0, +)))
        return counts.map { Double($0) / total }
    }

    /// Features + every head + choice + reserve + settle; seconds per request.
    mutating func timeDecisions(_ n: Int) -> Double {
        let t0 = BenchStats.cpuNow()
        for i in 0..<n {
            let p = i % texts.count
            let draw = rng.nextUnit()
            let action = texts[p].withUnsafeBufferPointer { text in
                signals[p].withUnsafeBufferPointer { sig in
                    policy.decide(text: text, signals: sig, lambda: pacer.lambda, mix: pacer.mix, draw: draw,
                                  scratch: &scratch)
                }
            }
            let cost = scratch.costs[action]
            let ticket = pacer.reserve(action: action, estimate: cost, at: now)
            pacer.settle(ticket, cost: cost, at: now)
            now += 0.001
            counts[action] += 1
        }
        return (BenchStats.cpuNow() - t0) / Double(n)
    }

    /// What `allotd` does per route line besides the socket and framing: `ProtocolHandler.handle`, i.e. parse
    /// (the route fast path for these lines), decide, reserve under the engine's lock, write the reply.
    mutating func timeLines(_ n: Int) -> Double {
        DecisionHarness.timeLines(n, of: lines, handler: &handler, writer: &writer)
    }

    /// `n` lines through `handler`, in turn from `lines`; this thread's CPU seconds per line.
    static func timeLines(_ n: Int, of lines: [[UInt8]], handler: inout ProtocolHandler, writer: inout JSONWriter)
        -> Double
    {
        let t0 = BenchStats.cpuNow()
        for i in 0..<n { handle(lines[i % lines.count], handler: &handler, writer: &writer) }
        return (BenchStats.cpuNow() - t0) / Double(n)
    }

    /// One line through `handler`, its reply in `writer` (emptied first).
    @inline(__always)
    static func handle(_ line: [UInt8], handler: inout ProtocolHandler, writer: inout JSONWriter) {
        writer.reset()
        line.withUnsafeBytes { handler.handle(line: $0, into: &writer) }
    }

    /// `n` lines, each timed alone on the monotonic clock (wall time: a preempted line is an outlier, which the
    /// median leaves out), with `evicting` written over before each (one byte per 64 bytes) when given. Returns
    /// the median line less the median of an empty interval timed the same way (the timer's own cost), in seconds.
    mutating func timeLinesAlone(_ n: Int, evicting: UnsafeMutableRawBufferPointer?) -> Double {
        var lineNs = [UInt64](repeating: 0, count: n)
        var emptyNs = [UInt64](repeating: 0, count: n)
        for i in 0..<n {
            if let evicting { BenchStats.writeOver(evicting) }
            let t0 = BenchStats.monotonicNs()
            let t1 = BenchStats.monotonicNs()
            emptyNs[i] = t1 &- t0
            if let evicting { BenchStats.writeOver(evicting) }
            let t2 = BenchStats.monotonicNs()
            DecisionHarness.handle(lines[i % lines.count], handler: &handler, writer: &writer)
            let t3 = BenchStats.monotonicNs()
            lineNs[i] = t3 &- t2
        }
        lineNs.sort()
        emptyNs.sort()
        return Double(Int64(bitPattern: lineNs[n / 2] &- emptyNs[n / 2])) * 1e-9
    }

    /// Every line once through the handler (untimed), so a line the daemon would refuse cannot pass for a fast one.
    mutating func checkLines() throws {
        for line in lines {
            DecisionHarness.handle(line, handler: &handler, writer: &writer)
            guard case .object(let reply) = try JSONParser.parse(writer.bytes), reply["ok"] == .bool(true) else {
                throw ValidationError("allotd's handler refused a bench line: \(writer.text)")
            }
        }
    }
}

/// Lines through allotd's handler on several threads at once, one per engine given (the same engine repeated: the
/// threads share it as allotd's connections do). Each thread has its own handler and its own copy of the lines, so
/// nothing but the engines is shared. Returns the median over the threads of each one's CPU time per line.
enum ConcurrentLines {
    static func time(engines: [Engine], lines: [[UInt8]], requests: Int) -> Double {
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var seconds: [Double] = []
        }
        let results = Results()
        let ready = DispatchGroup()
        let done = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for engine in engines {
            // Fresh buffers: copies sharing the lines' storage would bounce its reference counts between cores.
            let own = lines.map { line in line.withUnsafeBufferPointer { [UInt8]($0) } }
            ready.enter()
            done.enter()
            Thread.detachNewThread {
                var handler = ProtocolHandler(engine: engine, access: .user)
                var writer = JSONWriter()
                // Warm: the route scratch is built on a handler's first route.
                _ = DecisionHarness.timeLines(min(requests, 1000), of: own, handler: &handler, writer: &writer)
                ready.leave()
                start.wait()
                let seconds = DecisionHarness.timeLines(requests, of: own, handler: &handler, writer: &writer)
                results.lock.lock()
                results.seconds.append(seconds)
                results.lock.unlock()
                done.leave()
            }
        }
        ready.wait()
        for _ in engines { start.signal() }
        done.wait()
        return BenchStats.median(results.seconds)
    }
}
