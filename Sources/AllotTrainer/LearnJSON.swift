/// A small ordered JSON builder for cards and `--json` output: keys keep insertion order and numbers a fixed
/// rounding, so the text (and the model file that embeds it) is byte-for-byte reproducible.
package indirect enum LearnJSON: Sendable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case array([LearnJSON])
    case object([(String, LearnJSON)])
    case null

    /// A number rounded to `digits` significant decimals after the point (4 by default): enough for accuracies
    /// and costs, and stable text.
    package static func num(_ x: Double, _ digits: Int = 4) -> LearnJSON {
        guard x.isFinite else { return .null }
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        return .number((x * p).rounded() / p)
    }

    package var text: String { render(indent: nil, level: 0) }
    package var pretty: String { render(indent: "  ", level: 0) }

    private func render(indent: String?, level: Int) -> String {
        let nl = indent == nil ? "" : "\n"
        let pad = { (l: Int) in String(repeating: indent ?? "", count: l) }
        let sep = ","
        switch self {
        case .number(let x): return jsonNumber(x)
        case .string(let s): return jsonString(s)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy({ if case .number = $0 { return true } else { return false } }) {
                return "[" + items.map { $0.render(indent: nil, level: 0) }.joined(separator: ", ") + "]"
            }
            return "[" + nl + items.map { pad(level + 1) + $0.render(indent: indent, level: level + 1) }
                .joined(separator: sep + nl) + nl + pad(level) + "]"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            let colon = indent == nil ? ":" : ": "
            return "{" + nl + pairs.map { pad(level + 1) + jsonString($0.0) + colon
                + $0.1.render(indent: indent, level: level + 1) }
                .joined(separator: sep + nl) + nl + pad(level) + "}"
        }
    }

    package static func == (a: LearnJSON, b: LearnJSON) -> Bool { a.text == b.text }
}
