import Foundation
import Testing

/// Signed models, installs, rollouts and shadow evaluation, with the real `allot` and `allotd` binaries.
@Suite(.serialized)
struct FleetTests {
    static var allot: String { (Daemon.binary as NSString).deletingLastPathComponent + "/allot" }
    static var repo: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    @discardableResult
    static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static func signed(_ dir: String, _ name: String, version: UInt64, key: String) throws -> String {
        let path = dir + "/" + name
        try TestModel.write(to: path, version: version)
        let r = try run(allot, ["sign", "--key", key + ".key", path])
        #expect(r.status == 0, "\(r.err)")
        return path
    }

    @Test func trustedKeysGateStartAndReloadWithRotation() throws {
        let dir = Daemon.tempDir()
        for k in ["a", "b", "evil"] { try Self.run(Self.allot, ["keygen", "--out", dir + "/" + k]) }
        // unsigned: refused at start
        try TestModel.write(to: dir + "/live.allot")
        let refused = try Daemon(args: ["--model", dir + "/live.allot", "--trusted-key", dir + "/a.pub"], dir: dir,
                                 wait: false)
        #expect(refused.wait() != 0)
        #expect(refused.stderr.lowercased().contains("sign"))
        // signed by a: served; then b (rotation) accepted; evil refused, with the reason in stats
        _ = try Self.signed(dir, "live.allot", version: 1, key: dir + "/a")
        let d = try Daemon(args: ["--model", dir + "/live.allot", "--trusted-key", dir + "/a.pub",
                                  "--trusted-key", dir + "/b.pub"], dir: dir)
        let c = try Client(path: d.socket)
        _ = try Self.signed(dir, "live.allot", version: 2, key: dir + "/b")
        #expect(try c.call(#"{"op":"reload"}"#)["ok"] as? Bool == true)
        _ = try Self.signed(dir, "live.allot", version: 3, key: dir + "/evil")
        let bad = try c.call(#"{"op":"reload"}"#)
        #expect(bad["ok"] as? Bool == false)
        let stats = try c.call(#"{"op":"stats"}"#)
        #expect((stats["model"] as? [String: Any])?["version"] as? Int == 2)
        let last = try #require(stats["last_reload"] as? [String: Any])
        #expect(last["ok"] as? Bool == false)
        #expect((last["message"] as? String)?.isEmpty == false)
    }

    @Test func installConfirmsLiveOrRestoresThePreviousModel() throws {
        let dir = Daemon.tempDir()
        for k in ["a", "evil"] { try Self.run(Self.allot, ["keygen", "--out", dir + "/" + k]) }
        let live = dir + "/live.allot"
        _ = try Self.signed(dir, "live.allot", version: 1, key: dir + "/a")
        let d = try Daemon(args: ["--model", live, "--trusted-key", dir + "/a.pub"], dir: dir)
        let v2 = try Self.signed(dir, "v2.allot", version: 2, key: dir + "/a")
        let ok = try Self.run(Self.allot, ["install", v2, "--to", live, "--socket", d.socket, "--pubkey", dir + "/a.pub"])
        #expect(ok.status == 0, "\(ok.err)")
        #expect(try Client(path: d.socket).call(#"{"op":"hello"}"#)["model"].flatMap { ($0 as? [String: Any])?["version"] as? Int } == 2)
        // signed by a key the daemon does not trust: the daemon refuses, install restores v2
        let v3 = try Self.signed(dir, "v3.allot", version: 3, key: dir + "/evil")
        let back = try Self.run(Self.allot, ["install", v3, "--to", live, "--socket", d.socket])
        #expect(back.status == 3, "\(back.err)")
        #expect(!back.out.contains("installed"), "\(back.out)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: live)) == Data(contentsOf: URL(fileURLWithPath: v2)))
        #expect(try Client(path: d.socket).call(#"{"op":"hello"}"#)["model"].flatMap { ($0 as? [String: Any])?["version"] as? Int } == 2)
        // a file that fails verification changes nothing
        let junk = dir + "/junk.allot"
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: junk))
        #expect(try Self.run(Self.allot, ["install", junk, "--to", live, "--socket", d.socket]).status == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: live)) == Data(contentsOf: URL(fileURLWithPath: v2)))
        // a signed file whose signature no longer verifies is refused even without --pubkey
        var tampered = try Data(contentsOf: URL(fileURLWithPath: try Self.signed(dir, "v4.allot", version: 4,
                                                                                 key: dir + "/a")))
        tampered[tampered.count - 1] ^= 1
        try tampered.write(to: URL(fileURLWithPath: dir + "/v4.allot"))
        let forged = try Self.run(Self.allot, ["install", dir + "/v4.allot", "--to", live, "--socket", d.socket])
        #expect(forged.status == 1, "\(forged.err)")
        // a daemon that does not answer: nothing is swapped in
        let v5 = try Self.signed(dir, "v5.allot", version: 5, key: dir + "/a")
        let away = try Self.run(Self.allot, ["install", v5, "--to", live, "--socket", dir + "/no.sock"])
        #expect(away.status == 1, "\(away.err)")
        #expect(away.err.contains("cannot reach the daemon"), "\(away.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: live)) == Data(contentsOf: URL(fileURLWithPath: v2)))
        // a daemon that answers, but refuses this peer: nothing is swapped in either
        let locked = try Daemon(args: ["--model", live, "--allow-uid", "65534", "--admin-uid", "65534"], dir: dir,
                                socketName: "locked.sock")
        let refused = try Self.run(Self.allot, ["install", v5, "--to", live, "--socket", locked.socket])
        #expect(refused.status == 1, "\(refused.err)")
        // the daemon says `forbidden` at connect and closes: a client still writing its hello may see the close first
        #expect(refused.err.contains("forbidden") || refused.err.contains("closed the connection"), "\(refused.err)")
        #expect(refused.err.contains("nothing changed"), "\(refused.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: live)) == Data(contentsOf: URL(fileURLWithPath: v2)))
    }

    @Test func shipGoesCanaryFirstAndRollsBackAnUnhealthyCanary() throws {
        let dir = Daemon.tempDir()
        try Self.run(Self.allot, ["keygen", "--out", dir + "/fleet"])
        var daemons: [Daemon] = []
        var hosts = ""
        for i in 0..<3 {
            let hd = dir + "/host\(i)"
            try FileManager.default.createDirectory(atPath: hd, withIntermediateDirectories: true)
            _ = try Self.signed(hd, "live.allot", version: 1, key: dir + "/fleet")
            daemons.append(try Daemon(args: ["--model", hd + "/live.allot", "--trusted-key", dir + "/fleet.pub"], dir: hd))
            hosts += "host\(i) \(hd)/live.allot \(daemons[i].socket)\n"
        }
        try hosts.write(toFile: dir + "/hosts.txt", atomically: true, encoding: .utf8)
        func versions() throws -> [Int] {
            try daemons.map { d in
                try #require((try Client(path: d.socket).call(#"{"op":"hello"}"#)["model"] as? [String: Any])?["version"] as? Int)
            }
        }
        let v2 = try Self.signed(dir, "v2.allot", version: 2, key: dir + "/fleet")
        let ship = Self.repo + "/Scripts/ship"
        let common = ["--pubkey", dir + "/fleet.pub", "--hosts", dir + "/hosts.txt", "--transport", "local",
                      "--allot", Self.allot, "--canaries", "1"]
        let good = try Self.run(ship, ["--model", v2, "--soak", "0.2"] + common)
        #expect(good.status == 0, "\(good.err)")
        #expect(try versions() == [2, 2, 2])

        // v3 lands on the canary, which then misbehaves during the soak (clients send garbage): rolled back
        let v3 = try Self.signed(dir, "v3.allot", version: 3, key: dir + "/fleet")
        let canarySocket = daemons[0].socket
        let done = Flag()
        let noisy = Background {
            guard let c = try? Client(path: canarySocket) else { return }
            while !done.isSet {
                _ = try? c.call("garbage")
                usleep(2_000)
            }
        }
        var bad = try Self.run(ship, ["--model", v3, "--soak", "1.0"] + common)
        if bad.status == 1 {
            // Seen once under the full parallel suite: local verification failed with no message. Verification
            // is not what this test is about, so record it and try once more rather than hide the rollback check.
            print("ship exited 1 before deploying; retrying once: \(bad.err)")
            bad = try Self.run(ship, ["--model", v3, "--soak", "1.0"] + common)
        }
        done.set()
        noisy.wait()
        #expect(bad.status == 2, "\(bad.err)")
        #expect(bad.err.contains("rolled back"))
        #expect(try versions() == [2, 2, 2])
    }

    @Test func shadowModelDecidesWithoutActing() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/live.allot", version: 1)
        try TestModel.write(to: dir + "/cand.allot", version: 2, id: "candidate", actions: ["small", "big", "huge"])
        let d = try Daemon(args: ["--model", dir + "/live.allot", "--shadow", dir + "/cand.allot"], dir: dir)
        let c = try Client(path: d.socket)
        for i in 0..<20 {
            let r = try c.call(#"{"op":"route","text":"q","signals":{"probe_agree":\#(i % 2)}}"#)
            #expect(["small", "big"].contains(r["action"] as? String ?? ""))  // only the live model acts
        }
        let stats = try c.call(#"{"op":"stats"}"#)
        let shadow = try #require(stats["shadow"] as? [String: Any])
        #expect(shadow["routes"] as? Int == 20)
        let agreement = try #require(shadow["agreement"] as? Double)
        #expect(agreement >= 0 && agreement <= 1)
        #expect((shadow["model"] as? [String: Any])?["id"] as? String == "candidate")
        #expect((shadow["actions"] as? [String: Int])?.values.reduce(0, +) == 20)
        #expect(shadow["lambda"] as? Double != nil)
        // the op swaps or stops it
        #expect(try c.call(#"{"op":"shadow"}"#)["ok"] as? Bool == true)
        #expect(try c.call(#"{"op":"stats"}"#)["shadow"] == nil)
        let again = try c.call(#"{"op":"shadow","model":"\#(dir)/cand.allot"}"#)
        #expect(again["ok"] as? Bool == true)
    }
}
