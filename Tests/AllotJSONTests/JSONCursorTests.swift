import AllotJSON
import AllotModel
import Testing

@Suite struct JSONCursorTests {
    /// The string a cursor reads: its bytes where they are (no escapes) or from the buffer (escapes), nil if invalid.
    static func read(_ json: [UInt8]) -> (String, JSONCursor.StringBytes)? {
        json.withUnsafeBytes { raw -> (String, JSONCursor.StringBytes)? in
            guard var c = JSONCursor(raw) else { return nil }
            var buffer: [UInt8] = [1, 2, 3]  // stale contents must not leak into the result
            guard let location = c.string(escapedInto: &buffer), c.isAtEnd else { return nil }
            switch location {
            case .input(let range): return (String(decoding: json[range], as: UTF8.self), location)
            case .buffer: return (String(decoding: buffer, as: UTF8.self), location)
            }
        }
    }

    /// Every string reads as `JSONParser` parses it; it is copied only when it has escapes; an invalid one is nil
    /// exactly when the parser rejects it. Lengths around the 16- and 64-byte steps, and the special bytes at every
    /// offset. A string without escapes is also checked against the rule itself: valid exactly when its bytes are
    /// UTF-8 without controls or quotes, and then those bytes.
    @Test func stringsReadAsTheParserReadsThem() throws {
        var cases: [[UInt8]] = []
        for length in [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129] {
            let body = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            cases.append([0x22] + body + [0x22])
            for at in 0..<length {
                for special: [UInt8] in [[0x5C, 0x6E], [0x5C, 0x22], [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0x0A], [0xFF],
                                         [0xC3], [0x5C, 0x75, 0x30, 0x30, 0x34, 0x31], [0x5C, 0x78]] {
                    cases.append([0x22] + body[..<at] + special + body[at...] + [0x22])
                }
            }
            cases.append([0x22] + body)  // unterminated
        }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let body = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            cases.append([0x22] + body + [0x22])
        }
        for json in cases {
            let parsed = try? JSONParser.parse(json)
            if json.count >= 2, json.last == 0x22, !json.dropFirst().dropLast().contains(0x5C) {
                let body = Array(json.dropFirst().dropLast())
                let valid = !body.contains { $0 < 0x20 || $0 == 0x22 } && String(validating: body, as: UTF8.self) != nil
                #expect(parsed == (valid ? .string(String(decoding: body, as: UTF8.self)) : nil), "\(json)")
            }
            let read = JSONCursorTests.read(json)
            if case .string(let text)? = parsed {
                let (string, location) = try #require(read, "\(json)")
                #expect(string == text)
                let escaped = json.contains(0x5C)
                #expect(escaped == (location == .buffer), "\(json)")
            } else {
                #expect(read == nil, "\(json)")
            }
        }
    }
}
