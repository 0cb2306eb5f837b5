extension JSONParser.Reader {
    /// Parses `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` at `index`.
    ///
    /// Fast path (Clinger): with the digits read as an integer m ≤ 2^53 and the decimal exponent |e| ≤ 22, both m
    /// and 10^|e| are exact doubles, so one IEEE multiply or divide gives the correctly rounded m·10^e. Everything
    /// else (more than 19 significant digits, large exponents, m > 2^53) falls back to `Double(String)`, so the
    /// result always equals Swift's own parse of the same text. Overflow gives ±infinity.
    mutating func parseNumber() throws(JSONError) -> Double {
        let start = index
        var negative = false
        if base[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0

        guard index < end else { throw JSONError(.number, "expected a digit after '-'", at: index) }
        let first = base[index]
        if first == UInt8(ascii: "0") {
            index += 1
            if index < end, Self.isDigit(base[index]) {
                throw JSONError(.number, "leading zero in number", at: start)
            }
        } else if Self.isDigit(first) {
            while index < end, Self.isDigit(base[index]) {
                if significantDigits < 19 { mantissa = mantissa &* 10 &+ UInt64(base[index] &- 0x30) }
                significantDigits += 1
                index += 1
            }
        } else {
            throw JSONError(.number, "expected a digit", at: index)
        }

        if index < end, base[index] == UInt8(ascii: ".") {
            index += 1
            guard index < end, Self.isDigit(base[index]) else {
                throw JSONError(.number, "expected a digit after '.'", at: index)
            }
            while index < end, Self.isDigit(base[index]) {
                let digit = base[index] &- 0x30
                if significantDigits == 0 && digit == 0 {
                    exponent -= 1  // leading fraction zeros only scale
                } else {
                    if significantDigits < 19 {
                        mantissa = mantissa &* 10 &+ UInt64(digit)
                        exponent -= 1
                    }
                    significantDigits += 1
                }
                index += 1
            }
        }

        if index < end, base[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < end, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") {
                exponentNegative = base[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < end, Self.isDigit(base[index]) else {
                throw JSONError(.number, "expected a digit in exponent", at: index)
            }
            var value = 0
            while index < end, Self.isDigit(base[index]) {
                if value < 1_000_000 { value = value * 10 + Int(base[index] &- 0x30) }  // saturates; no overflow
                index += 1
            }
            exponent += exponentNegative ? -value : value
        }

        if significantDigits <= 19 {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            if mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
                var value = Double(mantissa)
                if exponent < 0 {
                    value /= Self.powerOfTen(-exponent)
                } else {
                    value *= Self.powerOfTen(exponent)
                }
                return negative ? -value : value
            }
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
        guard let value = Double(text) else { throw JSONError(.number, "unreadable number", at: start) }
        return value
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// 10^n for 0 ≤ n ≤ 22, all exactly representable.
    @inline(__always)
    static func powerOfTen(_ n: Int) -> Double {
        switch n {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }
}
