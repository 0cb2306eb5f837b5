import AllotModel
@testable import AllotPolicy
import Testing

/// The specialized scan (one loop per n-gram order, branch-free keyword counts, the word-space-word shortcut) must
/// give allot-text v1's features bit for bit: shipped models were trained on the reference scan's output.
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

    private static func check(_ texts: [[UInt8]], orders: [Int], bucketCounts: [Int]) throws {
        for order in orders {
            for buckets in bucketCounts {
                var mismatches = 0
                for t in texts {
                    let a = try fast(t, ngramMax: order, buckets: buckets).map(\.bitPattern)
                    let b = ReferenceScan.features(t, ngramMax: order, buckets: buckets).map(\.bitPattern)
                    if a != b {
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
}
