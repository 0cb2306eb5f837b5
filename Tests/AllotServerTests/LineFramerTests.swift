import AllotModel
import AllotServer
import AllotPolicy
import Testing

/// The framer must give the same events however the input is chunked (swift-nio's ByteToMessageDecoderVerifier
/// idea): whole, byte by byte, and in random chunks.
struct LineFramerTests {
    enum Output: Equatable, CustomStringConvertible {
        case line([UInt8])
        case tooLarge

        init(_ event: LineFramer.Event) {
            switch event {
            case .line(let bytes): self = .line(Array(bytes))
            case .tooLarge: self = .tooLarge
            }
        }

        static func text(_ string: String) -> Output { .line(Array(string.utf8)) }

        var description: String {
            switch self {
            case .line(let bytes): "line(\(bytes.count): \(String(decoding: bytes.prefix(40), as: UTF8.self)))"
            case .tooLarge: "tooLarge"
            }
        }
    }

    /// Feeds `chunks`, draining after each, then finishes; also checks the memory bound after every feed.
    static func run(_ chunks: [[UInt8]], maxLineBytes: Int, sourceLocation: SourceLocation = #_sourceLocation)
        -> [Output]
    {
        var framer = LineFramer(maxLineBytes: maxLineBytes)
        var outputs: [Output] = []
        for chunk in chunks {
            framer.feed(chunk)
            #expect(framer.bufferedBytes <= maxLineBytes + 1 + chunk.count, sourceLocation: sourceLocation)
            while let event = framer.next() { outputs.append(Output(event)) }
            #expect(framer.bufferedBytes <= maxLineBytes + 1, sourceLocation: sourceLocation)
        }
        while let event = framer.finish() { outputs.append(Output(event)) }
        #expect(framer.finish() == nil, sourceLocation: sourceLocation)
        #expect(framer.bufferedBytes == 0, sourceLocation: sourceLocation)
        return outputs
    }

    static func randomChunks(_ input: [UInt8], maxChunk: Int, using rng: inout SplitMix64) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var position = 0
        while position < input.count {
            let size = min(input.count - position, Int.random(in: 1...maxChunk, using: &rng))
            chunks.append(Array(input[position..<(position + size)]))
            position += size
        }
        return chunks
    }

    /// Events for `input` whole, byte by byte and in random chunks agree, and equal `expected` when given.
    @discardableResult
    static func verify(
        _ input: [UInt8], maxLineBytes: Int, expected: [Output]? = nil, seed: UInt64 = 1,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [Output] {
        let whole = run([input], maxLineBytes: maxLineBytes, sourceLocation: sourceLocation)
        if let expected { #expect(whole == expected, sourceLocation: sourceLocation) }
        if input.count <= 20_000 {
            let bytewise = run(input.map { [$0] }, maxLineBytes: maxLineBytes, sourceLocation: sourceLocation)
            #expect(bytewise == whole, "byte by byte", sourceLocation: sourceLocation)
        }
        var rng = SplitMix64(seed: seed)
        for maxChunk in [2, 7, 64, 4096] {
            let chunks = randomChunks(input, maxChunk: maxChunk, using: &rng)
            let chunked = run(chunks, maxLineBytes: maxLineBytes, sourceLocation: sourceLocation)
            #expect(chunked == whole, "chunks ≤ \(maxChunk)", sourceLocation: sourceLocation)
        }
        return whole
    }

    /// Reference framing of a whole input: split on '\n', strip one '\r', too large if over the limit.
    static func reference(_ input: [UInt8], maxLineBytes: Int) -> [Output] {
        var lines = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        if lines.last?.isEmpty == true { lines.removeLast() }  // input ended with '\n' (or was empty)
        return lines.map { line in
            let content = line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : line
            return content.count > maxLineBytes ? .tooLarge : .line(content)
        }
    }

    @Test func splitsLines() {
        Self.verify(
            Array("{\"op\":\"ping\"}\n{\"op\":\"route\"}\n".utf8), maxLineBytes: 100,
            expected: [.text("{\"op\":\"ping\"}"), .text("{\"op\":\"route\"}")])
    }

    @Test func crlfAndLoneCarriageReturns() {
        Self.verify(
            Array("a\r\nb\rc\n\r\r\n\r\nd\r".utf8), maxLineBytes: 100,
            expected: [.text("a"), .text("b\rc"), .text("\r"), .text(""), .text("d")])
    }

    @Test func blankLinesAreEmitted() {
        Self.verify(Array("\n\nx\n\n".utf8), maxLineBytes: 10, expected: [.text(""), .text(""), .text("x"), .text("")])
        Self.verify([], maxLineBytes: 10, expected: [])
    }

    @Test func finalUnterminatedLineIsDelivered() {
        Self.verify(Array("one\ntwo".utf8), maxLineBytes: 10, expected: [.text("one"), .text("two")])
    }

    @Test func lineLengthLimitIsExact() {
        let max = 16
        let exact = [UInt8](repeating: UInt8(ascii: "x"), count: max)
        let over = exact + [UInt8(ascii: "y")]
        let newline = [UInt8(ascii: "\n")]
        let crlf = Array("\r\n".utf8)
        let ok = Array("ok\n".utf8)
        Self.verify(exact + newline + ok, maxLineBytes: max, expected: [.line(exact), .text("ok")])
        Self.verify(exact + crlf + ok, maxLineBytes: max, expected: [.line(exact), .text("ok")])
        Self.verify(over + newline + ok, maxLineBytes: max, expected: [.tooLarge, .text("ok")])
        Self.verify(over + crlf + ok, maxLineBytes: max, expected: [.tooLarge, .text("ok")])
        Self.verify(exact + Array("\ry\n".utf8) + ok, maxLineBytes: max, expected: [.tooLarge, .text("ok")])
        Self.verify(exact, maxLineBytes: max, expected: [.line(exact)])
        Self.verify(exact + [UInt8(ascii: "\r")], maxLineBytes: max, expected: [.line(exact)])
        Self.verify(over, maxLineBytes: max, expected: [.tooLarge])
        Self.verify(Array("\n\r\n".utf8), maxLineBytes: 0, expected: [.text(""), .text("")])
        Self.verify(Array("a\n\n".utf8), maxLineBytes: 0, expected: [.tooLarge, .text("")])
    }

    @Test func hugeLineInSmallChunksStaysBounded() {
        let max = 1024
        var framer = LineFramer(maxLineBytes: max)
        var outputs: [Output] = []
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 100)
        for _ in 0..<100_000 {  // 10 MB without a newline
            framer.feed(chunk)
            while let event = framer.next() { outputs.append(Output(event)) }
            #expect(framer.bufferedBytes <= max + 1)
        }
        #expect(framer.storageCapacity <= 4 * (max + 1 + chunk.count))
        framer.feed(Array("tail of the huge line\n{\"op\":\"ping\"}\n".utf8))
        while let event = framer.next() { outputs.append(Output(event)) }
        #expect(outputs == [.tooLarge, .text("{\"op\":\"ping\"}")])
        #expect(framer.finish() == nil)
    }

    @Test func manyLinesInOneChunk() {
        var input: [UInt8] = []
        var expected: [Output] = []
        for index in 0..<10_000 {
            let line = Array("{\"id\":\(index)}".utf8)
            input += line + [UInt8(ascii: "\n")]
            expected.append(.line(line))
        }
        Self.verify(input, maxLineBytes: 64, expected: expected)
    }

    @Test func randomStreamsMatchTheReference() {
        var rng = SplitMix64(seed: 0xF4A_3E5)
        let alphabet = Array("ab{}\"\r\r\n\n".utf8)
        for round in 0..<300 {
            let max = Int.random(in: 0...12, using: &rng)
            let count = Int.random(in: 0...200, using: &rng)
            let input = (0..<count).map { _ in alphabet.randomElement(using: &rng)! }
            let expected = Self.reference(input, maxLineBytes: max)
            Self.verify(input, maxLineBytes: max, expected: expected, seed: UInt64(round))
        }
    }

    @Test func slicesSurviveLaterFeeds() {
        var framer = LineFramer(maxLineBytes: 100)
        framer.feed(Array("first\nsec".utf8))
        let first = framer.next()
        #expect(framer.next() == nil)
        #expect(framer.bufferedBytes == 3)
        framer.feed(Array("ond\n".utf8))
        #expect(first == .line(Array("first".utf8)[...]))
        #expect(framer.next() == .line(Array("second".utf8)[...]))
        #expect(framer.bufferedBytes == 0)
    }
}
