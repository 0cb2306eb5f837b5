import Foundation

extension UtilityTable {
    /// Loads a utility table from JSON Lines (docs/table-format.md), validating every line strictly.
    ///
    /// Each non-blank line is `{"id", "text"?, "acc": {action: [0,1]}, "cost": {action: >0}, "signals"?: {name:
    /// number}}`; every line names the same actions in `acc` and `cost`; ids are unique. The actions are ordered by
    /// mean cost ascending, ties broken by name (UTF-8 byte order), so the order never depends on JSON key order.
    /// - Parameter actionsFile: optional JSON object `{action: {params...}}` naming exactly the table's actions;
    ///   each params object is kept as canonical JSON text (sorted keys) in `actionParams`.
    /// - Throws: `TableError` naming the file, line and field.
    public static func load(path: String, actionsFile: String? = nil) throws -> UtilityTable {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TableError(.io, "cannot read: \(FileErrorText.reason(error, path: path) ?? "\(error)")", path: path)
        }
        var table = try parse(data, path: path)
        if let actionsFile {
            table.actionParams = try loadActionParams(path: actionsFile, actions: table.actions)
        }
        return table
    }

    /// Parses JSON Lines bytes (see `load(path:actionsFile:)`); `path` only labels errors.
    package static func parse(_ data: Data, path: String? = nil) throws -> UtilityTable {
        var parser = TableLineParser(path: path)
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            lineNumber += 1
            try parser.add(line: data[start..<end], number: lineNumber)
            start = end < data.endIndex ? data.index(after: end) : end
        }
        return try parser.finish()
    }

    /// Reads an actions file: a JSON object mapping each of `actions` to a params object.
    package static func loadActionParams(path: String, actions: [String]) throws -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TableError(.io, "cannot read: \(FileErrorText.reason(error, path: path) ?? "\(error)")", path: path)
        }
        return try parseActionParams(data, actions: actions, path: path)
    }

    package static func parseActionParams(_ data: Data, actions: [String], path: String? = nil) throws
        -> [String: String]
    {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw TableError(.syntax, "not valid JSON", path: path)
        }
        guard let dict = object as? [String: Any] else {
            throw TableError(
                .syntax, "the actions file must be a JSON object: action name -> params object",
                path: path)
        }
        var params: [String: String] = [:]
        for (name, value) in dict {
            guard actions.contains(name) else {
                throw TableError(.actionsFile, "names an action the table lacks", path: path, field: name)
            }
            guard value is [String: Any],
                let text = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
            else { throw TableError(.actionsFile, "params must be a JSON object", path: path, field: name) }
            params[name] = String(decoding: text, as: UTF8.self)
        }
        if let missing = actions.first(where: { params[$0] == nil }) {
            throw TableError(.actionsFile, "no params for the table's action", path: path, field: missing)
        }
        return params
    }

    /// Writes the table as JSON Lines in action order (numbers in shortest round-trip form), and, when
    /// `actionsFile` is given and `actionParams` is not empty, the actions file.
    public func write(to path: String, actionsFile: String? = nil) throws {
        var out = ""
        for row in rows { out += jsonLine(row) + "\n" }
        try Self.writeFile(out, to: path)
        if let actionsFile, !actionParams.isEmpty {
            var text = "{\n"
            let entries = actions.compactMap { a in actionParams[a].map { "  \(jsonString(a)): \($0)" } }
            text += entries.joined(separator: ",\n") + "\n}\n"
            try Self.writeFile(text, to: actionsFile)
        }
    }

    /// Mean cost of each action, in action order.
    public var meanCost: [Double] { columnMeans(\.cost) }
    /// Mean accuracy of each action, in action order.
    public var meanAccuracy: [Double] { columnMeans(\.acc) }

    private func columnMeans(_ column: KeyPath<TableRow, [Double]>) -> [Double] {
        guard !rows.isEmpty else { return actions.map { _ in 0 } }
        var sums = actions.map { _ in 0.0 }
        for row in rows { for (k, v) in row[keyPath: column].enumerated() where k < sums.count { sums[k] += v } }
        return sums.map { $0 / Double(rows.count) }
    }

    package func jsonLine(_ row: TableRow) -> String {
        var s = "{\"id\": \(jsonString(row.id))"
        if let text = row.text { s += ", \"text\": \(jsonString(text))" }
        let pairs = { (values: [Double]) in
            zip(actions, values).map { "\(jsonString($0)): \(jsonNumber($1))" }.joined(separator: ", ")
        }
        s += ", \"acc\": {\(pairs(row.acc))}, \"cost\": {\(pairs(row.cost))}"
        if !row.signals.isEmpty {
            let sig = row.signals.keys.sorted().map { "\(jsonString($0)): \(jsonNumber(row.signals[$0] ?? 0))" }
            s += ", \"signals\": {\(sig.joined(separator: ", "))}"
        }
        return s + "}"
    }

    private static func writeFile(_ text: String, to path: String) throws {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) } catch {
            throw TableError(.io, "cannot write: \(FileErrorText.reason(error, path: path) ?? "\(error)")", path: path)
        }
    }
}

/// JSON number text: integers without a fraction, others in Swift's shortest round-trip form.
package func jsonNumber(_ x: Double) -> String {
    if x.isFinite, x == x.rounded(), abs(x) < 9_007_199_254_740_992 { return String(Int64(x)) }
    return x.isFinite ? "\(x)" : "null"
}

/// JSON string literal with the required escapes.
package func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            out +=
                "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count)
                + String(u.value, radix: 16)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

extension UtilityTable {
    /// The same table with its actions in the canonical order: mean cost ascending, ties by name (UTF-8 bytes).
    public func sortedByMeanCost() -> UtilityTable {
        let mean = meanCost
        let order = actions.indices.sorted { a, b in
            mean[a] != mean[b] ? mean[a] < mean[b] : Array(actions[a].utf8).lexicographicallyPrecedes(actions[b].utf8)
        }
        var t = self
        t.actions = order.map { actions[$0] }
        t.rows = rows.map { r in
            var r = r
            r.acc = order.map { r.acc[$0] }
            r.cost = order.map { r.cost[$0] }
            return r
        }
        return t
    }
}

extension UtilityTable {
    /// The rows at `indices` (in that order), same actions and params: a cross-validation fold.
    public func subset(_ indices: [Int]) -> UtilityTable {
        UtilityTable(
            actions: actions, rows: indices.compactMap { rows.indices.contains($0) ? rows[$0] : nil },
            actionParams: actionParams)
    }
}

extension UtilityTable {
    /// Checks what `load` guarantees, for tables built in code: every row has one finite accuracy in [0, 1] and
    /// one finite positive cost per action, and there is at least one row and one action.
    public func validateShape() throws {
        guard !rows.isEmpty, !actions.isEmpty else { throw TableError(.empty, "the table has no rows or no actions") }
        for (i, row) in rows.enumerated() {
            guard row.acc.count == actions.count, row.cost.count == actions.count else {
                throw TableError(
                    .actionMismatch,
                    "row \(i) (\(row.id)) has \(row.acc.count) accuracies and "
                        + "\(row.cost.count) costs for \(actions.count) actions")
            }
            guard row.acc.allSatisfy({ $0 >= 0 && $0 <= 1 }), row.cost.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw TableError(
                    .badValue, "row \(i) (\(row.id)) has an accuracy outside [0, 1] or a non-positive cost")
            }
        }
    }
}
