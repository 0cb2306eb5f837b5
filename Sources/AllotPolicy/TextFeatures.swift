import CAllotKernels

/// The dense part of extractor allot-text v1 and the n-gram hashing, in one pass over the UTF-8 bytes.
///
/// Tokens are maximal runs of ASCII letters (lowercased; they are the "words") and maximal numbers (digits with
/// inner `,` or `.` before a digit), which all become the token `#`. Word n-grams of 1...ngramMax consecutive
/// tokens are hashed with FNV-1a 64 over the tokens joined by one space and counted in bucket `hash % buckets`.
enum TextFeatures {
    /// Dense feature names, in vector order. Every one is a count except `mean_word_len`.
    static let names: [String] = [
        "bytes", "chars", "tokens_approx", "words", "digits", "numbers", "max_int_digits", "decimals",
        "operators", "equals", "fractions", "latex_commands", "latex_dollars", "money", "percents",
        "question_marks", "sentences", "how_many", "wh_words", "quantity_words", "unit_words", "capitalized_words",
        "mean_word_len", "max_word_len", "commas", "brackets", "newlines", "non_ascii_chars",
    ]

    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Whether `allot_text_scan` (AVX-512) can run here.
    static let vectorScan = allot_text_scan_available() != 0

    /// Counts into `dense` (28 floats, zeroed by the caller) and `buckets` (zeroed; may be empty).
    static func scan(
        _ t: UnsafeBufferPointer<UInt8>, keywords: KeywordTable, ngramMax: Int,
        dense: UnsafeMutableBufferPointer<Float>, buckets: UnsafeMutableBufferPointer<Float>
    ) {
        // The vector scan classifies 64 bytes at a time and looks up (and hashes) 8 words at a time: no branch
        // per word.
        if vectorScan {
            precondition(dense.count >= names.count)
            keywords.withTable { table in
                allot_text_scan(
                    t.baseAddress, Int64(t.count), table, Int32(truncatingIfNeeded: ngramMax), dense.baseAddress!,
                    buckets.baseAddress, Int64(buckets.count))
            }
        } else {
            scanPortable(t, keywords: keywords, ngramMax: ngramMax, dense: dense, buckets: buckets)
        }
    }

    /// The 28 dense counts followed by the `buckets` n-gram buckets of `text`, in a new array, from `scan` or from
    /// the portable scan: for the tests and the scan fuzz target, which compare them (the extractor scans into its
    /// own buffer instead).
    static func features(
        _ text: UnsafeBufferPointer<UInt8>, keywords: KeywordTable, ngramMax: Int, buckets: Int, portable: Bool
    ) -> [Float] {
        var out = [Float](repeating: 0, count: names.count + buckets)
        out.withUnsafeMutableBufferPointer { all in
            let dense = UnsafeMutableBufferPointer(rebasing: all[..<names.count])
            let b = UnsafeMutableBufferPointer(rebasing: all[names.count...])
            if portable {
                scanPortable(text, keywords: keywords, ngramMax: ngramMax, dense: dense, buckets: b)
            } else {
                scan(text, keywords: keywords, ngramMax: ngramMax, dense: dense, buckets: b)
            }
        }
        return out
    }

    /// The same counts one byte at a time: for CPUs without AVX-512, and for tests.
    static func scanPortable(
        _ t: UnsafeBufferPointer<UInt8>, keywords: KeywordTable, ngramMax: Int,
        dense: UnsafeMutableBufferPointer<Float>, buckets: UnsafeMutableBufferPointer<Float>
    ) {
        // Specialized per order so the hash chains an order does not need are not computed.
        let hashing = buckets.count > 0
        switch (hashing, ngramMax) {
        case (false, _): scan(t, keywords, NoHashing.self, dense, buckets)
        case (true, 1): scan(t, keywords, Unigrams.self, dense, buckets)
        case (true, 2): scan(t, keywords, Bigrams.self, dense, buckets)
        case (true, 3): scan(t, keywords, Trigrams.self, dense, buckets)
        default: scan(t, keywords, Fourgrams.self, dense, buckets)
        }
    }

    /// The scan for one n-gram order. Costs, measured per 384-byte GSM8K prompt: the byte-serial FNV chains
    /// (4 cycles a letter each; none without buckets: keywords are looked up by the word itself) and one
    /// mispredicted branch at the end of each word set the floor; everything else is kept off the branch
    /// predictor (keyword counts without branches, the space between two words without a trip through the
    /// dispatch).
    static func scan<O: NGramOrder>(
        _ t: UnsafeBufferPointer<UInt8>, _ keywords: KeywordTable, _: O.Type,
        _ dense: UnsafeMutableBufferPointer<Float>, _ buckets: UnsafeMutableBufferPointer<Float>
    ) {
        let order = O.order
        let hashing = O.hashing
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
        var content = false
        var prevHow = 0  // 1 when the last token was "how"

        let prime = FNV1a.prime
        let basis = FNV1a.offsetBasis
        // Hashes of the 1-, 2- and 3-grams ending at the previous token, and how many of them exist.
        var g1: UInt64 = 0
        var g2: UInt64 = 0
        var g3: UInt64 = 0
        var have = 0
        let bucketCount = UInt64(buckets.count)
        // h % d without a 64-bit divide (tens of cycles, twice per word): with m = ⌊(2^64−1)/d⌋, q = ⌊h·m/2^64⌋
        // is ⌊h/d⌋ or one less, so r = h − q·d is in [0, 2d) and one subtraction makes it exact.
        let reciprocal = bucketCount > 0 ? UInt64.max / bucketCount : 0
        let base = buckets.baseAddress
        @inline(__always) func count(_ h: UInt64) {
            let q = h.multipliedFullWidth(by: reciprocal).high
            var r = h &- q &* bucketCount
            if r >= bucketCount { r &-= bucketCount }
            base.unsafelyUnwrapped[Int(truncatingIfNeeded: r)] += 1
        }
        // Counts the n-grams ending at a token whose continued hashes are h1...h4.
        @inline(__always) func emit(_ h1: UInt64, _ h2: UInt64, _ h3: UInt64, _ h4: UInt64) {
            if hashing {
                count(h1)
                if order >= 2 && have >= 1 { count(h2) }
                if order >= 3 && have >= 2 { count(h3) }
                if order >= 4 && have >= 3 { count(h4) }
            }
            if order >= 4 { g3 = h3 }
            if order >= 3 { g2 = h2 }
            g1 = h1
            if have < 3 { have &+= 1 }
        }
        @inline(__always) func after(_ g: UInt64) -> UInt64 { (g ^ 0x20) &* prime }

        var i = 0
        outer: while i < n {
            var b = t[i]
            if isLetter(b) {
                while true {
                    var h1 = basis
                    var h2 = order >= 2 ? after(g1) : 0
                    var h3 = order >= 3 ? after(g2) : 0
                    var h4 = order >= 4 ? after(g3) : 0
                    let start = i
                    let first = b
                    repeat {
                        let c = UInt64(b | 0x20)
                        if hashing { h1 = (h1 ^ c) &* prime }
                        if order >= 2 { h2 = (h2 ^ c) &* prime }
                        if order >= 3 { h3 = (h3 ^ c) &* prime }
                        if order >= 4 { h4 = (h4 ^ c) &* prime }
                        i &+= 1
                        if i == n { break }
                        b = t[i]
                    } while isLetter(b)
                    let len = i &- start
                    chars &+= len
                    words &+= 1
                    letters &+= len
                    tokens &+= 1 &+ (len &- 1) / 6
                    if len > maxWord { maxWord = len }
                    if first < 0x61 { capitalized &+= 1 }
                    // Branch-free: about one word in five is a keyword, too often for a predictable branch.
                    let cls = Int(keywords.lookup(t, start: start, length: len).rawValue)
                    wh &+= cls & 1
                    quantity &+= (cls >> 3) & 1
                    unit &+= (cls >> 4) & 1
                    howMany &+= (cls >> 2) & prevHow
                    prevHow = (cls >> 1) & 1
                    content = true
                    emit(h1, h2, h3, h4)
                    // The common case, one space and the next word, without going round the dispatch.
                    if b == 0x20 && i &+ 1 < n && isLetter(t[i &+ 1]) {
                        chars &+= 1
                        i &+= 1
                        b = t[i]
                        continue
                    }
                    continue outer
                }
            }
            if isDigit(b) {
                prevHow = 0
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
                let hash = (basis ^ 0x23) &* prime
                emit(hash,
                     order >= 2 ? (after(g1) ^ 0x23) &* prime : 0,
                     order >= 3 ? (after(g2) ^ 0x23) &* prime : 0,
                     order >= 4 ? (after(g3) ^ 0x23) &* prime : 0)
                continue
            }
            i &+= 1
            if b == 0x20 {
                chars &+= 1
                continue
            }
            let next: UInt8 = i < n ? t[i] : 0
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
            prevHow = 0
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
                let prev = i >= 2 ? t[i &- 2] : 0
                if !(isLetter(prev) && isLetter(next)) { operators &+= 1 }
            case 0x2F:  // /
                operators &+= 1
                let prev = i >= 2 ? t[i &- 2] : 0
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

/// The n-gram order as a type, so that each order gets its own specialized loop without the chains it does not use.
protocol NGramOrder { static var order: Int { get }; static var hashing: Bool { get } }
enum NoHashing: NGramOrder { static var order: Int { 1 }; static var hashing: Bool { false } }
enum Unigrams: NGramOrder { static var order: Int { 1 }; static var hashing: Bool { true } }
enum Bigrams: NGramOrder { static var order: Int { 2 }; static var hashing: Bool { true } }
enum Trigrams: NGramOrder { static var order: Int { 3 }; static var hashing: Bool { true } }
enum Fourgrams: NGramOrder { static var order: Int { 4 }; static var hashing: Bool { true } }
