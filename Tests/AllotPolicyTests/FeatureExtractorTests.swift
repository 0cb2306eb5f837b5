import AllotModel
import AllotPolicy
import Foundation
import Testing

private func spec(buckets: UInt16 = 0, ngram: UInt8 = 1, signals: [String] = []) -> FeatureSpec {
    FeatureSpec(hashBuckets: buckets, ngramMax: ngram, signals: signals)
}

private func dense(_ text: String) throws -> [String: Float] {
    let fx = try FeatureExtractor(spec: spec())
    let v = fx.extract(text: text, signals: [:])
    return Dictionary(uniqueKeysWithValues: zip(FeatureExtractor.names(spec: fx.spec), v))
}

/// Bit patterns, so NaN == NaN and -0 != 0.
private func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }

private func bytePath(_ fx: FeatureExtractor, _ text: String?, _ signals: [Float]) -> [Float] {
    var out = [Float](repeating: -1, count: fx.count)
    signals.withUnsafeBufferPointer { sig in
        out.withUnsafeMutableBufferPointer { o in
            if let text {
                let bytes = Array(text.utf8)
                bytes.withUnsafeBufferPointer { fx.extract(text: $0, signals: sig, into: o) }
            } else {
                fx.extract(text: nil, signals: sig, into: o)
            }
        }
    }
    return out
}

/// Real prompts: the committed GSM8K fixture, and every table under Models/data when present.
func realPrompts() throws -> [String] {
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    var files = [here.appendingPathComponent("Fixtures/gsm8k-test-50.jsonl")]
    let data = here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Models/data")
    if let names = try? FileManager.default.contentsOfDirectory(atPath: data.path) {
        files += names.filter { $0.hasSuffix(".jsonl") }.sorted().map { data.appendingPathComponent($0) }
    }
    // Extra corpora (plain JSON Lines with "text" or "question"), e.g. the whole of GSM8K test.
    if let extra = ProcessInfo.processInfo.environment["ALLOT_FEATURE_CORPUS"] {
        files += extra.split(separator: ":").map { URL(fileURLWithPath: String($0)) }
    }
    var prompts: [String] = []
    for file in files {
        let text = try String(contentsOf: file, encoding: .utf8)
        for line in text.split(separator: "\n") where !line.isEmpty {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if let t = (obj?["text"] ?? obj?["question"]) as? String { prompts.append(t) }
        }
    }
    return prompts
}

@Test func rejectsUnknownExtractorAndBadSpec() {
    let bert = FeatureSpec(extractor: "bert", hashBuckets: 0, ngramMax: 1, signals: [])
    #expect(throws: PolicyError.self) { try FeatureExtractor(spec: bert) }
    let v2 = FeatureSpec(version: 2, hashBuckets: 0, ngramMax: 1, signals: [])
    #expect(throws: PolicyError.self) { try FeatureExtractor(spec: v2) }
    #expect(throws: PolicyError.self) { try FeatureExtractor(spec: spec(buckets: 64, ngram: 0)) }
    #expect(throws: PolicyError.self) { try FeatureExtractor(spec: spec(buckets: 64, ngram: 5)) }
}

@Test func countAndNamesLineUp() throws {
    let s = spec(buckets: 100, ngram: 2, signals: ["probe_entropy", "agree"])
    let fx = try FeatureExtractor(spec: s)
    #expect(fx.denseCount == 28)
    #expect(fx.count == 28 + 100 + 2)
    let names = FeatureExtractor.names(spec: s)
    #expect(names.count == fx.count)
    #expect(Set(names).count == names.count)
    #expect(names.last == "signal:agree")
    #expect(names[28] == "ngram_0")
}

@Test func simpleArithmeticQuestion() throws {
    let t = "How many apples? 3 + 4 = 7."
    let d = try dense(t)
    #expect(d["bytes"] == Float(t.utf8.count))
    #expect(d["chars"] == Float(t.count))
    #expect(d["words"] == 3)
    #expect(d["capitalized_words"] == 1)
    #expect(d["mean_word_len"] == Float(13) / 3)
    #expect(d["max_word_len"] == 6)
    #expect(d["how_many"] == 1)
    #expect(d["wh_words"] == 1)
    #expect(d["numbers"] == 3)
    #expect(d["digits"] == 3)
    #expect(d["max_int_digits"] == 1)
    #expect(d["operators"] == 2)
    #expect(d["equals"] == 1)
    #expect(d["question_marks"] == 1)
    #expect(d["sentences"] == 2)
    // words 3, "?" 1, numbers 3, "+" "=" "." 3
    #expect(d["tokens_approx"] == 10)
}

@Test func moneyPercentAndLatex() throws {
    let d = try dense("Pay $1,250.50 (15% off): find $x$ if \\frac{a}{b} = 0.25 and well-known 3/4 per hour")
    #expect(d["money"] == 1)
    #expect(d["latex_dollars"] == 2)
    #expect(d["latex_commands"] == 1)
    #expect(d["percents"] == 1)
    #expect(d["numbers"] == 5)  // 1,250.50  15  0.25  3  4
    #expect(d["decimals"] == 2)
    #expect(d["max_int_digits"] == 4)
    #expect(d["fractions"] == 1)
    #expect(d["brackets"] == 6)
    #expect(d["operators"] == 2)  // "=" and "/", not the hyphen of well-known
    #expect(d["quantity_words"] == 1)
    #expect(d["unit_words"] == 1)
    #expect(d["sentences"] == 1)
}

@Test func unicodeIsCountedNotRejected() throws {
    let d = try dense("Janet’s ducks — 5 × 3 ÷ 2 €")
    #expect(d["non_ascii_chars"] == 5)
    #expect(d["chars"] == Float("Janet’s ducks — 5 × 3 ÷ 2 €".count))
    #expect(d["operators"] == 2)
    #expect(d["words"] == 3)  // Janet, s, ducks
}

@Test func emptyTextIsPresentAndZero() throws {
    let fx = try FeatureExtractor(spec: spec(buckets: 8, ngram: 2))
    let v = fx.extract(text: "", signals: [:])
    #expect(v.allSatisfy { $0 == 0 })
}

@Test func absentTextIsMissingAndSignalsAreAligned() throws {
    let fx = try FeatureExtractor(spec: spec(buckets: 16, ngram: 3, signals: ["a", "b", "c"]))
    let v = fx.extract(text: nil, signals: ["c": 2.5, "a": -1, "unknown": 9])
    #expect(v[0..<(28 + 16)].allSatisfy { $0.isNaN })
    #expect(v[44] == -1)
    #expect(v[45].isNaN)
    #expect(v[46] == 2.5)
    #expect(bits(bytePath(fx, nil, [-1, .nan, 2.5])) == bits(v))
    // A short signal buffer means the rest are missing.
    let short = bytePath(fx, "x", [-1])
    #expect(short[44] == -1 && short[45].isNaN && short[46].isNaN)
}

@Test func fnv1aKnownVectors() {
    #expect(FNV1a.hash([UInt8]()) == 0xcbf2_9ce4_8422_2325)
    #expect(FNV1a.hash("a".utf8) == 0xaf63_dc4c_8601_ec8c)
    #expect(FNV1a.hash("foobar".utf8) == 0x8594_4171_f739_67e8)
}

@Test func ngramBucketsHandChecked() throws {
    let buckets = 1000
    let fx = try FeatureExtractor(spec: spec(buckets: UInt16(buckets), ngram: 3))
    let v = fx.extract(text: "The cat, the CAT costs $5!", signals: [:])
    // tokens: the cat the cat costs #   (lowercased; punctuation separates, numbers become "#")
    var expected = [Float](repeating: 0, count: buckets)
    let grams = [
        "the", "cat", "the", "cat", "costs", "#",
        "the cat", "cat the", "the cat", "cat costs", "costs #",
        "the cat the", "cat the cat", "the cat costs", "cat costs #",
    ]
    for g in grams { expected[Int(FNV1a.hash(g.utf8) % UInt64(buckets))] += 1 }
    #expect(Array(v[28..<(28 + buckets)]) == expected)
    #expect(v[28..<(28 + buckets)].reduce(0, +) == 15)
}

@Test func unigramsOnlyWhenNgramMaxIsOne() throws {
    let fx = try FeatureExtractor(spec: spec(buckets: 7, ngram: 1))
    let v = fx.extract(text: "alpha beta gamma 12", signals: [:])
    #expect(v[28...].reduce(0, +) == 4)
}

@Test func stringAndBytePathsAgreeOnRealAndRandomText() throws {
    let fx = try FeatureExtractor(spec: spec(buckets: 512, ngram: 3, signals: ["s"]))
    var prompts = try realPrompts()
    #expect(prompts.count >= 50)
    var rng = SystemRandomNumberGenerator()
    let alphabet = Array("aZ9 .,?!$%\\/-=+()\n’×é\u{0}".unicodeScalars)
    for _ in 0..<300 {
        let len = Int.random(in: 0..<80, using: &rng)
        prompts.append(String(String.UnicodeScalarView((0..<len).map { _ in alphabet.randomElement(using: &rng)! })))
    }
    for p in prompts {
        let a = fx.extract(text: p, signals: ["s": 0.5])
        let b = bytePath(fx, p, [0.5])
        #expect(bits(a) == bits(b), "\(p)")
        #expect(a.allSatisfy { !$0.isNaN && $0 >= 0 })
    }
}

@Test func invalidUTF8BytesAreHandled() throws {
    let fx = try FeatureExtractor(spec: spec(buckets: 32, ngram: 4))
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<200 {
        let bytes = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var out = [Float](repeating: 0, count: fx.count)
        bytes.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer {
                fx.extract(text: t, signals: UnsafeBufferPointer(start: nil, count: 0), into: $0)
            }
        }
        #expect(out[0] == Float(bytes.count))
    }
}

/// Pins allot-text v1 on real prompts: if this changes, shipped models would see different features, so the
/// change needs a new extractor version instead.
@Test func versionOneIsFrozen() throws {
    let fx = try FeatureExtractor(spec: spec(buckets: 256, ngram: 2))
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    let text = try String(contentsOf: here.appendingPathComponent("Fixtures/gsm8k-test-50.jsonl"), encoding: .utf8)
    var h = FNV1a()
    for line in text.split(separator: "\n") {
        let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        for f in fx.extract(text: obj?["question"] as? String, signals: [:]) {
            withUnsafeBytes(of: f.bitPattern.littleEndian) { for b in $0 { h.add(b) } }
        }
    }
    #expect(h.value == 0x880f_a1af_5d33_4285, "digest \(String(h.value, radix: 16))")
}
