import Foundation

extension Tabulator {
    /// One measurement: model `model` on question `id` was correct (0...1) at `cost`.
    struct Measurement {
        var line: Int
        var model: String
        var id: String
        var correct: Double
        var cost: Double
        var text: String?
    }

    /// From per-model correctness records to a table whose actions are the models.
    ///
    /// Input: JSON Lines `{"model", "id", "correct", "cost", "text"?}` or CSV with a header naming at least
    /// `model,id,correct,cost` (and optionally `text`), detected by the first non-blank character (`{` = JSON Lines).
    /// `correct` is 0/1, true/false or a fraction in [0, 1]; `cost` positive. Every question must have exactly one
    /// record per model. Rows keep the order in which ids first appear; the text is the first non-empty one given.
    public static func fromModels(_ data: Data, path: String? = nil) throws -> UtilityTable {
        // a UTF-8 byte order mark, as editors on Windows write, is not the first byte of either format
        let data = data.starts(with: [0xEF, 0xBB, 0xBF]) ? Data(data.dropFirst(3)) : data
        let first = data.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        let records = first == UInt8(ascii: "{") ? try jsonRecords(data, path: path) : try csvRecords(data, path: path)
        var models: [String] = []
        var modelIndex: [String: Int] = [:]
        var ids: [String] = []
        var rowOf: [String: Int] = [:]
        var texts: [String?] = []
        var cells: [[Int: (acc: Double, cost: Double)]] = []
        for r in records {
            if modelIndex[r.model] == nil {
                modelIndex[r.model] = models.count
                models.append(r.model)
            }
            if rowOf[r.id] == nil {
                rowOf[r.id] = ids.count
                ids.append(r.id)
                texts.append(nil)
                cells.append([:])
            }
            guard let m = modelIndex[r.model], let i = rowOf[r.id] else { continue }
            if cells[i][m] != nil {
                throw TableError(
                    .duplicateID, "second record for model \"\(r.model)\" on question \"\(r.id)\"",
                    path: path, line: r.line)
            }
            cells[i][m] = (r.correct, r.cost)
            if texts[i] == nil, let t = r.text, !t.isEmpty { texts[i] = t }
        }
        guard !ids.isEmpty else { throw TableError(.empty, "no records", path: path) }
        var rows: [TableRow] = []
        for (i, id) in ids.enumerated() {
            var acc: [Double] = []
            var cost: [Double] = []
            for (m, model) in models.enumerated() {
                guard let c = cells[i][m] else {
                    throw TableError(
                        .actionMismatch, "question \"\(id)\" has no record for model \"\(model)\"",
                        path: path, field: model)
                }
                acc.append(c.acc)
                cost.append(c.cost)
            }
            rows.append(TableRow(id: id, text: texts[i], acc: acc, cost: cost))
        }
        return UtilityTable(actions: models, rows: rows).sortedByMeanCost()
    }

    private static func jsonRecords(_ data: Data, path: String?) throws -> [Measurement] {
        try lines(data).map { lineNo, bytes in
            guard let obj = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else {
                throw TableError(.syntax, "a line must be a JSON object", path: path, line: lineNo)
            }
            return try measurement(obj, line: lineNo, path: path)
        }
    }

    private static func csvRecords(_ data: Data, path: String?) throws -> [Measurement] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw TableError(.syntax, "not UTF-8 text", path: path)
        }
        let records = try CSVReader.records(text, path: path)
        guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            throw TableError(.empty, "no header", path: path)
        }
        for name in ["model", "id", "correct", "cost"] where !header.contains(name) {
            throw TableError(.missingField, "the CSV header lacks this column", path: path, line: 1, field: name)
        }
        return try records.dropFirst().map { r in
            guard r.fields.count == header.count else {
                throw TableError(
                    .syntax, "has \(r.fields.count) fields, the header \(header.count)",
                    path: path, line: r.line)
            }
            var obj: [String: Any] = [:]
            for (name, value) in zip(header, r.fields) { obj[name] = value }
            return try measurement(obj, line: r.line, path: path)
        }
    }

    private static func measurement(_ obj: [String: Any], line: Int, path: String?) throws -> Measurement {
        func fail(_ field: String, _ msg: String) -> TableError {
            TableError(obj[field] == nil ? .missingField : .badValue, msg, path: path, line: line, field: field)
        }
        guard let model = obj["model"] as? String, !model.isEmpty else {
            throw fail("model", "must be a non-empty string")
        }
        guard let id = obj["id"] as? String, !id.isEmpty else { throw fail("id", "must be a non-empty string") }
        guard let correct = obj["correct"].flatMap(fraction), correct >= 0, correct <= 1 else {
            throw fail("correct", "must be 0/1, true/false or a number in [0, 1]")
        }
        guard let cost = obj["cost"].flatMap(positive) else { throw fail("cost", "must be a positive number") }
        guard let text = optionalText(obj["text"]) else { throw fail("text", "must be a string or null") }
        return Measurement(line: line, model: model, id: id, correct: correct, cost: cost, text: text)
    }

    /// A number, a JSON boolean, or CSV text holding either.
    private static func fraction(_ value: Any) -> Double? {
        if let n = value as? NSNumber, String(cString: n.objCType) == "c" { return n.boolValue ? 1 : 0 }
        if let x = number(value) { return x.isFinite ? x : nil }
        guard let s = (value as? String)?.trimmingCharacters(in: .whitespaces).lowercased() else { return nil }
        if s == "true" { return 1 }
        if s == "false" { return 0 }
        return Double(s).flatMap { $0.isFinite ? $0 : nil }
    }

    private static func positive(_ value: Any) -> Double? {
        let x = number(value) ?? (value as? String).flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return x.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
    }
}
