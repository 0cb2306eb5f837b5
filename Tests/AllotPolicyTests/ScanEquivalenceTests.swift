import AllotModel
@testable import AllotPolicy
import Testing

/// The scans (the AVX-512 one where the CPU has it, and the portable one: one loop per n-gram order, branch-free
/// keyword counts, the word-space-word shortcut) must give allot-text v1's features bit for bit: shipped models
/// were trained on the reference scan's output.
@Suite struct ScanEquivalenceTests {
    private static func fast(_ text: [UInt8], ngramMax: Int, buckets: Int) throws -> [Float] {
        let fx = try FeatureExtractor(spec: FeatureSpec(
            extractor: "allot-text", version: 1, hashBuckets: UInt16(buckets), ngramMax: UInt8(ngramMax), signals: []))
        var out = [Float](repeating: -1, count: fx.count)
        text.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer {
                fx.extract(text: t, signals: UnsafeBufferPointer(start: nil, count: 0), into: $0)
            }
        }
        return out
    }

    private static let keywords = KeywordTable.shared

    /// `TextFeatures.scan` (which picks the vector scan when it can run) or the portable scan, called directly.
    private static func scan(_ text: [UInt8], ngramMax: Int, buckets: Int, portable: Bool) -> [Float] {
        text.withUnsafeBufferPointer {
            TextFeatures.features($0, keywords: keywords, ngramMax: ngramMax, buckets: buckets, portable: portable)
        }
    }

    private static func check(_ texts: [[UInt8]], orders: [Int], bucketCounts: [Int]) throws {
        for order in orders {
            for buckets in bucketCounts {
                var mismatches = 0
                for t in texts {
                    let b = ReferenceScan.features(t, ngramMax: order, buckets: buckets).map(\.bitPattern)
                    let portable = scan(t, ngramMax: order, buckets: buckets, portable: true).map(\.bitPattern)
                    let a = buckets <= Int(UInt16.max)
                        ? try fast(t, ngramMax: order, buckets: buckets).map(\.bitPattern)
                        : scan(t, ngramMax: order, buckets: buckets, portable: false).map(\.bitPattern)
                    if a != b || portable != b {
                        mismatches += 1
                        if mismatches <= 3 {
                            Issue.record("order \(order), \(buckets) buckets: \(String(decoding: t, as: UTF8.self))")
                        }
                    }
                }
                #expect(mismatches == 0, "order \(order), \(buckets) buckets: \(mismatches) of \(texts.count) differ")
            }
        }
    }

    @Test func realPromptsMatchTheReference() throws {
        let prompts = try realPrompts().map { Array($0.utf8) }
        #expect(prompts.count >= 50)
        try Self.check(prompts, orders: [1, 2, 3, 4], bucketCounts: [0, 64])
        try Self.check(prompts, orders: [2], bucketCounts: [1, 7, 1000])
    }

    @Test func randomTextMatchesTheReference() throws {
        var rng = SplitMix64(seed: 2026)
        // Pieces that exercise every rule: words around one space, numbers with separators, sentence ends before
        // quotes and brackets, hyphens inside and outside words, fractions, money, LaTeX, multi-byte characters.
        let pieces = [
            "a", "Z", "how", " many", " much", "How", "total", "hours", "what", "1", "0", "0.5", "1,000", "3.14.15",
            " ", "  ", "\t", "\n", "\r", ".", "?", "!", "\"", ")", "(", "-", "well-known", "/", "4/5", "$", "$5",
            "%", "\\frac", "\\", "=", "+", "*", "^", "<", ">", ",", "[", "}", "×", "÷", "é", "😀", "\u{0}", "’",
        ].map { Array($0.utf8) }
        var texts: [[UInt8]] = [[], [0x20], [0x41], [0x2E], [0xC3], [0xC3, 0x97]]
        for _ in 0..<3000 {
            var t: [UInt8] = []
            for _ in 0..<Int(rng.next() % 40) { t += pieces[Int(rng.next() % UInt64(pieces.count))] }
            texts.append(t)
        }
        for _ in 0..<1000 {  // arbitrary bytes, invalid UTF-8 included
            texts.append((0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        try Self.check(texts, orders: [1, 2, 3, 4], bucketCounts: [0, 1, 7, 64])
    }

    /// The vector scan's own edge cases: 64-byte blocks and 256-byte chunks (words, numbers and multi-byte characters
    /// across their boundaries), words past the 8 and 16 bytes hashed in vector lanes, runs of numbers with
    /// separators, the end of the text inside every construct, and every length from 0 to 200.
    @Test func blockBoundariesMatchTheReference() throws {
        var texts: [[UInt8]] = []
        let word = Array("Abcdefghijklmnopqrstuvwxyz".utf8)
        for len in [1, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 100, 255, 256, 257, 300, 600] {
            let long = (0..<len).map { word[$0 % word.count] }
            for pad in [0, 1, 55, 56, 57, 62, 63, 64, 200, 250, 255, 256] {
                let lead = [UInt8](repeating: 0x20, count: pad)
                texts.append(lead + long)
                texts.append(lead + long + Array(" how many 3.5.".utf8))
                texts.append(lead + Array("how ".utf8) + long + Array(" much?".utf8))
            }
        }
        for pad in 0..<70 {
            let lead = [UInt8](repeating: 0x61, count: pad)
            for tail in ["1,000,000.25.7", "12345678901234567890", "0.0.0.0", "$1/2", "é×÷😀", "How many", "a.\"", "a-b"] {
                texts.append(lead + Array(" ".utf8) + Array(tail.utf8))
                texts.append(lead + Array(tail.utf8) + lead)
            }
        }
        // Numbers of every length around the 64-byte steps that measure a run of digits, with leading zeros
        // (not integer digits) before and after separators.
        for len in [1, 2, 63, 64, 65, 127, 128, 129, 200] {
            for zeros in [0, 1, 63, 64, 65] where zeros <= len {
                let digits = [UInt8](repeating: 0x30, count: zeros) + (0..<(len - zeros)).map { UInt8(0x31 + $0 % 9) }
                for pad in [0, 1, 63] {
                    let lead = [UInt8](repeating: 0x20, count: pad)
                    texts.append(lead + digits)
                    texts.append(lead + digits + Array(",".utf8) + digits + Array(".".utf8) + digits + Array(".5 x".utf8))
                    texts.append(lead + Array("0,".utf8) + digits + Array(" 0.".utf8) + digits)
                }
            }
        }
        var rng = SplitMix64(seed: 64)
        let alphabet = Array("aaaaZ 1.,-/$\\?!\")é\n#".utf8)
        for len in 0...200 {
            for _ in 0..<4 { texts.append((0..<len).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }) }
            texts.append((0..<len).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        for _ in 0..<40 {  // long texts: many blocks and chunks
            texts.append((0..<Int(rng.next() % 3000)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        try Self.check(texts, orders: [1, 2, 3, 4], bucketCounts: [0, 64])
        let some = texts.indices.filter { $0 % 8 == 0 }.map { texts[$0] }
        try Self.check(some, orders: [2], bucketCounts: [1, 7, 65535])
        try Self.check(Array(some.prefix(100)), orders: [4], bucketCounts: [70000])  // past the vector h % d
    }
    /// Keywords are matched as words, exactly: every keyword in any case, alone and at every offset (the last 8 bytes
    /// of a text read byte by byte), counts its classes; a letter more, a letter less or a letter changed does not,
    /// whatever its slot in `KeywordTable`'s perfect hash.
    @Test func keywordsMatchExactly() throws {
        let index = try #require(TextFeatures.names.firstIndex(of: "wh_words"))
        var texts: [[UInt8]] = []
        for (word, classes) in KeywordTable.words {
            let w = Array(word.utf8)
            let upper = w.map { $0 & ~0x20 }
            let mixed = w.enumerated().map { $0.offset % 2 == 0 ? $0.element & ~0x20 : $0.element }
            for variant in [w, upper, mixed] {
                let counts = Self.scan(variant, ngramMax: 1, buckets: 0, portable: false)
                #expect(counts[index] == (classes.contains(.wh) ? 1 : 0), "\(word)")
                #expect(counts[index + 1] == (classes.contains(.quantity) ? 1 : 0), "\(word)")
                #expect(counts[index + 2] == (classes.contains(.unit) ? 1 : 0), "\(word)")
            }
            var misses = [w + [0x73], Array(w.dropLast()), Array(w.dropFirst()), [0x78] + w]
            for k in w.indices { var x = w; x[k] = x[k] == 0x7A ? 0x61 : x[k] + 1; misses.append(x) }
            for miss in misses where ReferenceScan.keywords[miss] == nil {
                let counts = Self.scan(miss, ngramMax: 1, buckets: 0, portable: false)
                #expect(counts[index..<(index + 3)].allSatisfy { $0 == 0 }, "\(String(decoding: miss, as: UTF8.self))")
                texts.append(miss)
            }
            for pad in 0..<10 {
                let lead = [UInt8](repeating: 0x20, count: pad)
                texts.append(lead + w)
                texts.append(lead + upper + Array(" x".utf8))
                texts.append(lead + mixed + [0x2E] + lead)
            }
        }
        let long = Array("kilogramskilogramskilograms".utf8)
        for len in 1...long.count { texts.append(Array(long.prefix(len))) }
        try Self.check(texts, orders: [1, 2], bucketCounts: [0, 64])
    }
}
