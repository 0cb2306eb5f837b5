import AllotTrainer
import Foundation
import Testing

@Suite struct TabulatorTests {
    static let samples = """
        {"id": "q1", "text": "2+2?", "gold": "4", "samples": [{"answer": "4", "cost": 10}, \
        {"answer": "4.0", "cost": 20}, {"answer": "5", "cost": 30}, {"answer": null, "cost": 40}]}
        {"id": "q2", "gold": 7, "samples": [{"answer": "6", "cost": 5}, {"answer": " 7 ", "cost": 5}, \
        {"answer": "8", "cost": 5}, {"answer": "7", "cost": 5}], "signals": {"s": 1}}
        """

    @Test func tabulatesHandComputedVotes() throws {
        let t = try Tabulator.fromSamples(Data(Self.samples.utf8), votes: [1, 2, 4])
        #expect(t.actions == ["b1", "b2", "b4"])
        // q1: gold 2 (4 and 4.0), other 1, abstain 1. b=1: 1/2. b=2 over 6 pairs: {g,g} 1, {g,x}x2 1/2 each,
        // {g,∅}x2 1 each, {x,∅} 0 → (1 + 1 + 2) / 6. b=4: gold 2 beats 1.
        let q1 = t.rows[0]
        #expect(q1.acc[0] == 0.5)
        #expect(abs(q1.acc[1] - 4.0 / 6) < 1e-12)
        #expect(q1.acc[2] == 1)
        #expect(q1.cost == [25, 50, 100])
        // q2: gold 2 of 4 (" 7 " trims), others 1 and 1; b=4: gold wins.
        #expect(t.rows[1].acc[0] == 0.5 && t.rows[1].acc[2] == 1)
        #expect(t.rows[1].signals == ["s": 1] && t.rows[1].text == nil)
    }

    @Test func rejectsBadSamplesNamingLineAndField() {
        let cases: [(String, String?)] = [
            (#"{"id": "a", "gold": "1", "samples": [{"answer": "1", "cost": 0}]}"#, "samples[0].cost"),
            (#"{"id": "a", "samples": [{"answer": "1", "cost": 1}]}"#, "gold"),
            (#"{"id": "a", "gold": "1", "samples": []}"#, "samples"),
            (#"{"id": "a", "gold": "1", "samples": [{"answer": [1], "cost": 1}]}"#, "samples[0].answer"),
            (#"{"gold": "1", "samples": [{"answer": "1", "cost": 1}]}"#, "id"),
            // finite costs whose vote total is not (it was written as null, which no reader takes)
            (#"{"id": "a", "gold": "1", "samples": [{"answer": "1", "cost": 1e308}, {"answer": "1", "cost": 1e308}]}"#,
             "samples"),
        ]
        for (line, field) in cases {
            do {
                _ = try Tabulator.fromSamples(Data(("\n" + line).utf8), votes: [1])
                Issue.record("accepted \(line)")
            } catch let e as TableError { #expect(e.line == 2 && e.field == field) } catch { Issue.record("\(error)") }
        }
        // Fewer samples than votes.
        #expect(throws: TableError.self) {
            try Tabulator.fromSamples(
                Data(#"{"id": "a", "gold": "1", "samples": [{"answer": "1", "cost": 1}]}"#.utf8), votes: [2])
        }
    }

    @Test func tabulatesModelsFromJSONLinesAndCSV() throws {
        let jsonl = """
            {"model": "big", "id": "q1", "correct": true, "cost": 100, "text": "first"}
            {"model": "small", "id": "q1", "correct": 0, "cost": 10}
            {"model": "small", "id": "q2", "correct": 1, "cost": 12}
            {"model": "big", "id": "q2", "correct": 0.5, "cost": 90}
            """
        let csv =
            "model,id,correct,cost,text\nbig,q1,1,100,first\nsmall,q1,false,10,\"first\"\nsmall,q2,1,12,\n"
            + "big,q2,0.5,90,\"multi\nline, quoted \"\"text\"\"\"\n"
        let a = try Tabulator.fromModels(Data(jsonl.utf8))
        let b = try Tabulator.fromModels(Data(csv.utf8))
        #expect(a.actions == ["small", "big"])
        #expect(a.rows.map(\.id) == ["q1", "q2"])
        #expect(a.rows[0].acc == [0, 1] && a.rows[1].acc == [1, 0.5] && a.rows[1].cost == [12, 90])
        #expect(a.rows[0].text == "first")
        #expect(b.rows.map(\.acc) == a.rows.map(\.acc) && b.rows.map(\.cost) == a.rows.map(\.cost))
        #expect(b.rows[1].text == "multi\nline, quoted \"text\"")
        // with a byte order mark, JSON Lines are still read as JSON Lines (they were taken for CSV)
        for (text, unmarked) in [(jsonl, a), (csv, b)] {
            #expect(try Tabulator.fromModels(Data([0xEF, 0xBB, 0xBF] + Array(text.utf8))) == unmarked)
        }
    }

    @Test func rejectsIncompleteOrDuplicateModelRecords() {
        let missing = "model,id,correct,cost\na,q1,1,1\nb,q1,1,2\na,q2,1,1\n"
        let duplicate = "model,id,correct,cost\na,q1,1,1\na,q1,0,1\n"
        let badCost = "model,id,correct,cost\na,q1,1,-1\n"
        let noColumn = "model,id,correct\na,q1,1\n"
        #expect(throws: TableError.self) { try Tabulator.fromModels(Data(missing.utf8)) }
        do {
            _ = try Tabulator.fromModels(Data(duplicate.utf8))
            Issue.record("accepted")
        } catch let e as TableError { #expect(e.line == 3) } catch {}
        do {
            _ = try Tabulator.fromModels(Data(badCost.utf8))
            Issue.record("accepted")
        } catch let e as TableError {
            #expect(e.line == 2 && e.field == "cost")
        } catch {}
        #expect(throws: TableError.self) { try Tabulator.fromModels(Data(noColumn.utf8)) }
        #expect(throws: TableError.self) { try Tabulator.fromModels(Data("a,b\n\"open".utf8)) }
    }

    /// The tabulated table survives the strict loader.
    @Test func tabulatedTableRoundTripsThroughTheLoader() throws {
        let t = try Tabulator.fromSamples(Data(Self.samples.utf8), votes: [1, 2, 4])
        let path = TestPaths.temporaryPath("votes.jsonl")
        try t.write(to: path)
        #expect(try UtilityTable.load(path: path) == t)
    }
}
