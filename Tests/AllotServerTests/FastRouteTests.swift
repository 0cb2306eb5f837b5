import AllotJSON
import AllotModel
import AllotModelWriter
import AllotPolicy
import AllotServer
import Foundation
import Testing

/// The route fast path against the generic path, byte for byte: two engines on the same model and seed, one
/// handler with the fast path and one without, fed the same lines in the same order. Every reply must be equal
/// (so the fast path never accepts a line the generic path rejects, and never answers differently), and the fast
/// path must actually have answered the plain routes.
@Suite(.serialized)
struct FastRouteTests {
    /// Both paths' handlers, each on its own engine.
    struct Pair {
        var fast: ProtocolHandler
        var slow: ProtocolHandler
        var compared = 0

        init(model: String, shadow: String? = nil) throws {
            func engine() throws -> Engine {
                var config = ServerConfig()
                config.modelPath = model
                config.reportTTL = 1e9
                return try Engine(config: config, log: Log(minimum: .error), now: 1_700_000_000)
            }
            fast = ProtocolHandler(engine: try engine(), access: .admin)
            slow = ProtocolHandler(engine: try engine(), access: .admin)
            slow.fastPath = false
            if let shadow {
                let line = #"{"op":"shadow","model":"\#(shadow)"}"#
                let reply = check(Array(line.utf8))
                #expect(reply.contains(#""ok":true"#), "\(reply)")
            }
        }

        /// Answers `line` on both; records an issue when the replies differ. Returns the fast side's reply.
        @discardableResult
        mutating func check(_ line: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> String {
            var a = JSONWriter()
            var b = JSONWriter()
            line.withUnsafeBytes { fast.handle(line: $0, into: &a) }
            line.withUnsafeBytes { slow.handle(line: $0, into: &b) }
            if Pair.isStats(line) { return String(decoding: a.bytes, as: UTF8.self) }  // uptime differs
            compared += 1
            #expect(a.bytes == b.bytes, "line \(String(decoding: line, as: UTF8.self).debugDescription)",
                    sourceLocation: sourceLocation)
            return String(decoding: a.bytes, as: UTF8.self)
        }

        static func isStats(_ line: [UInt8]) -> Bool {
            guard case .object(let r)? = try? JSONParser.parse(line, maxDepth: 8) else {
                return false
            }
            return r["op"] == .string("stats")
        }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A model whose utility depends on each of `signals` (one tree per signal), so a misread signal shows in the
    /// chosen action, the costs and λ.
    static func writeModel(signals: [String], to path: String) throws {
        let spec = FeatureSpec(hashBuckets: 16, ngramMax: 1, signals: signals)
        let count = try FeatureExtractor(spec: spec).count
        let bins = FeatureBins(edges: [[Float]](repeating: [0.5], count: count))
        let first = count - signals.count
        let trees = signals.indices.map { i in
            FloatTree(features: [UInt16(first + i)], thresholds: [1], leaves: [0, 0.1 * Float(i + 1)])
        }
        let text = FloatTree(features: [0], thresholds: [1], leaves: [0, 0.05])
        let small = Head.quantize(base: 0.5, trees: trees + [text])
        let big = Head.quantize(base: 0.8, trees: [FloatTree(features: [0], thresholds: [1], leaves: [0, 0.01])])
        let specs = [
            ActionSpec(name: "small", params: #"{"model":"s","max_tokens":256}"#, meanCost: 1),
            ActionSpec(name: "big", params: #"{"model":"b"}"#, meanCost: 10),
        ]
        let file = AllotModelFile(
            info: ModelInfo(id: "fast-route", version: 1, createdAt: 1_700_000_000, costUnit: "tokens"),
            features: spec, actions: specs, bins: bins, utility: [small, big],
            cost: [Head?](repeating: nil, count: specs.count),
            lambdaTable: [LambdaPoint(budget: 5.5, lambda: 0.04, mix: 0)], card: #"{"recommended_budget": 5.5}"#)
        try Data(ModelWriter.encode(file)).write(to: URL(fileURLWithPath: path))
    }

    /// The request lines of the protocol tests, the fuzz corpus (framed as the server frames it) and a few more.
    static func seedLines() throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for name in ["ProtocolTests.swift", "ReliabilityTests.swift", "LifecycleTests.swift"] {
            let source = try String(contentsOf: root.appendingPathComponent("Tests/AllotServerTests/" + name),
                                    encoding: .utf8)
            for piece in source.components(separatedBy: "#\"").dropFirst() {
                guard let end = piece.range(of: "\"#") else { continue }
                let line = String(piece[..<end.lowerBound])
                if line.hasPrefix("{") && !line.contains("\\(") { lines.append(Array(line.utf8)) }
            }
        }
        let corpus = root.appendingPathComponent("Fuzz/request/corpus")
        for name in try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted() {
            let data = [UInt8](try Data(contentsOf: corpus.appendingPathComponent(name)))
            var framer = LineFramer(maxLineBytes: ProtocolHandler.maxLineBytes)
            framer.feed(Array(data.dropFirst()))
            while let event = framer.finish() {
                if case .line(let line) = event { lines.append(Array(line)) }
            }
        }
        lines += [
            #"{"op":"route","id":0,"text":"Every day, Wendi feeds each of her chickens three cups.","signals":{"probe_agree":0}}"#,
            #"  {"op" : "route" , "text" : "spaced\tout" , "signals" : { "probe_agree" : 1 , "x" : -2 } }  "#,
            #"{"text":"order","explain":false,"signals":{"x":0.75,"long_signal_name":3},"id":"q","op":"route"}"#,
            #"{"op":"route","signals":null}"#,
            #"{"op":"route","signals":{}}"#,
            #"{"op":"route","text":null,"signals":{"x":1}}"#,
            #"{"op":"route","text":null}"#,
            #"{"op":"route","text":"","explain":null,"id":-0}"#,
            #"{"op":"route","text":"esc \" \\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00 \u0000","id":"\u00e9\n"}"#,
            #"{"op":"route","text":"x","id":1E-2,"signals":{"probe_agree":1e-400,"x":123456789012345678901234567890}}"#,
            #"{"op":"route","text":"x","signals":{"probe_agree":1,"probe_agree":0}}"#,
            #"{"op":"route","text":"x","signals":{"probe_agree":1e400}}"#,
            #"{"op":"route","text":"x","signals":{"\u0070robe_agree":1}}"#,
            #"{"op":"route","text":"x","signals":{"probe_agree":1},"extra":true}"#,
            #"{"op":"route","op":"hello"}"#,
            #"{"op":"rout\u0065","text":"x"}"#,
            #"{"op":"route","text":"x","id":"\#(String(repeating: "a", count: 256))"}"#,
            #"{"op":"route","text":"x","id":"\#(String(repeating: "a", count: 257))"}"#,
            #"{"op":"route","text":"x","id":"\#(String(repeating: "\\u00e9", count: 128))"}"#,
            #"{"op":"route","text":"x","id":"\#(String(repeating: "\\u00e9", count: 129))"}"#,
            #"{"op":"route","text":"x","id":null}"#,
            #"{"op":"route","text":"x","id":1e400}"#,
            #"{"op":"route","text":"x","explain":1}"#,
            #"{"op":"route","text":"x"} {}"#,
            #"{"op":"route","text":"x",}"#,
            #"{"op":"route","text":"x""#,
        ].map { Array($0.utf8) }
        lines.append(Array(#"{"op":"route","text":"bad "#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8))
        lines.append(Array(#"{"op":"route","text":"surrogate "#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8))
        lines.append(Array(#"{"op":"route","text":"ok "#.utf8) + [0xF0, 0x9F, 0x98, 0x80] + Array(#""}"#.utf8))
        lines.append([0xEF, 0xBB, 0xBF] + Array(#"{"op":"route","text":"bom"}"#.utf8))
        lines.append(Array(#"{"op":"route","text":"x","signals":{"\#u{212A}":1}}"#.utf8))
        return lines
    }

    /// Pieces the mutations splice in: escapes, duplicate members, nesting, odd numbers, long ids, bad UTF-8.
    static let pieces: [[UInt8]] = [
        #"\u00e9"#, #"\ud83d\ude00"#, #"\ud800"#, #"\udc00"#, #"\u12"#, #"\x"#, #"\n"#, #"\/"#, #"\""#,
        #","op":"route""#, #","op":"hello""#, #","text":null"#, #","text":"dup""#, #","id":1e400"#,
        #","id":"again""#, #","signals":{}"#, #","signals":{"probe_agree":1}"#, #","explain":true"#, #","x":1"#,
        #"{"a":[1,{"b":[]}]}"#, "[[[[[[[[[1]]]]]]]]]", "1e400", "-0", "1E-2", "0.1e-400", "-1.5e-300", "01", "+1",
        ".5", "1.", "123456789012345678901234567890", "true", "null", "NaN", #""\#(String(repeating: "z", count: 300))""#,
        " ", "\t", "\r", "\n", "}", "{", "]", ":", ",", "\"",
    ].map { Array($0.utf8) } + [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x00], [0x1F],
                                [0xE2, 0x84, 0xAA]]

    static func mutate(_ line: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var out = line
        for _ in 0...(rng.next() % 3) {
            let at = out.isEmpty ? 0 : Int(rng.next() % UInt64(out.count + 1))
            switch rng.next() % 6 {
            case 0 where !out.isEmpty:
                out[min(at, out.count - 1)] = UInt8(truncatingIfNeeded: rng.next())
            case 1 where !out.isEmpty:
                out.remove(at: min(at, out.count - 1))
            case 2:
                let alphabet = Array(#"{}[]":,\ 0123456789eE-+.untfr"#.utf8)
                out.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
            default:
                out.insert(contentsOf: pieces[Int(rng.next() % UInt64(pieces.count))], at: at)
            }
        }
        return out
    }

    /// Valid routes of every shape the fast path takes, to mutate.
    static func routeLines(_ rng: inout SplitMix64) -> [[UInt8]] {
        let texts = [#""Natalia sold clips to 48 of her friends in April, and then half as many in May.""#,
                     #""caf\u00e9 \ud83d\ude00 \"quoted\"""#, #""""#, "null"]
        let ids = [#"7"#, #""r-1""#, #"-1.5e-3"#, #""\u00e9""#, "0"]
        var lines: [[UInt8]] = []
        for i in 0..<40 {
            var members = [#""op":"route""#]
            if i % 5 != 0 { members.append(#""id":\#(ids[i % ids.count])"#) }
            if i % 7 != 3 { members.append(#""text":\#(texts[i % texts.count])"#) }
            if i % 3 != 1 || i % 7 == 3 || i % texts.count == 3 {  // a route needs text or signals
                let v = Double(rng.next() % 2000) / 1000
                members.append(#""signals":{"probe_agree":\#(v),"x":\#(i),"long_signal_name":-\#(v)}"#)
            }
            if i % 4 == 0 { members.append(#""explain":\#(i % 8 == 0)"#) }
            for j in members.indices.reversed() where j > 0 {
                members.swapAt(j, Int(rng.next() % UInt64(j + 1)))
            }
            lines.append(Array(("{" + members.joined(separator: ",") + "}").utf8))
        }
        return lines
    }

    func run(_ pair: inout Pair, mutations: Int, fast: Bool = true) throws {
        var rng = SplitMix64(seed: 0x5EED)
        for line in try Self.seedLines() { pair.check(line) }
        let routes = Self.routeLines(&rng)
        let fastBefore = pair.fast.fastRoutes
        for line in routes { pair.check(line) }
        #expect(pair.fast.fastRoutes - fastBefore == (fast ? routes.count : 0), "every plain route takes the fast path")
        for _ in 0..<mutations {
            pair.check(Self.mutate(routes[Int(rng.next() % UInt64(routes.count))], &rng))
        }
        #expect(pair.slow.fastRoutes == 0)
    }

    @Test func sameRepliesAsTheGenericPath() throws {
        let dir = Daemon.tempDir()
        try Self.writeModel(signals: ["probe_agree", "x", "long_signal_name"], to: dir + "/m.allot")
        var pair = try Pair(model: dir + "/m.allot")
        try run(&pair, mutations: 4000)
        #expect(pair.fast.fastRoutes > 500, "the mutations leave many lines the fast path takes")
    }

    @Test func sameRepliesWithAShadowModel() throws {
        let dir = Daemon.tempDir()
        try Self.writeModel(signals: ["long_signal_name", "probe_agree"], to: dir + "/m.allot")
        try TestModel.write(to: dir + "/shadow.allot")
        var pair = try Pair(model: dir + "/m.allot", shadow: dir + "/shadow.allot")
        try run(&pair, mutations: 1500)
        #expect(pair.fast.fastRoutes > 200)
    }

    /// A signal name that is not ASCII may equal a request key as a `String` but not as bytes: the fast path
    /// leaves every route to the generic path for such a model.
    @Test func nonASCIISignalNamesTakeTheGenericPath() throws {
        let dir = Daemon.tempDir()
        try Self.writeModel(signals: ["\u{212A}", "probe_agree"], to: dir + "/m.allot")
        var pair = try Pair(model: dir + "/m.allot")
        pair.check(Array(#"{"op":"route","text":"x","signals":{"K":1}}"#.utf8))
        pair.check(Array(#"{"op":"route","text":"x","signals":{"\#u{212A}":1}}"#.utf8))
        try run(&pair, mutations: 300, fast: false)
        #expect(pair.fast.fastRoutes == 0)
    }

    /// The reply's head at its longest, in the room the fast path reserves for it: a 256-byte id of control
    /// characters (each escaped to 6 bytes) and ids whose numbers take the longest form; with an explanation too.
    @Test func longestIDsFitTheirReservedRoom() throws {
        let dir = Daemon.tempDir()
        try Self.writeModel(signals: ["probe_agree"], to: dir + "/m.allot")
        var pair = try Pair(model: dir + "/m.allot")
        let control = String(repeating: "\\u0001", count: 256)
        for id in ["\"\(control)\"", "-2.2250738585072014e-308", "-1.7976931348623157e+308", "-9007199254740992",
                   "-4.9e-324"] {
            for explain in ["false", "true"] {
                let reply = pair.check(Array(#"{"op":"route","id":\#(id),"text":"x","explain":\#(explain)}"#.utf8))
                #expect(reply.contains(#""ok":true"#), "\(reply)")
            }
        }
        #expect(pair.fast.fastRoutes == 10)
    }

    /// A reload between routes: the fast path's cached model follows it (the generation moved).
    @Test func reloadSwapsTheCachedModel() throws {
        let dir = Daemon.tempDir()
        try Self.writeModel(signals: ["probe_agree"], to: dir + "/m.allot")
        var pair = try Pair(model: dir + "/m.allot")
        let route = Array(#"{"op":"route","id":1,"text":"x","signals":{"probe_agree":1,"x":1}}"#.utf8)
        pair.check(route)
        try Self.writeModel(signals: ["x", "probe_agree"], to: dir + "/m.allot")
        let reply = pair.check(Array(#"{"op":"reload"}"#.utf8))
        #expect(reply.contains(#""ok":true"#), "\(reply)")
        pair.check(route)
        pair.check(Array(#"{"op":"route","text":"x","explain":true,"signals":{"x":1}}"#.utf8))
        #expect(pair.fast.fastRoutes == 3)
    }
}

extension FastRouteTests {
    /// Found by the request fuzz target: with two bad signals the generic path named whichever its dictionary
    /// yielded first, and two dictionaries with the same keys iterate in different orders. Now the first by bytes.
    @Test func severalBadSignalsGiveOneReply() throws {
        let dir = Daemon.tempDir()
        try Self.writeModel(signals: ["probe_agree"], to: dir + "/m.allot")
        var pair = try Pair(model: dir + "/m.allot")
        var names = ["proCCCCCCCCCCCCC", ":scket*:13.5}CCCCC", ":sree", "b", "a", "Z", "é", "probe_agree"]
        var rng = SplitMix64(seed: 9)
        for _ in 0..<30 {
            names.shuffle(using: &rng)
            let members = names.map { #""\#($0)":"x""# }.joined(separator: ",")
            let reply = pair.check(Array(#"{"op":"route","text":"q","signals":{\#(members)}}"#.utf8))
            #expect(reply.contains(#"signal \":scket*:13.5}CCCCC\" must be a finite number"#), "\(reply)")
        }
    }
}
