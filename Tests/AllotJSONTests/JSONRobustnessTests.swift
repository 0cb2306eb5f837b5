import AllotModel
import AllotJSON
import Testing

/// No input may crash, trap or hang the parser: deep nesting, random bytes, mutated documents, every short UTF-8
/// sequence (checked against the standard library's own validator).
struct JSONRobustnessTests {
    @Test func depthIsBounded() throws {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        #expect(throws: JSONError.self) { try JSONParser.parse(deep) }
        do {
            _ = try JSONParser.parse(deep)
        } catch {
            #expect(error.code == .depth)
            #expect(error.offset == 32)
        }
        // Even an unbounded depth cannot overflow the stack: the parser is iterative.
        #expect(throws: JSONError(.unexpectedEnd, "expected a value", at: 100_000)) {
            try JSONParser.parse(deep, maxDepth: .max)
        }
        let objects = String(repeating: "{\"a\":", count: 100_000)
        #expect(throws: JSONError.self) { try JSONParser.parse(objects, maxDepth: 1_000_000) }
    }

    @Test func depthLimitIsExact() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        }
        #expect(try JSONParser.parse(nested(32)) != .null)
        #expect(throws: JSONError.self) { try JSONParser.parse(nested(33)) }
        #expect(try JSONParser.parse(nested(300), maxDepth: 300) != .null)
        #expect(throws: JSONError.self) { try JSONParser.parse("[]", maxDepth: 0) }
        #expect(try JSONParser.parse("1", maxDepth: 0) == 1)
        #expect(try JSONParser.parse("{\"a\":{\"b\":[{}]}}", maxDepth: 4) == ["a": ["b": [[:]]]])
        #expect(throws: JSONError.self) { try JSONParser.parse("{\"a\":{\"b\":[{}]}}", maxDepth: 3) }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 0x5EED_0004)
        let alphabet =
            Array("{}[]\":,\\ \t\n\r-+.0123456789eEtrufalsn/bu".utf8) + [
                0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xFF,
            ]
        var accepted = 0
        for _ in 0..<30_000 {
            let count = Int.random(in: 0...48, using: &rng)
            let bytes = (0..<count).map { _ in
                Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            if checkConsistency(bytes) { accepted += 1 }
        }
        #expect(accepted > 0)
    }

    @Test func mutatedDocumentsNeverCrash() {
        var rng = SplitMix64(seed: 0x5EED_0005)
        let corpus = [
            #"{"op":"route","id":7,"text":"Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?","signals":{"probe_entropy":0.4},"explain":false}"#,
            #"[1, -2.5e-3, true, false, null, "a\nb\u00e9\ud83d\ude00", {"k": [[], {}]}]"#,
            #"{"é": "€😀", "n": 12345678901234567890, "x": 0.1e400}"#,
            #""plain \" string \\ with escapes \t""#,
            "[[[[[[[[[[1]]]]]]]]]]",
        ].map { Array($0.utf8) }
        for _ in 0..<40_000 {
            var bytes = corpus.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                mutate(&bytes, using: &rng)
            }
            checkConsistency(bytes)
        }
    }

    func mutate(_ bytes: inout [UInt8], using rng: inout SplitMix64) {
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 1 where !bytes.isEmpty: bytes.removeSubrange(position...)
        case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: position)
        case 3: bytes.insert(Array("{}[]\",:\\".utf8).randomElement(using: &rng)!, at: position)
        case 4 where !bytes.isEmpty: bytes.remove(at: position)
        default:
            let end = min(bytes.count, position + Int.random(in: 0...8, using: &rng))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        }
    }

    /// Parses `bytes` (it must return or throw, never trap); if accepted, the value must survive a write/parse
    /// round trip, and parsing from a slice that does not start at index 0 must agree.
    @discardableResult
    func checkConsistency(_ bytes: [UInt8]) -> Bool {
        let padded = ([0x20] + bytes)[1...]
        let first: JSONValue
        do {
            first = try JSONParser.parse(bytes)
        } catch {
            #expect(error.offset >= 0 && error.offset <= bytes.count)
            #expect(throws: error) { try JSONParser.parse(padded) }
            return false
        }
        #expect((try? JSONParser.parse(padded)) == first)
        if Self.allFinite(first) {
            #expect((try? JSONParser.parse(first.description)) == first, "\(first)")
        }
        return true
    }

    /// Non-finite numbers are written as `null`, so only finite values round-trip.
    static func allFinite(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let number): number.isFinite
        case .array(let elements): elements.allSatisfy(allFinite)
        case .object(let members): members.values.allSatisfy(allFinite)
        default: true
        }
    }

    /// Every 1- and 2-byte string body, and 3-/4-byte bodies over all lead and second bytes, is accepted exactly
    /// when the standard library calls it valid UTF-8 and it has no '"' or control byte.
    @Test func utf8AgreesWithTheStandardLibrary() throws {
        let tails: [UInt8] = [
            0x00, 0x22, 0x41, 0x5C, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF0, 0xFF,
        ]
        var bodies: [[UInt8]] = (0...255).map { [UInt8($0)] }
        for a in 0...255 {
            for b in 0...255 { bodies.append([UInt8(a), UInt8(b)]) }
        }
        for a in 0xE0...0xF7 {
            for b in 0...255 {
                for c in tails {
                    bodies.append([UInt8(a), UInt8(b), c])
                    if a >= 0xF0 { bodies.append([UInt8(a), UInt8(b), c, 0x80]) }
                    if a >= 0xF0 { bodies.append([UInt8(a), UInt8(b), 0xBF, c]) }
                }
            }
        }
        var mismatches = 0
        for body in bodies where !body.contains(0x5C) {  // escapes are tested elsewhere
            let plain = !body.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
            let valid = plain && String(validating: body, as: UTF8.self) != nil
            let parsed = try? JSONParser.parse([0x22] + body + [0x22])
            if (parsed != nil) != valid {
                mismatches += 1
                if mismatches < 10 { Issue.record("body \(body): parser \(parsed != nil), stdlib \(valid)") }
            }
            if let parsed { #expect(parsed.stringValue.map { Array($0.utf8) } == body) }
        }
        #expect(mismatches == 0)
    }
}
