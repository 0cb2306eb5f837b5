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

    @Test func reproduceOutsideTheRepositoryNamesTheFix() throws {
        let r = try FleetTests.run(FleetTests.allot, ["reproduce", "--check", "--root", Daemon.tempDir()])
        #expect(r.status != 0)
        #expect(r.err.contains("run from the repository root, or pass --root"), "\(r.err)")
    }
}
