/// One line per event on stderr in logfmt (`level=info event=reload ok=true model=...`): journald keeps each
/// line as one entry, and both people and `grep` can read it. Timestamps come from journald, not from us.
public struct Log: Sendable {
    public enum Level: Int, Sendable, Comparable {
        case debug = 0, info = 1, warning = 2, error = 3
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var name: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }
    }

    public var minimum: Level

    public init(minimum: Level = .info) {
        self.minimum = minimum
    }

    public func callAsFunction(_ level: Level, _ event: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard level >= minimum else { return }
        var line = "level=\(level.name) event=\(event)"
        for (k, v) in fields {
            line += " \(k)=\(Log.quote(v))"
        }
        line += "\n"
        Sys.writeStderr(line)
    }

    static func quote(_ v: String) -> String {
        let plain = !v.isEmpty && v.utf8.allSatisfy { $0 > 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") && $0 < 0x7F }
        if plain { return v }
        var out = "\""
        for ch in v.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where ch.value < 0x20: out += " "
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}
