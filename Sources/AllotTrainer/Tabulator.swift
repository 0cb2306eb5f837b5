import Foundation

/// Builds utility tables from raw measurements (docs/table-format.md, "Inputs of allot tabulate").
///
/// Fields the inputs carry beyond the ones used are ignored: these files come from other tools.
public enum Tabulator {
    /// From sampled answers, one question per line: `{"id", "text"?, "gold", "samples": [{"answer", "cost"}, ...],
    /// "signals"?}`. Action `b<k>` is a majority vote over k samples: its accuracy is the exact expectation over
    /// uniformly random k-subsets of the question's samples (`MajorityVote`), its cost k × the mean sample cost.
    /// A null or blank answer is an abstention (drawn and paid for, no vote). Answers are compared after trimming
    /// whitespace, numerically when both parse as numbers ("18" = "18.0").
    public static func fromSamples(_ data: Data, votes: [Int], path: String? = nil) throws -> UtilityTable {
        let votes = Array(Set(votes)).sorted()
        guard let maxVotes = votes.last, let minVotes = votes.first, minVotes >= 1, maxVotes <= 1024 else {
            throw TableError(.invalidArgument, "vote counts must be between 1 and 1024", path: path)
        }
        var rows: [TableRow] = []
        var seen: [String: Int] = [:]
        for (lineNo, bytes) in lines(data) {
            func fail(_ code: TableError.Code, _ msg: String, _ field: String? = nil) -> TableError {
                TableError(code, msg, path: path, line: lineNo, field: field)
            }
            guard let obj = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else {
                throw fail(.syntax, "a line must be a JSON object")
            }
            guard let id = obj["id"] as? String, !id.isEmpty else {
                throw fail(obj["id"] == nil ? .missingField : .badValue, "must be a non-empty string", "id")
            }
            if let first = seen[id] { throw fail(.duplicateID, "\"\(id)\" already on line \(first)", "id") }
            seen[id] = lineNo
            guard let text = optionalText(obj["text"]) else {
                throw fail(.badValue, "must be a string or null", "text")
            }
            guard let goldValue = obj["gold"] else { throw fail(.missingField, "required", "gold") }
            guard let gold = answerKey(goldValue) else {
                throw fail(.badValue, "must be a non-blank string or a number", "gold")
            }
            guard let samples = obj["samples"] as? [Any], !samples.isEmpty else {
                throw fail(obj["samples"] == nil ? .missingField : .badValue, "must be a non-empty array", "samples")
            }
            var counts: [String: Int] = [:]
            var abstentions = 0
            var costSum = 0.0
            for (k, s) in samples.enumerated() {
                guard let sample = s as? [String: Any] else {
                    throw fail(.badValue, "must be an object", "samples[\(k)]")
                }
                guard let c = sample["cost"].flatMap(number), c.isFinite, c > 0 else {
                    throw fail(.badValue, "must be a positive number", "samples[\(k)].cost")
                }
                costSum += c
                let answer = sample["answer"] ?? NSNull()
                if answer is NSNull || (answer as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) == "" {
                    abstentions += 1
                } else if let key = answerKey(answer) {
                    counts[key, default: 0] += 1
                } else {
                    throw fail(.badValue, "must be a string, a number or null", "samples[\(k)].answer")
                }
            }
            guard samples.count >= maxVotes else {
                throw fail(.invalidArgument, "has \(samples.count) samples, fewer than \(maxVotes) votes", "samples")
            }
            let g = counts.removeValue(forKey: gold) ?? 0
            let others = counts.values.sorted()
            let meanCost = costSum / Double(samples.count)
            guard (Double(maxVotes) * meanCost).isFinite else {
                throw fail(.badValue, "the costs are too large: \(maxVotes) votes would cost more than a double holds",
                           "samples")
            }
            var acc: [Double] = []
            for b in votes {
                guard let e = MajorityVote.expectedAccuracy(gold: g, others: others, abstentions: abstentions, votes: b)
                else { throw fail(.invalidArgument, "vote count \(b) overflows the exact computation", "samples") }
                acc.append(e)
            }
            guard let signals = signalValues(obj["signals"]) else {
                throw fail(.badValue, "must be an object of finite numbers", "signals")
            }
            rows.append(
                TableRow(id: id, text: text, acc: acc, cost: votes.map { Double($0) * meanCost }, signals: signals))
        }
        guard !rows.isEmpty else { throw TableError(.empty, "no questions", path: path) }
        return UtilityTable(actions: votes.map { "b\($0)" }, rows: rows).sortedByMeanCost()
    }

    /// The canonical key of an answer: trimmed text, or the number it parses as.
    package static func answerKey(_ value: Any) -> String? {
        if let x = number(value) { return x.isFinite ? "n:\(x)" : nil }
        guard let s = (value as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !s.isEmpty else {
            return nil
        }
        if let x = Double(s), x.isFinite { return "n:\(x)" }
        return "s:" + s
    }

    /// Non-blank lines of `data` with their 1-based numbers.
    static func lines(_ data: Data) -> [(Int, Data)] {
        var out: [(Int, Data)] = []
        var number = 0
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            number += 1
            let line = data[start..<end]
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { out.append((number, Data(line))) }
            start = end < data.endIndex ? data.index(after: end) : end
        }
        return out
    }

    /// `.some(nil)` for absent or null text, `.some(s)` for a string, nil for anything else.
    static func optionalText(_ value: Any?) -> String?? {
        guard let value, !(value is NSNull) else { return .some(nil) }
        return (value as? String).map { .some($0) }
    }

    static func signalValues(_ value: Any?) -> [String: Double]? {
        guard let value, !(value is NSNull) else { return [:] }
        guard let obj = value as? [String: Any] else { return nil }
        var out: [String: Double] = [:]
        for (k, v) in obj where !(v is NSNull) {
            guard let x = number(v), x.isFinite else { return nil }
            out[k] = x
        }
        return out
    }
}
