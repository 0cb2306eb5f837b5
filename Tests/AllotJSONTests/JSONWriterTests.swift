import AllotModel
import AllotJSON
import Foundation
import Testing

struct JSONWriterTests {
    @Test func insertsCommasAndColons() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("op")
        writer.string("route")
        writer.key("id")
        writer.int(7)
        writer.key("list")
        writer.beginArray()
        writer.int(1)
        writer.beginObject()
        writer.endObject()
        writer.beginArray()
        writer.endArray()
        writer.null()
        writer.bool(true)
        writer.raw("{\"samples\": 4}")
        writer.endArray()
        writer.key("ok")
        writer.bool(false)
        writer.endObject()
        #expect(writer.text == #"{"op":"route","id":7,"list":[1,{},[],null,true,{"samples": 4}],"ok":false}"#)
    }

    @Test(
        arguments: [
            (4.0, "4"), (-4.0, "-4"), (0.0, "0"), (-0.0, "-0"), (0.1, "0.1"), (-2.5, "-2.5"), (1e-7, "1e-07"),
            (9007199254740991.0, "9007199254740991"), (9007199254740992.0, "9007199254740992"),
            (18014398509481984.0, "1.8014398509481984e+16"), (1e17, "1e+17"),
            (1e300, "1e+300"), (.leastNonzeroMagnitude, "5e-324"), (.infinity, "null"), (-.infinity, "null"),
            (.nan, "null"),
            (123456.789, "123456.789"),
        ] as [(Double, String)])
    func numbers(_ value: Double, _ expected: String) throws {
        var writer = JSONWriter()
        writer.number(value)
        #expect(writer.text == expected)
        if value.isFinite {
            let parsed = try JSONParser.parse(writer.bytes).doubleValue
            #expect(parsed?.bitPattern == value.bitPattern)
        }
    }

    /// Non-integral numbers are `description`'s text, gathered without a `String` (`DigitSink`).
    @Test func numbersMatchDescription() {
        var rng = SplitMix64(seed: 41)
        var writer = JSONWriter()
        for i in 0..<40_000 {
            let value = i % 2 == 0 ? Double(bitPattern: rng.next()) : Double(rng.next() >> 11) * 0x1p-53
            guard value.isFinite, !(value.magnitude <= 9_007_199_254_740_992 && value == value.rounded()) else { continue }
            Self.expectTwiceAsDescription(value, &writer)
        }
    }

    /// Two numbers in an array read as `[description,description]` (the comma between them included).
    static func expectTwiceAsDescription(_ value: Double, _ writer: inout JSONWriter) {
        writer.reset()
        writer.beginArray()
        writer.number(value)
        writer.number(value)
        writer.endArray()
        #expect(writer.text == "[\(value.description),\(value.description)]")
    }

    /// Short binary fractions (a float model's costs, like 32420.875) are written without `description`, as the
    /// same text: float values over every magnitude, k / 2^j for j up to 20 (past the 16 fraction bits written
    /// directly), and 15- and 16-digit expansions either side of the limit.
    @Test func shortBinaryFractionsMatchDescription() {
        var rng = SplitMix64(seed: 42)
        var values: [Double] = [32420.875, -32420.875, 1.5, 1.0000152587890625, 99999999999999.5, 999999999999999.5,
                                140737488355327.5, 0x1p47 - 0.5, 123456789012.0625, 12345678901.00001525878906]
        for i in 0..<60_000 {
            let exponent = Double(Int(rng.next() % 60) - 10)
            switch i % 3 {
            case 0: values.append(Double(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))))
            case 1: values.append(Double(Float(Double(rng.next() >> 11) * 0x1p-53 * pow(2, exponent))))
            default:
                let j = Double(rng.next() % 21)
                values.append(Double(Int64(truncatingIfNeeded: rng.next() >> 12) >> (rng.next() % 40)) / pow(2, j))
            }
        }
        var writer = JSONWriter()
        var direct = 0
        for value in values {
            guard value.isFinite, !(value.magnitude <= 9_007_199_254_740_992 && value == value.rounded()) else { continue }
            writer.reset()
            writer.write(reserving: JSONSpan.roomForNumber) { if $0.shortBinaryFraction(value) { direct += 1 } }
            if !writer.bytes.isEmpty { #expect(writer.text == value.description, "\(value)") }
            Self.expectTwiceAsDescription(value, &writer)
        }
        #expect(direct > 10_000)
        writer.reset()
        var taken: [Bool] = []
        for value in [32420.875, 0.1] {
            writer.reset()
            writer.write(reserving: JSONSpan.roomForNumber) { taken.append($0.shortBinaryFraction(value)) }
        }
        #expect(taken == [true, false])
    }

    @Test func integers() {
        var writer = JSONWriter()
        writer.beginArray()
        for value in [0, 1, -1, 10, 1_234_567_890, Int.max, Int.min] { writer.int(value) }
        writer.endArray()
        #expect(writer.text == "[0,1,-1,10,1234567890,9223372036854775807,-9223372036854775808]")
        // Every length, either side of each power of ten (the length comes from the bit length).
        var p: UInt64 = 1
        for k in 0..<20 {
            for v in [p - 1, p, p + 1, p + p / 2] {
                writer.reset()
                writer.write(reserving: JSONSpan.roomForDecimal) { $0.string(decimal: v) }
                #expect(writer.text == "\"\(v)\"")
            }
            if k < 19 { p *= 10 }
        }
        writer.reset()
        writer.write(reserving: JSONSpan.roomForDecimal) { $0.string(decimal: .max) }
        #expect(writer.text == "\"\(UInt64.max)\"")
    }

    @Test func escapesStrings() throws {
        var writer = JSONWriter()
        let text = "q\"b\\s/\n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F}é€😀\u{2028}"
        writer.string(text)
        #expect(writer.text == #""q\"b\\s/\n\r\t\b\f\u0000\u001f"# + "\u{7F}é€😀\u{2028}\"")
        #expect(try JSONParser.parse(writer.bytes) == .string(text))
    }

    @Test func keysAreEscapedToo() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a\"b")
        writer.int(1)
        writer.endObject()
        #expect(writer.text == #"{"a\"b":1}"#)
    }

    /// The hot-reply writers (literal keys, decimal strings, pre-rendered members, strings from UTF-8 bytes) give
    /// the same text as the general ones, commas included.
    @Test func hotPathWritersMatchTheGeneralOnes() {
        var rng = SplitMix64(seed: 88)
        let members = JSONWriter.members { $0.key("a"); $0.string("x\n"); $0.key("b"); $0.int(-3) }
        for _ in 0..<500 {
            let ticket = rng.next() >> (rng.next() % 64)
            // ASCII (controls, quotes and backslashes included) and some non-ASCII characters.
            let pieces = (0..<Int(rng.next() % 40)).map { _ -> String in
                rng.next() % 8 == 0 ? ["é", "€", "😀", "\u{2028}"][Int(rng.next() % 4)]
                    : String(UnicodeScalar(UInt8(truncatingIfNeeded: rng.next() % 128)))
            }
            let text = pieces.joined()
            var fast = JSONWriter(capacity: 0)  // grows as it goes: every write reserves its own room
            fast.beginObject()
            fast.key(literal: "id")
            Array(text.utf8).withUnsafeBufferPointer { fast.string(utf8: $0) }
            fast.rawMembers(members)
            fast.key(literal: "ticket")
            fast.string(decimal: ticket)
            fast.key(literal: "ok")
            fast.bool(ticket % 2 == 0)
            fast.endObject()
            var general = JSONWriter()
            general.beginObject()
            general.key("id")
            general.string(text)
            general.key("a")
            general.string("x\n")
            general.key("b")
            general.int(-3)
            general.key("ticket")
            general.string(String(ticket))
            general.key("ok")
            general.bool(ticket % 2 == 0)
            general.endObject()
            #expect(fast.text == general.text)
            // Both sides escape through the same code; the parser checks what they wrote independently.
            guard case .object(let parsed)? = try? JSONParser.parse(fast.bytes) else {
                Issue.record("not an object: \(fast.text)")
                continue
            }
            #expect(parsed["id"] == .string(text))
            #expect(parsed["ticket"] == .string(String(ticket)))
        }
    }

    /// Writing into room the writer already has never moves its bytes: a write that copied the buffer (as one did
    /// when a closure passed to an instance method wrote to the writer) made long replies quadratic.
    @Test func writesWithinCapacityDoNotMoveTheBytes() {
        var writer = JSONWriter(capacity: 1 << 16)
        writer.beginObject()
        let base = writer.bytes.withUnsafeBufferPointer { $0.baseAddress }
        for i in 0..<200 {
            writer.key("key \(i)")
            writer.string("value \(i)")
            writer.key(literal: "n")
            writer.number(Double(i) / 3)
            writer.raw("[1,2]")
            #expect(writer.bytes.withUnsafeBufferPointer { $0.baseAddress } == base, "moved at \(i)")
        }
        writer.endObject()
        #expect(writer.bytes.count < 1 << 16)
    }

    @Test func resetKeepsCapacity() {
        var writer = JSONWriter(capacity: 16)
        writer.string(String(repeating: "x", count: 1000))
        let capacity = writer.bytes.capacity
        writer.reset()
        #expect(writer.bytes.isEmpty)
        #expect(writer.bytes.capacity == capacity)
        writer.int(1)
        writer.int(2)
        #expect(writer.text == "1,2")
    }

    @Test func valueSortsKeys() {
        let value: JSONValue = ["b": [1, "x", nil], "a": ["z": true, "y": 0.5], "": false]
        #expect(value.description == #"{"":false,"a":{"y":0.5,"z":true},"b":[1,"x",null]}"#)
    }

    @Test func randomValuesRoundTrip() throws {
        var rng = SplitMix64(seed: 0x5EED_0003)
        for _ in 0..<3_000 {
            let value = RandomJSON.value(depth: 4, using: &rng)
            var writer = JSONWriter()
            writer.value(value)
            let parsed = try JSONParser.parse(writer.bytes)
            #expect(parsed == value, "\(writer.text)")
            writer.reset()
            writer.value(parsed)
            #expect(writer.text == value.description)
        }
    }
}

/// Random JSON values for property tests: all kinds of strings (control characters, every UTF-8 length) and
/// finite numbers of every magnitude.
enum RandomJSON {
    static func value(depth: Int, using rng: inout SplitMix64) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 7 : 5), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number(number(using: &rng))
        case 3, 4: return .string(string(using: &rng))
        case 5:
            return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in value(depth: depth - 1, using: &rng) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                members[string(using: &rng)] = value(depth: depth - 1, using: &rng)
            }
            return .object(members)
        }
    }

    static func number(using rng: inout SplitMix64) -> Double {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return Double(Int.random(in: -1000...1000, using: &rng))
        case 1: return Double.random(in: -1...1, using: &rng)
        case 2: return Double(Int64.random(in: .min ... .max, using: &rng))
        default:
            while true {
                let value = Double(bitPattern: rng.next())
                if value.isFinite { return value }
            }
        }
    }

    static func string(using rng: inout SplitMix64) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...24, using: &rng) {
            let range: ClosedRange<UInt32> =
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: 0...0x1F
                case 1, 2: 0x20...0x7F
                case 3: 0x80...0x7FF
                case 4: 0x800...0xFFFF
                default: 0x10000...0x10FFFF
                }
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &rng)) { scalars.append(scalar) }
        }
        return String(scalars)
    }
}
