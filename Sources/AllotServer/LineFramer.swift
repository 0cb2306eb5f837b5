/// Splits a byte stream into newline-delimited lines (NDJSON framing), with bounded memory. A pure state machine:
/// the connection feeds it what it read and pulls events; it does no I/O.
///
/// Framing rules (the same events come out however the input is chunked):
/// - A line is the bytes before a `\n`, minus one `\r` directly before it. Any other `\r` is kept.
/// - Every `\n` ends a line, so blank lines come out as `.line([])` (the server answers them `bad_json`).
/// - A line whose content is longer than `maxLineBytes` gives one `.tooLarge`; its bytes are dropped up to and
///   including the next `\n`, then framing resumes. It is reported as soon as the excess is seen, without waiting
///   for the `\n`.
/// - At end of input, `finish()` delivers a final unterminated line as a `.line` too.
///
/// Use: after each `feed`, call `next()` until it returns `nil`. Then the buffer never holds more than
/// `maxLineBytes + 1` bytes of pending line plus the last chunk fed, whatever the peer sends. Each byte is
/// scanned for `\n` once, however small the chunks of a long line are.
package struct LineFramer: Sendable {
    package enum Event: Sendable, Equatable {
        /// One line, without its `\n` and optional `\r`. The slice's indices do not start at 0.
        case line(ArraySlice<UInt8>)
        /// A line exceeded `maxLineBytes` and is being skipped.
        case tooLarge
    }

    package let maxLineBytes: Int
    var buffer: [UInt8] = []
    /// Start of the first line not yet returned.
    var lineStart = 0
    /// `buffer[lineStart..<scanned]` is known to hold no `\n`.
    var scanned = 0
    /// Dropping the rest of an oversized line until its `\n`; the buffer is empty meanwhile.
    var discarding = false

    package init(maxLineBytes: Int = 65536) {
        self.maxLineBytes = min(max(0, maxLineBytes), Int.max - 2)
    }

    /// Bytes received but not yet returned as a line (for idle and timeout bookkeeping).
    package var bufferedBytes: Int { buffer.count - lineStart }

    /// The buffer's current allocation, in bytes.
    package var storageCapacity: Int { buffer.capacity }

    package mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var input = bytes[...]
        if discarding {
            guard let newline = input.firstIndex(of: UInt8(ascii: "\n")) else { return }
            discarding = false
            input = input[(newline + 1)...]
        }
        guard !input.isEmpty else { return }
        if lineStart > 0 {  // drop the lines already returned: at most one pending line is moved
            buffer.removeSubrange(0..<lineStart)
            scanned -= lineStart
            lineStart = 0
        }
        buffer.append(contentsOf: input)
    }

    package mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    package mutating func feed(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// The next complete line or `.tooLarge`, or `nil` when more input is needed.
    package mutating func next() -> Event? {
        let end = buffer.count
        guard lineStart < end else { return nil }
        if let newline = firstNewline(from: scanned) {
            let start = lineStart
            lineStart = newline + 1
            scanned = lineStart
            let lineEnd = newline > start && buffer[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline
            return lineEnd - start > maxLineBytes ? .tooLarge : .line(buffer[start..<lineEnd])
        }
        scanned = end
        // A pending line may reach maxLineBytes + 1 only if its last byte is a '\r' that the next '\n' strips.
        let pending = end - lineStart
        if pending > maxLineBytes + 1 || (pending == maxLineBytes + 1 && buffer[end - 1] != UInt8(ascii: "\r")) {
            buffer.removeAll(keepingCapacity: true)
            lineStart = 0
            scanned = 0
            discarding = true
            return .tooLarge
        }
        return nil
    }

    /// At end of input: the remaining events, then the final unterminated line (minus one trailing `\r`) if any.
    /// Call until it returns `nil`.
    package mutating func finish() -> Event? {
        if let event = next() { return event }
        discarding = false
        guard lineStart < buffer.count else { return nil }
        let start = lineStart
        var lineEnd = buffer.count
        if buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
        lineStart = buffer.count
        scanned = lineStart
        return lineEnd - start > maxLineBytes ? .tooLarge : .line(buffer[start..<lineEnd])
    }

    func firstNewline(from position: Int) -> Int? {
        buffer.withUnsafeBufferPointer { bytes in
            guard position < bytes.count else { return nil }
            return Sys.firstIndex(of: UInt8(ascii: "\n"), in: UnsafeBufferPointer(rebasing: bytes[position...]))
                .map { position + $0 }
        }
    }
}
