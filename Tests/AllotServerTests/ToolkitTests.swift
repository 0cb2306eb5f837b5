import Foundation
import Testing

/// The `allot` toolkit as a user runs it. `replay` against a real `allotd`: a table whose actions the model serves
/// is played through; any other is refused before a request is sent. `eval` and `reproduce` on paths that are
/// not there yet, or not right.
@Suite(.serialized)
struct ToolkitTests {
    /// A table of `TestModel`'s actions: with agreement `small` wins (cost 1), without it `big` may (cost 10).
    static func table(_ dir: String, actions: (String, String) = ("small", "big")) throws -> String {
        let path = dir + "/t.jsonl"
        var lines = ""
        for i in 0..<40 {
            let agree = i % 2
            lines += #"{"id":"r\#(i)","text":"q \#(i)","signals":{"probe_agree":\#(agree)},"#
                + #""acc":{"\#(actions.0)":\#(agree),"\#(actions.1)":1},"cost":{"\#(actions.0)":1,"\#(actions.1)":10}}"#
                + "\n"
        }
        try lines.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aTableOfTheModelsActionsIsPlayedThrough() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let d = try Daemon(args: ["--model", dir + "/m.allot"], dir: dir)
        let r = try FleetTests.run(FleetTests.allot, ["replay", "--socket", d.socket, "--table", try Self.table(dir),
                                                      "--json"])
        #expect(r.status == 0, "\(r.err)")
        let out = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(out["requests"] as? Int == 40)
        #expect(out["errors"] as? Int == 0)
        let stats = try Client(path: d.socket).call(#"{"op":"stats"}"#)
        #expect(stats["routes"] as? Int == 40)
        #expect(stats["reports"] as? Int == 40)
    }

    @Test func aTableWithoutTheModelsActionsIsRefusedBeforeAnyRequest() throws {
        let dir = Daemon.tempDir()
        try TestModel.write(to: dir + "/m.allot")
        let d = try Daemon(args: ["--model", dir + "/m.allot"], dir: dir)
        let r = try FleetTests.run(FleetTests.allot, ["replay", "--socket", d.socket,
                                                      "--table", try Self.table(dir, actions: ("b1", "b16"))])
        #expect(r.status != 0)
        #expect(r.err.contains("the daemon's model serves actions the table lacks (small, big)"), "\(r.err)")
        #expect(try Client(path: d.socket).call(#"{"op":"stats"}"#)["routes"] as? Int == 0)
    }

    @Test func evalMakesThePlotsFolderAndPrintsItsFiguresEvenWhenThePlotCannotBeWritten() throws {
        let dir = Daemon.tempDir()
        let table = dir + "/t.jsonl"
        let rows = try String(contentsOfFile: FleetTests.repo + "/Models/data/gsm8k-ladder.jsonl", encoding: .utf8)
            .split(separator: "\n").prefix(120).joined(separator: "\n")
        try rows.write(toFile: table, atomically: true, encoding: .utf8)
        let eval = ["eval", "--table", table, "--model", FleetTests.repo + "/Models/gsm8k-ladder.allot", "--json",
                    "--plot"]
        let made = try FleetTests.run(FleetTests.allot, eval + [dir + "/plots/new/m.svg"])
        #expect(made.status == 0, "\(made.err)")
        #expect(FileManager.default.fileExists(atPath: dir + "/plots/new/m.svg"))
        #expect((try JSONSerialization.jsonObject(with: Data(made.out.utf8)) as? [String: Any])?["model"] as? String
            == "gsm8k-ladder")
        // under a regular file: no folder can be made there
        let refused = try FleetTests.run(FleetTests.allot, eval + [table + "/m.svg"])
        #expect(refused.status != 0)
        #expect(refused.err.contains("cannot write the plot to \(table)/m.svg"), "\(refused.err)")
        #expect((try JSONSerialization.jsonObject(with: Data(refused.out.utf8)) as? [String: Any])?["model"] as? String
            == "gsm8k-ladder")
    }

    @Test func reproduceOutsideTheRepositoryOrOnAJunkModelNamesTheFix() throws {
        let root = Daemon.tempDir()
        let r = try FleetTests.run(FleetTests.allot, ["reproduce", "--check", "--root", root])
        #expect(r.status != 0)
        #expect(r.err.contains("run from the repository root, or pass --root"), "\(r.err)")
        try FileManager.default.createDirectory(atPath: root + "/Models/data", withIntermediateDirectories: true)
        try Data("junk".utf8).write(to: URL(fileURLWithPath: root + "/Models/junk.allot"))
        let junk = try FleetTests.run(FleetTests.allot, ["reproduce", "--check", "--root", root])
        #expect(junk.status != 0)
        #expect(junk.err.contains("Models/junk.allot is not a model this can rebuild"), "\(junk.err)")
    }

    /// Values that once trapped (`eval --folds 0`, `--budgets 1e20`, `replay --window -1`), ran on (`eval --folds
    /// 100000`), wrote a model that claimed what it could not (one row, one action) or overwrote the input, and a
    /// directory given as a file: each is a clean error naming the problem, before any work is done.
    @Test func badValuesAreRefusedByNameWithoutATrap() throws {
        let dir = Daemon.tempDir()
        let rows = try String(contentsOfFile: FleetTests.repo + "/Models/data/gsm8k-ladder.jsonl", encoding: .utf8)
            .split(separator: "\n")
        let table = dir + "/t.jsonl"
        try rows.prefix(40).joined(separator: "\n").write(toFile: table, atomically: true, encoding: .utf8)
        try String(rows[0]).write(toFile: dir + "/one.jsonl", atomically: true, encoding: .utf8)
        let single = (0..<12).map { #"{"id":"r\#($0)","text":"q","acc":{"a":1},"cost":{"a":2}}"# }
        try single.joined(separator: "\n").write(toFile: dir + "/single.jsonl", atomically: true, encoding: .utf8)
        let huge = (0..<12).map { #"{"id":"r\#($0)","text":"q","acc":{"a":1,"b":1},"cost":{"a":2,"b":1e308}}"# }
        try huge.joined(separator: "\n").write(toFile: dir + "/huge.jsonl", atomically: true, encoding: .utf8)
        let model = FleetTests.repo + "/Models/gsm8k-ladder.allot"
        let cases: [([String], String)] = [
            (["eval", "--table", table, "--model", model, "--folds", "0"], "--folds must be 2...20"),
            (["eval", "--table", table, "--model", model, "--folds", "100000"], "--folds must be 2...20"),
            (["eval", "--table", table, "--model", model, "--budgets", "1e20"], "is not a positive number up to 1e15"),
            (["eval", "--table", table, "--model", model, "--budgets", ","], "no budget"),
            (["replay", "--table", table, "--window=-1"], "--window must be 1..."),
            (["replay", "--table", table, "--passes", "0"], "--passes must be 1...1000"),
            (["learn", "--table", dir + "/one.jsonl", "--out", dir + "/o.allot"], "cross-validation needs at least"),
            (["learn", "--table", dir + "/single.jsonl", "--out", dir + "/s.allot"], "nothing to allocate"),
            (["learn", "--table", dir + "/huge.jsonl", "--out", dir + "/h.allot"], "a model holds costs up to 1e30"),
            (["learn", "--table", table, "--out", table], "is an input of this run"),
            (["learn", "--table", table, "--out", dir + "/x.allot", "--card", dir + "/x.allot"], "paths of their own"),
            (["learn", "--table", table, "--out", dir + "/none/m.allot"], "its folder \(dir)/none does not exist"),
            (["learn", "--table", dir, "--out", dir + "/d.allot"], "is a directory"),
            (["eval", "--table", table, "--model", dir], "cannot read \(dir): is a directory"),
            (["bench-model", "--trees", "1", "--rows", "10", "--leaf-bits", "0"], "--leaf-bits must be 2...16"),
            (["tabulate", "--models", table, "--out", dir + "/v.jsonl", "--votes", "3"], "--votes applies to --samples"),
            (["keygen", "--out", dir + "/"], "--out is a path prefix"),
            (["keygen", "--out", ""], "--out is a path prefix"),
        ]
        for (args, message) in cases {
            let r = try FleetTests.run(FleetTests.allot, args)
            #expect(r.status != 0 && r.status < 128, "\(args): status \(r.status)")
            #expect(r.err.contains(message), "\(args): \(r.err)")
            #expect(!r.err.contains("NSCocoaErrorDomain"), "\(args): \(r.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/o.allot"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/s.allot"))
        #expect(try String(contentsOfFile: table, encoding: .utf8).hasPrefix(String(rows[0])))
    }
}
