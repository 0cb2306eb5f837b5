import AllotTrainer
import Foundation
import Testing

@Suite struct UtilityTableIOTests {
    @Test func loadsFixtureInCostOrder() throws {
        let t = try UtilityTable.load(
            path: TestPaths.fixture("tiny.jsonl"), actionsFile: TestPaths.fixture("tiny.actions.json"))
        #expect(t.actions == ["small", "big"])
        #expect(t.rows.map(\.id) == ["q1", "q2", "q3"])
        #expect(t.rows[1].acc == [0, 1])
        #expect(t.rows[2].cost == [8.5, 36])
        #expect(t.rows[2].text == nil)
        #expect(t.rows[2].signals == ["probe_agree": 0])
        #expect(t.actionParams["big"] == #"{"model":"m-big","params_b":70}"#)
        #expect(t.meanCost[0] == (10 + 12 + 8.5) / 3)
    }

    @Test func subsetKeepsActionsAndOrder() throws {
        let t = try UtilityTable.load(
            path: TestPaths.fixture("tiny.jsonl"), actionsFile: TestPaths.fixture("tiny.actions.json"))
        let s = t.subset([2, 0, 7])
        #expect(s.rows.map(\.id) == ["q3", "q1"] && s.actions == t.actions && s.actionParams == t.actionParams)
    }

    @Test func tiesInMeanCostBreakByName() throws {
        let t = try UtilityTable.parse(Data(#"{"id":"a","acc":{"zz":0,"aa":1},"cost":{"zz":5,"aa":5}}"#.utf8))
        #expect(t.actions == ["aa", "zz"])
    }

    @Test func writeThenLoadRoundTrips() throws {
        let t = try UtilityTable.load(
            path: TestPaths.fixture("tiny.jsonl"), actionsFile: TestPaths.fixture("tiny.actions.json"))
        let out = TestPaths.temporaryPath("t.jsonl")
        let act = TestPaths.temporaryPath("t.actions.json")
        try t.write(to: out, actionsFile: act)
        #expect(try UtilityTable.load(path: out, actionsFile: act) == t)
    }

    static let bad: [(String, TableError.Code, String?)] = [
        ("not json", .syntax, nil),
        ("[1, 2]", .syntax, nil),
        (#"{"acc": {"a": 1}, "cost": {"a": 1}}"#, .missingField, "id"),
        (#"{"id": 3, "acc": {"a": 1}, "cost": {"a": 1}}"#, .badValue, "id"),
        (#"{"id": "x", "cost": {"a": 1}}"#, .missingField, "acc"),
        (#"{"id": "x", "acc": {"a": 1.5}, "cost": {"a": 1}}"#, .badValue, "acc.a"),
        (#"{"id": "x", "acc": {"a": true}, "cost": {"a": 1}}"#, .badValue, "acc.a"),
        (#"{"id": "x", "acc": {"a": "1"}, "cost": {"a": 1}}"#, .badValue, "acc.a"),
        (#"{"id": "x", "acc": {"a": 1}, "cost": {"a": 0}}"#, .badValue, "cost.a"),
        (#"{"id": "x", "acc": {"a": 1}, "cost": {"a": -2}}"#, .badValue, "cost.a"),
        (#"{"id": "x", "acc": {"a": 1}, "cost": {"b": 1}}"#, .actionMismatch, "cost.a"),
        (#"{"id": "x", "acc": {}, "cost": {}}"#, .empty, "acc"),
        (#"{"id": "x", "acc": {"a": 1}, "cost": {"a": 1}, "signal": {}}"#, .unknownField, "signal"),
        (#"{"id": "x", "acc": {"a": 1}, "cost": {"a": 1}, "signals": {"s": "hi"}}"#, .badValue, "signals.s"),
        (#"{"id": "x", "text": 5, "acc": {"a": 1}, "cost": {"a": 1}}"#, .badValue, "text"),
    ]

    @Test(arguments: bad.indices) func rejectsBadLineNamingLineAndField(_ i: Int) {
        let (line, code, field) = Self.bad[i]
        let data = Data((#"{"id": "ok", "acc": {"a": 1}, "cost": {"a": 1}}"# + "\n" + line + "\n").utf8)
        do {
            _ = try UtilityTable.parse(data, path: "t.jsonl")
            Issue.record("accepted \(line)")
        } catch let e as TableError {
            #expect(e.code == code)
            #expect(e.line == 2)
            #expect(e.field == field)
            #expect(e.description.hasPrefix("t.jsonl:2: "))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func rejectsDifferentActionsAndDuplicateIDs() {
        let first = #"{"id": "a", "acc": {"x": 1, "y": 0}, "cost": {"x": 1, "y": 2}}"#
        #expect(throws: TableError.self) {
            try UtilityTable.parse(Data((first + "\n" + #"{"id": "b", "acc": {"x": 1}, "cost": {"x": 1}}"#).utf8))
        }
        do {
            _ = try UtilityTable.parse(Data((first + "\n" + first).utf8))
        } catch let e as TableError { #expect(e.code == .duplicateID && e.line == 2) } catch {
            Issue.record("\(error)")
        }
        #expect(throws: TableError.self) { try UtilityTable.parse(Data("\n\n".utf8)) }
    }

    @Test func rejectsActionsFileThatDoesNotMatch() {
        #expect(throws: TableError.self) {
            try UtilityTable.parseActionParams(Data(#"{"a": {}}"#.utf8), actions: ["a", "b"])
        }
        #expect(throws: TableError.self) {
            try UtilityTable.parseActionParams(Data(#"{"a": {}, "b": {}, "c": {}}"#.utf8), actions: ["a", "b"])
        }
        #expect(throws: TableError.self) {
            try UtilityTable.parseActionParams(Data(#"{"a": 3}"#.utf8), actions: ["a"])
        }
    }

    /// Random byte damage must give a structured error or a valid table, never a crash.
    @Test func survivesRandomCorruption() throws {
        let base = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("tiny.jsonl")))
        var rng = SeededRandom(seed: 7)
        for _ in 0..<300 {
            var bytes = [UInt8](base)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if let t = try? UtilityTable.parse(Data(bytes)) {
                #expect(t.rows.allSatisfy { $0.acc.count == t.actions.count && $0.cost.allSatisfy { $0 > 0 } })
            }
        }
    }

    @Test(arguments: ["gsm8k-ladder", "gsm8k-cascade", "math-l5-qwen", "gsm8k-gpt3-verifier"])
    func committedTablesLoad(_ name: String) throws {
        let t = try UtilityTable.load(
            path: TestPaths.data("\(name).jsonl"), actionsFile: TestPaths.data("\(name).actions.json"))
        #expect(t.rows.count == (name.hasPrefix("gsm8k") ? 1319 : 721))
        #expect(t.actionParams.count == t.actions.count)
        #expect(t.meanCost == t.meanCost.sorted())
    }
}
