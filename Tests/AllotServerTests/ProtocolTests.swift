import Foundation
import Testing

/// The protocol, end to end: the real `allotd` binary on a temporary socket.
@Suite(.serialized)
struct ProtocolTests {
    static func start(_ extra: [String] = []) throws -> Daemon {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        return try Daemon(args: ["--model", dir + "/m.allot"] + extra, dir: dir)
    }

    @Test func helloDescribesModelActionsAndBudget() throws {
        let d = try Self.start()
        let c = try Client(path: d.socket)
        let r = try c.call(#"{"op":"hello","id":"h1"}"#)
        #expect(r["ok"] as? Bool == true)
        #expect(r["id"] as? String == "h1")
        #expect(r["protocol"] as? Int == 1)
        let model = try #require(r["model"] as? [String: Any])
        #expect(model["id"] as? String == "test-model")
        #expect(model["cost_unit"] as? String == "tokens")
        let actions = try #require(r["actions"] as? [[String: Any]])
        #expect(actions.map { $0["name"] as? String } == ["small", "big"])
        #expect((actions[0]["params"] as? [String: Any])?["max_tokens"] as? Int == 256)
        #expect(r["signals"] as? [String] == ["probe_agree"])
        let budget = try #require(r["budget"] as? [String: Any])
        #expect(budget["mean_cost"] as? Double == 5.5)  // the model card's recommended budget
        #expect(budget["mode"] as? String == "window")
    }

    @Test func routeFollowsTheSignalAndReportSettlesOnce() throws {
        let d = try Self.start(["--budget", "1000"])  // a budget this high drives λ toward its floor
        let c = try Client(path: d.socket)
        let agree = try c.call(#"{"op":"route","id":7,"text":"What is 2+2?","signals":{"probe_agree":1}}"#)
        #expect(agree["ok"] as? Bool == true)
        #expect(agree["id"] as? Int == 7)
        #expect(agree["action"] as? String == "small")
        #expect((agree["params"] as? [String: Any])?["model"] as? String == "s")
        #expect(agree["cost"] as? Double == 1)
        let ticket = try #require(agree["ticket"] as? String)
        let lambda = try #require(agree["lambda"] as? Double)
        #expect(lambda >= 0 && lambda.isFinite)

        let disagree = try c.call(#"{"op":"route","text":"Prove it.","signals":{"probe_agree":0},"explain":true}"#)
        let explain = try #require(disagree["explain"] as? [[String: Any]])
        #expect(explain.count == 2)
        let lam = try #require(disagree["lambda"] as? Double)
        for e in explain {
            let u = try #require(e["utility"] as? Double)
            let cost = try #require(e["cost"] as? Double)
            let score = try #require(e["score"] as? Double)
            #expect(abs(score - (u - lam * cost)) < 1e-9)
        }
        // big wins iff 0.4 > 9λ
        #expect(disagree["action"] as? String == (0.4 > 9 * lam ? "big" : "small"))

        let first = try c.call(#"{"op":"report","ticket":"\#(ticket)","cost":0.7}"#)
        #expect(first["ok"] as? Bool == true)
        #expect(first["settled"] as? Bool == true)
        let again = try c.call(#"{"op":"report","ticket":"\#(ticket)","cost":0.7}"#)
        #expect(again["ok"] as? Bool == true)
        #expect(again["settled"] as? Bool == false)
        let unknown = try c.call(#"{"op":"report","ticket":"999999","cost":1}"#)
        #expect((unknown["error"] as? [String: Any])?["code"] as? String == "not_found")

        let stats = try c.call(#"{"op":"stats"}"#)
        #expect(stats["routes"] as? Int == 2)
        #expect(stats["reports"] as? Int == 1)
        #expect(stats["outstanding"] as? Int == 1)
        #expect(((stats["errors"] as? [String: Any])?["not_found"] as? Int) == 1)
    }

    /// Action params as deep as a model file may hold them (64 nested containers) are served whole, in `hello`
    /// and in a route's reply.
    @Test func paramsAsDeepAsTheFileAllowsAreServedWhole() throws {
        let dir = Daemon.tempDir()
        let deep = String(repeating: #"{"a":"#, count: 63) + "{}" + String(repeating: "}", count: 63)
        try TestModel.write(to: dir + "/m.allot", smallParams: deep)
        let d = try Daemon(args: ["--model", dir + "/m.allot"], dir: dir)
        let c = try Client(path: d.socket)
        func depth(_ v: Any?) -> Int { (v as? [String: Any]).map { 1 + depth($0["a"]) } ?? 0 }
        let hello = try c.call(#"{"op":"hello"}"#)
        let actions = try #require(hello["actions"] as? [[String: Any]])
        #expect(depth(actions[0]["params"]) == 64)
        let route = try c.call(#"{"op":"route","text":"x","signals":{"probe_agree":1}}"#)
        #expect(route["action"] as? String == "small")
        #expect(depth(route["params"]) == 64)
    }

    /// 4096 reservations are kept: past that, the oldest outstanding one is charged at its estimate early, before
    /// `--report-ttl`, and its report is `not_found`; `stats` counts it as evicted.
    @Test func theOldestOfMoreThan4096OutstandingRoutesIsEvicted() throws {
        let d = try Self.start()
        let c = try Client(path: d.socket)
        var first: String?
        for chunk in 0..<9 {
            let n = chunk < 8 ? 512 : 1
            try c.send(String(repeating: #"{"op":"route","text":"q"}"# + "\n", count: n))
            for _ in 0..<n {
                let r = try Client.parse(try #require(try c.readLine()))
                first = first ?? (r["ticket"] as? String)
            }
        }
        let stats = try c.call(#"{"op":"stats"}"#)
        #expect(stats["routes"] as? Int == 4097)
        #expect(stats["outstanding"] as? Int == 4096)
        #expect(stats["evicted"] as? Int == 1)
        #expect(stats["expired"] as? Int == 0)
        let late = try c.call(#"{"op":"report","ticket":"\#(try #require(first))","cost":1}"#)
        #expect((late["error"] as? [String: Any])?["code"] as? String == "not_found")
    }

    static let badLines: [(String, String)] = [
        ("{not json", "bad_json"),
        ("", "bad_json"),
        ("[1,2]", "bad_request"),
        (#"{"id":1}"#, "bad_request"),
        (#"{"op":5}"#, "bad_request"),
        (#"{"op":"fly"}"#, "unknown_op"),
        (#"{"op":"route"}"#, "bad_request"),
        (#"{"op":"route","text":null,"signals":null}"#, "bad_request"),
        (#"{"op":"route","text":7}"#, "bad_request"),
        (#"{"op":"route","signals":{"x":"high"}}"#, "bad_request"),
        (#"{"op":"route","signals":[1]}"#, "bad_request"),
        (#"{"op":"route","text":"x","explain":"yes"}"#, "bad_request"),
        (#"{"op":"report","ticket":"1","cost":-1}"#, "bad_request"),
        (#"{"op":"report","ticket":"1","cost":1e999}"#, "bad_request"),
        (#"{"op":"report","ticket":"1"}"#, "bad_request"),
        (#"{"op":"report","cost":1}"#, "bad_request"),
        (#"{"op":"report","ticket":"1","cost":NaN}"#, "bad_json"),
        (#"{"op":"stats","id":{"a":1}}"#, "bad_request"),
        (String(repeating: "[", count: 60_000), "bad_json"),
        (#"{"op":"reload","id":1}"#, "forbidden"),
    ]

    @Test func badInputGetsStructuredErrorsAndTheConnectionStaysOpen() throws {
        // No admin: the test's own uid is made a plain user by naming another uid as the only admin.
        let d = try Self.start(["--admin-uid", "4242", "--allow-uid", String(getuid())])
        let c = try Client(path: d.socket)
        for (line, code) in Self.badLines {
            let r = try c.call(line)
            #expect(r["ok"] as? Bool == false, "\(line.prefix(40))")
            #expect((r["error"] as? [String: Any])?["code"] as? String == code, "\(line.prefix(40))")
            #expect(((r["error"] as? [String: Any])?["message"] as? String)?.isEmpty == false)
        }
        // invalid UTF-8 inside a string
        try c.sendBytes(Array(#"{"op":"route","text":""#.utf8) + [0xFF, 0xFE] + Array("\"}\n".utf8))
        let utf = try Client.parse(try #require(try c.readLine()))
        #expect((utf["error"] as? [String: Any])?["code"] as? String == "bad_json")
        // the id is echoed on errors it can be read from
        let withID = try c.call(#"{"op":"fly","id":"abc"}"#)
        #expect(withID["id"] as? String == "abc")
        // a line over 64 KiB is skipped to its newline, and the next line is answered
        try c.send(#"{"op":"route","text":""# + String(repeating: "a", count: 70_000) + "\"}\n{\"op\":\"stats\",\"id\":2}\n")
        let big = try Client.parse(try #require(try c.readLine()))
        #expect((big["error"] as? [String: Any])?["code"] as? String == "too_large")
        let next = try Client.parse(try #require(try c.readLine()))
        #expect(next["id"] as? Int == 2)
        #expect(next["ok"] as? Bool == true)
        // CRLF is accepted
        try c.send("{\"op\":\"hello\",\"id\":3}\r\n")
        #expect(try Client.parse(try #require(try c.readLine()))["id"] as? Int == 3)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let d = try Self.start()
        let c = try Client(path: d.socket)
        var batch = ""
        for i in 0..<200 {
            batch += i % 3 == 0 ? #"{"op":"stats","id":\#(i)}"# : #"{"op":"route","id":\#(i),"text":"q \#(i)"}"#
            batch += "\n"
        }
        try c.send(batch)
        for i in 0..<200 {
            let r = try Client.parse(try #require(try c.readLine()))
            #expect(r["id"] as? Int == i)
            #expect(r["ok"] as? Bool == true)
        }
        // Each request was answered once.
        #expect(try c.call(#"{"op":"stats"}"#)["routes"] as? Int == 133)
    }

    /// A request that arrives a few bytes at a time (a read each) is answered once, and so are the lines after it.
    @Test func aTrickledRequestIsAnsweredOnce() throws {
        let d = try Self.start()
        let c = try Client(path: d.socket)
        let bytes = Array("{\"op\":\"route\",\"id\":7,\"text\":\"How many apples?\"}\n{\"op\":\"hello\",\"id\":8}\n".utf8)
        var i = 0
        while i < bytes.count {
            let n = min(bytes.count - i, 1 + i % 3)
            try c.sendBytes(Array(bytes[i..<(i + n)]))
            usleep(1_000)
            i += n
        }
        #expect(try Client.parse(try #require(try c.readLine()))["id"] as? Int == 7)
        #expect(try Client.parse(try #require(try c.readLine()))["id"] as? Int == 8)
        let stats = try c.call(#"{"op":"stats","id":9}"#)
        #expect(stats["id"] as? Int == 9)
        #expect(stats["routes"] as? Int == 1)
    }

    @Test func sixtyFourConcurrentClientsAllSucceed() throws {
        let d = try Self.start()
        let perClient = 40
        let socket = d.socket
        let failures = try onThreads(64) { k in
            let c = try Client(path: socket)
            var failed = 0
            for i in 0..<perClient {
                let r = try c.call(#"{"op":"route","text":"client \#(k) question \#(i)","signals":{"probe_agree":\#(i % 2)}}"#)
                guard r["ok"] as? Bool == true, let t = r["ticket"] as? String else {
                    failed += 1
                    continue
                }
                let rep = try c.call(#"{"op":"report","ticket":"\#(t)","cost":2}"#)
                if rep["ok"] as? Bool != true { failed += 1 }
            }
            return failed
        }.reduce(0, +)
        #expect(failures == 0)
        let stats = try Client(path: d.socket).call(#"{"op":"stats"}"#)
        #expect(stats["routes"] as? Int == 64 * perClient)
        #expect(stats["reports"] as? Int == 64 * perClient)
        #expect(stats["outstanding"] as? Int == 0)
    }
}
