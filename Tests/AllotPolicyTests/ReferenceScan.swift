@testable import AllotPolicy

/// The first, plain implementation of allot-text v1's scan (as shipped until the specialized one replaced it), kept
/// as the reference the fast scan must match bit for bit. Its keyword lookup is a plain dictionary of the lowercased
/// words, independent of `KeywordTable`'s perfect hash.
enum ReferenceScan {
    static let keywords: [[UInt8]: UInt8] = {
        var d: [[UInt8]: UInt8] = [:]
        func add(_ w: String, _ c: WordClass) { d[Array(w.utf8), default: 0] |= c.rawValue }
        for w in KeywordTable.whWords { add(w, .wh) }
        add("how", .how)
        add("many", .manyMuch)
        add("much", .manyMuch)
        for w in KeywordTable.quantityWords { add(w, .quantity) }
        for w in KeywordTable.unitWords { add(w, .unit) }
        return d
    }()

    /// Dense features then buckets, as `FeatureExtractor` lays them out.
    static func features(_ text: [UInt8], ngramMax: Int, buckets: Int) -> [Float] {
        var dense = [Float](repeating: 0, count: 28)
        var b = [Float](repeating: 0, count: buckets)
        text.withUnsafeBufferPointer { t in
            dense.withUnsafeMutableBufferPointer { d in
                b.withUnsafeMutableBufferPointer { scan(t, ngramMax: ngramMax, dense: d, buckets: $0) }
            }
        }
        return dense + b
    }

    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Counts into `dense` (28 floats, zeroed by the caller) and `buckets` (zeroed; may be empty).
    static func scan(
        _ t: UnsafeBufferPointer<UInt8>, ngramMax: Int,
        dense: UnsafeMutableBufferPointer<Float>, buckets: UnsafeMutableBufferPointer<Float>
    ) {
        let n = t.count
        var chars = 0
        var tokens = 0
        var words = 0
        var letters = 0
        var maxWord = 0
        var capitalized = 0
        var digits = 0
        var numbers = 0
        var maxIntDigits = 0
        var decimals = 0
        var operators = 0
        var equals = 0
        var fractions = 0
        var latex = 0
        var latexDollars = 0
        var money = 0
        var percents = 0
        var questionMarks = 0
        var sentences = 0
        var howMany = 0
        var wh = 0
        var quantity = 0
        var unit = 0
        var commas = 0
        var brackets = 0
        var newlines = 0
        var nonASCII = 0
        var content = false  // non-space text since the last sentence terminator
        var prevHow = false

        // Hashes of the 1-, 2- and 3-grams ending at the previous token, and how many of them exist.
        var g1: UInt64 = 0
        var g2: UInt64 = 0
        var g3: UInt64 = 0
        var have = 0
        let bucketCount = UInt64(buckets.count)
        // h % d without a 64-bit divide (tens of cycles, twice per word): with m = ⌊(2^64−1)/d⌋, q = ⌊h·m/2^64⌋
        // is ⌊h/d⌋ or one less, so r = h − q·d is in [0, 2d) and one subtraction makes it exact.
        let reciprocal = bucketCount > 0 ? UInt64.max / bucketCount : 0
        @inline(__always) func count(_ h: UInt64) {
            let q = h.multipliedFullWidth(by: reciprocal).high
            var r = h &- q &* bucketCount
            if r >= bucketCount { r &-= bucketCount }
            buckets[Int(truncatingIfNeeded: r)] += 1
        }
        @inline(__always) func emit(_ h1: UInt64, _ h2: UInt64, _ h3: UInt64, _ h4: UInt64) {
            if bucketCount > 0 {
                count(h1)
                if ngramMax >= 2 && have >= 1 { count(h2) }
                if ngramMax >= 3 && have >= 2 { count(h3) }
                if ngramMax >= 4 && have >= 3 { count(h4) }
            }
            g3 = h3
            g2 = h2
            g1 = h1
            if have < 3 { have &+= 1 }
        }
        @inline(__always) func starts() -> (FNV1a, FNV1a, FNV1a, FNV1a) {
            var h2 = FNV1a(g1)
            var h3 = FNV1a(g2)
            var h4 = FNV1a(g3)
            h2.add(0x20)
            h3.add(0x20)
            h4.add(0x20)
            return (FNV1a(), h2, h3, h4)
        }

        var i = 0
        while i < n {
            let b = t[i]
            if isLetter(b) {
                var (h1, h2, h3, h4) = starts()
                let start = i
                while i < n && isLetter(t[i]) {
                    let c = t[i] | 0x20
                    h1.add(c)
                    h2.add(c)
                    h3.add(c)
                    h4.add(c)
                    i &+= 1
                }
                let len = i &- start
                chars &+= len
                words &+= 1
                letters &+= len
                tokens &+= 1 &+ (len &- 1) / 6
                if len > maxWord { maxWord = len }
                if b < 0x61 { capitalized &+= 1 }
                let cls = WordClass(rawValue: ReferenceScan.keywords[t[start..<i].map { $0 | 0x20 }] ?? 0)
                if cls.contains(.wh) { wh &+= 1 }
                if cls.contains(.quantity) { quantity &+= 1 }
                if cls.contains(.unit) { unit &+= 1 }
                if prevHow && cls.contains(.manyMuch) { howMany &+= 1 }
                prevHow = cls.contains(.how)
                content = true
                emit(h1.value, h2.value, h3.value, h4.value)
                continue
            }
            if isDigit(b) {
                prevHow = false
                let start = i
                var intDigits = 0
                var fraction = false
                var separators = 0
                while i < n {
                    let c = t[i]
                    if isDigit(c) {
                        digits &+= 1
                        if !fraction && !(c == 0x30 && intDigits == 0) { intDigits &+= 1 }
                    } else if (c == 0x2C || c == 0x2E) && i &+ 1 < n && isDigit(t[i &+ 1]) {
                        if c == 0x2E {
                            if fraction { break }
                            fraction = true
                        }
                        separators &+= 1
                    } else {
                        break
                    }
                    i &+= 1
                }
                let len = i &- start
                chars &+= len
                numbers &+= 1
                if fraction { decimals &+= 1 }
                if intDigits > maxIntDigits { maxIntDigits = intDigits }
                tokens &+= (len &- separators &+ 2) / 3 &+ separators
                content = true
                var (h1, h2, h3, h4) = starts()
                h1.add(0x23)
                h2.add(0x23)
                h3.add(0x23)
                h4.add(0x23)
                emit(h1.value, h2.value, h3.value, h4.value)
                continue
            }
            let next: UInt8 = i &+ 1 < n ? t[i &+ 1] : 0
            let prev: UInt8 = i > 0 ? t[i &- 1] : 0
            i &+= 1
            if b >= 0x80 {
                if b & 0xC0 != 0x80 {
                    chars &+= 1
                    nonASCII &+= 1
                    tokens &+= 1
                    content = true
                }
                if b == 0xC3 && (next == 0x97 || next == 0xB7) { operators &+= 1 }  // × ÷
                continue
            }
            chars &+= 1
            if isSpace(b) {
                if b == 0x0A { newlines &+= 1 }
                continue
            }
            tokens &+= 1
            prevHow = false
            switch b {
            case 0x2E, 0x21, 0x3F:  // . ! ?
                if b == 0x3F { questionMarks &+= 1 }
                if next == 0 || isSpace(next) || next == 0x22 || next == 0x29 {
                    if content { sentences &+= 1 }
                    content = false
                }
                continue
            case 0x2B, 0x2A, 0x5E, 0x3C, 0x3E:  // + * ^ < >
                operators &+= 1
            case 0x3D:  // =
                operators &+= 1
                equals &+= 1
            case 0x2D:  // - (not inside a hyphenated word)
                if !(isLetter(prev) && isLetter(next)) { operators &+= 1 }
            case 0x2F:  // /
                operators &+= 1
                if isDigit(prev) && isDigit(next) { fractions &+= 1 }
            case 0x25: percents &+= 1
            case 0x5C: if isLetter(next) { latex &+= 1 }
            case 0x24: if isDigit(next) { money &+= 1 } else { latexDollars &+= 1 }
            case 0x28, 0x29, 0x5B, 0x5D, 0x7B, 0x7D: brackets &+= 1
            case 0x2C: commas &+= 1
            default: break
            }
            content = true
        }
        if content { sentences &+= 1 }

        dense[0] = Float(n)
        dense[1] = Float(chars)
        dense[2] = Float(tokens)
        dense[3] = Float(words)
        dense[4] = Float(digits)
        dense[5] = Float(numbers)
        dense[6] = Float(maxIntDigits)
        dense[7] = Float(decimals)
        dense[8] = Float(operators)
        dense[9] = Float(equals)
        dense[10] = Float(fractions)
        dense[11] = Float(latex)
        dense[12] = Float(latexDollars)
        dense[13] = Float(money)
        dense[14] = Float(percents)
        dense[15] = Float(questionMarks)
        dense[16] = Float(sentences)
        dense[17] = Float(howMany)
        dense[18] = Float(wh)
        dense[19] = Float(quantity)
        dense[20] = Float(unit)
        dense[21] = Float(capitalized)
        dense[22] = words > 0 ? Float(letters) / Float(words) : 0
        dense[23] = Float(maxWord)
        dense[24] = Float(commas)
        dense[25] = Float(brackets)
        dense[26] = Float(newlines)
        dense[27] = Float(nonASCII)
    }
}
