import Foundation

/// Validates table lines one at a time and assembles the table (docs/table-format.md has the rules).
struct TableLineParser {
    let path: String?
    private var actionSet: [String] = []  // first line's actions, sorted by name
    private var rows: [(acc: [String: Double], cost: [String: Double], row: TableRow)] = []
    private var ids: [String: Int] = [:]
    private static let knownFields: Set<String> = ["id", "text", "acc", "cost", "signals"]

    init(path: String?) { self.path = path }

    private func fail(_ code: TableError.Code, _ message: String, _ line: Int, _ field: String? = nil)
        -> TableError
    {
        TableError(code, message, path: path, line: line, field: field)
    }

    mutating func add(line bytes: Data, number line: Int) throws {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }  // blank lines are skipped
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: bytes) } catch {
            throw fail(.syntax, "not valid JSON", line)
        }
        guard let dict = object as? [String: Any] else { throw fail(.syntax, "a line must be a JSON object", line) }
        if let unknown = dict.keys.sorted().first(where: { !Self.knownFields.contains($0) }) {
            throw fail(.unknownField, "unknown field (allowed: id, text, acc, cost, signals)", line, unknown)
        }
        guard let idValue = dict["id"] else { throw fail(.missingField, "required", line, "id") }
        guard let id = idValue as? String, !id.isEmpty else {
            throw fail(.badValue, "must be a non-empty string", line, "id")
        }
        if let first = ids[id] { throw fail(.duplicateID, "\"\(id)\" already on line \(first)", line, "id") }
        var text: String?
        if let t = dict["text"], !(t is NSNull) {
            guard let s = t as? String else { throw fail(.badValue, "must be a string or null", line, "text") }
            text = s
        }
        let acc = try numbers(dict, "acc", line) { $0 >= 0 && $0 <= 1 ? nil : "must be in [0, 1]" }
        let cost = try numbers(dict, "cost", line) { $0 > 0 ? nil : "must be positive" }
        let names = acc.keys.sorted()
        if names.isEmpty { throw fail(.empty, "names no action", line, "acc") }
        if cost.keys.sorted() != names {
            let odd = Set(acc.keys).symmetricDifference(cost.keys).sorted().first ?? ""
            throw fail(.actionMismatch, "acc and cost name different actions", line, "cost.\(odd)")
        }
        if actionSet.isEmpty {
            actionSet = names
        } else if names != actionSet {
            let odd = Set(names).symmetricDifference(actionSet).sorted().first ?? ""
            throw fail(
                .actionMismatch, "actions differ from the first line's (\(actionSet.joined(separator: ", ")))",
                line, "acc.\(odd)")
        }
        var signals: [String: Double] = [:]
        if let s = dict["signals"], !(s is NSNull) {
            guard let obj = s as? [String: Any] else {
                throw fail(.badValue, "must be an object of numbers", line, "signals")
            }
            for (name, value) in obj where !(value is NSNull) {
                guard let x = number(value), x.isFinite else {
                    throw fail(.badValue, "must be a finite number or null", line, "signals.\(name)")
                }
                signals[name] = x
            }
        }
        ids[id] = line
        rows.append((acc, cost, TableRow(id: id, text: text, acc: [], cost: [], signals: signals)))
    }

    private func numbers(_ dict: [String: Any], _ field: String, _ line: Int, _ check: (Double) -> String?) throws
        -> [String: Double]
    {
        guard let value = dict[field] else { throw fail(.missingField, "required", line, field) }
        guard let obj = value as? [String: Any] else {
            throw fail(.badValue, "must be an object: action -> number", line, field)
        }
        var out: [String: Double] = [:]
        for (name, v) in obj {
            if name.isEmpty { throw fail(.badValue, "action names must be non-empty", line, field) }
            guard let x = number(v), x.isFinite else {
                throw fail(.badValue, "must be a finite number", line, "\(field).\(name)")
            }
            if let problem = check(x) { throw fail(.badValue, "\(problem), got \(x)", line, "\(field).\(name)") }
            out[name] = x
        }
        return out
    }

    /// Orders actions by mean cost ascending, ties by name in UTF-8 byte order, and lays the rows out in it.
    func finish() throws -> UtilityTable {
        guard !rows.isEmpty else { throw TableError(.empty, "the table has no rows", path: path) }
        let n = Double(rows.count)
        let mean = Dictionary(
            uniqueKeysWithValues: actionSet.map { a in
                (a, rows.reduce(0.0) { $0 + ($1.cost[a] ?? 0) } / n)
            })
        let actions = actionSet.sorted { a, b in
            let (ma, mb) = (mean[a] ?? 0, mean[b] ?? 0)
            return ma != mb ? ma < mb : Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
        }
        let out = rows.map { r in
            var row = r.row
            row.acc = actions.map { r.acc[$0] ?? 0 }
            row.cost = actions.map { r.cost[$0] ?? 0 }
            return row
        }
        return UtilityTable(actions: actions, rows: out)
    }
}

/// A JSON number as Double; JSON booleans (which Foundation hands over as NSNumber) are not numbers.
func number(_ value: Any) -> Double? {
    guard let n = value as? NSNumber, String(cString: n.objCType) != "c" else { return nil }
    return n.doubleValue
}
