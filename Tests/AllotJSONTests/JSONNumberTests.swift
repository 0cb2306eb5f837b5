import AllotModel
import AllotJSON
import Testing

/// Parsed numbers must equal Swift's `Double(String)` bit for bit (which is correctly rounded), on both the fast
/// path and the fallback.
struct JSONNumberTests {
    static func parseNumber(_ text: String) throws -> Double? {
        try JSONParser.parse(text).doubleValue
    }

    static func expectAgreement(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try #require(Double(text), "Swift cannot read \(text)", sourceLocation: sourceLocation)
        let parsed = try #require(try parseNumber(text), sourceLocation: sourceLocation)
        #expect(
            parsed.bitPattern == expected.bitPattern, "\(text): \(parsed) != \(expected)",
            sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        "0", "-0", "1", "-1", "0.5", "0.1", "0.2", "0.3", "1.5e3", "123456789", "9007199254740991",
        "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995", "18446744073709551615",
        "18446744073709551616", "99999999999999999999", "1e22", "1e23", "9e22", "1.7976931348623157e308",
        "1.7976931348623158e308", "1.7976931348623159e308", "1e308", "1e309", "-1e309", "4.9e-324", "5e-324",
        "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-324", "2.2250738585072011e-308",
        "2.2250738585072012e-308", "2.2250738585072014e-308", "0.000001", "1e-7", "123.456e-2",
        "0.1000000000000000055511151231257827021181583404541015625", "3.14159265358979323846264338327950288",
        "7.038531e-26", "1E+2", "1e-0", "0e0", "-0.0e-0", "1e000000000000000000000000001", "1e-99999999999999999999",
        "89255.0e-22", "8.988465674311579e+307", "0.000000000000000000000000000000000000001",
        "1448997445238699", "144899744523869900000", "1.448997445238699", "4503599627370496.5",
        "4503599627370497.5", "2251799813685248.25", "10000000000000000000000000000000000000000",
    ])
    func agreesWithSwift(_ text: String) throws {
        try Self.expectAgreement(text)
    }

    @Test func randomDecimalsAgreeWithSwift() throws {
        var rng = SplitMix64(seed: 0x5EED_0001)
        let digits = Array("0123456789")
        for _ in 0..<20_000 {
            var text = Bool.random(using: &rng) ? "-" : ""
            let integerDigits = Int.random(in: 0...22, using: &rng)
            if integerDigits == 0 {
                text += "0"
            } else {
                text.append(digits[Int.random(in: 1...9, using: &rng)])
                for _ in 1..<integerDigits { text.append(digits.randomElement(using: &rng)!) }
            }
            if Bool.random(using: &rng) {
                text += "."
                for _ in 0..<Int.random(in: 1...22, using: &rng) { text.append(digits.randomElement(using: &rng)!) }
            }
            if Int.random(in: 0..<3, using: &rng) == 0 {
                text += ["e", "E", "e+", "e-", "E-"].randomElement(using: &rng)!
                let bound = [3, 30, 330, 400].randomElement(using: &rng)!
                text += String(Int.random(in: 0...bound, using: &rng))
            }
            try Self.expectAgreement(text)
        }
    }

    @Test func randomDoublesRoundTripThroughTheirDescription() throws {
        var rng = SplitMix64(seed: 0x5EED_0002)
        for index in 0..<20_000 {
            let value: Double
            if index % 2 == 0 {
                value = Double(bitPattern: rng.next())
            } else {
                value = Double.random(in: -1e6...1e6, using: &rng).rounded() / [1, 10, 100, 1000][index % 4]
            }
            guard value.isFinite else { continue }
            try Self.expectAgreement(value.description)
            #expect(try Self.parseNumber(value.description) == value)
        }
    }

    @Test func hugeExponentsDoNotOverflow() throws {
        #expect(try Self.parseNumber("1e99999999999999999999999999") == .infinity)
        #expect(try Self.parseNumber("-1e99999999999999999999999999") == -.infinity)
        #expect(try Self.parseNumber("1e-99999999999999999999999999") == 0)
        #expect(try Self.parseNumber("0e99999999999999999999999999") == 0)
        let longMantissa = "1" + String(repeating: "0", count: 5000) + "e-5000"
        #expect(try Self.parseNumber(longMantissa) == 1)
        let longFraction = "0." + String(repeating: "0", count: 5000) + "1e5001"
        #expect(try Self.parseNumber(longFraction) == 1)
    }
}
