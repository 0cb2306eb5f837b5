/// A minimal RFC 4180 reader: comma-separated fields, double-quoted fields may hold commas, quotes ("") and
/// newlines. Each record carries the 1-based line it starts on, for error messages.
struct CSVReader {
    struct Record {
        var line: Int
        var fields: [String]
    }

    /// Splits `text` into records; a quote left open at the end of input is an error.
    static func records(_ text: String, path: String?) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var fieldQuoted = false
        var afterQuote = false
        var line = 1
        var recordLine = 1
        var chars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !fieldQuoted) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            field = ""
            fieldQuoted = false
        }
        while let c = pending ?? chars.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let d = chars.next() {
                        if d == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            inQuotes = false
                            afterQuote = true
                            pending = d
                        }
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote:
                inQuotes = true
                fieldQuoted = true
            case ",":
                fields.append(field)
                field = ""
                fieldQuoted = false
                afterQuote = false
            case "\r":
                continue
            case "\n":
                endRecord()
                afterQuote = false
                line += 1
                recordLine = line
            default:
                if afterQuote {
                    throw TableError(.syntax, "text after a closing quote", path: path, line: line)
                }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw TableError(.syntax, "unterminated quoted field", path: path, line: recordLine) }
        if !field.isEmpty || !fields.isEmpty || fieldQuoted { endRecord() }
        return records
    }
}
