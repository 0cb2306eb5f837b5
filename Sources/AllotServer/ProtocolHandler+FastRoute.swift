import AllotJSON
import Glibc

/// The route fast path: one pass over a request line that is a plain route, with no `JSONValue`, dictionary or
/// `String` (the generic path spends ~17,000 instructions per GSM8K route on those; this, ~4,000). A prompt
/// without escapes is validated, 16 bytes at a time, and read where it is in the line, not copied.
///
/// It answers only a line that is one JSON object whose members are among `op`, `id`, `text`, `signals` and
/// `explain`, each at most once, keys without escapes, `"op":"route"` (no escapes), `id` a string of at most 256
/// bytes or a finite number, `text` a string or null, `signals` null or an object of finite numbers with ASCII
/// keys without escapes, `explain` a boolean or null, and a non-null `text` or `signals`. Everything it reads goes
/// through `JSONCursor`, i.e. `JSONParser`'s own code, so such a line means the same to both paths, and the reply
/// is written by the same code. Anything else, valid or not, returns false having written nothing, and the
/// generic path answers it: every error reply stays the generic path's (Tests/AllotServerTests/FastRouteTests
/// and Fuzz/request compare both paths byte for byte).
extension ProtocolHandler {
    /// Which member a key names, as a bit of the set seen so far.
    enum Member: UInt8 {
        case op = 1, id = 2, text = 4, signals = 8, explain = 16

        init?(_ key: UnsafeBufferPointer<UInt8>) {
            switch key.count {
            case 2 where Member.equal(key, "op"): self = .op
            case 2 where Member.equal(key, "id"): self = .id
            case 4 where Member.equal(key, "text"): self = .text
            case 7 where Member.equal(key, "signals"): self = .signals
            case 7 where Member.equal(key, "explain"): self = .explain
            default: return nil
            }
        }

        static func equal(_ key: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
            ProtocolHandler.same(key, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
    }

    /// Answers `line` if it is a plain route (see above); else returns false having written nothing.
    mutating func respondFast(_ line: UnsafeRawBufferPointer, into w: inout JSONWriter) -> Bool {
        guard var c = JSONCursor(line) else { return false }
        c.skipWhitespace()
        guard c.take(UInt8(ascii: "{")) else { return false }
        engine.refresh(&scratch)
        guard scratch.signalNames != nil, scratch.shadowModel == nil || scratch.shadowSignalNames != nil else {
            return false
        }
        scratch.decision!.signals.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
        if scratch.shadow != nil {
            scratch.shadow!.signals.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
        }

        var seen: UInt8 = 0
        var idNumber: Double?
        var textBytes: JSONCursor.StringBytes?
        var explain = false
        var hasSignals = false  // null signals are no signals, as for text
        c.skipWhitespace()
        while true {
            guard let key = c.plainString(), let member = Member(key), seen & member.rawValue == 0 else { return false }
            seen |= member.rawValue
            c.skipWhitespace()
            guard c.take(UInt8(ascii: ":")) else { return false }
            c.skipWhitespace()
            switch member {
            case .op:
                guard let op = c.plainString(), Member.equal(op, "route") else { return false }
            case .id:
                if c.peek == UInt8(ascii: "\"") {
                    guard c.string(into: &id), id.count <= 256 else { return false }
                } else {
                    guard let d = c.number(), d.isFinite else { return false }
                    idNumber = d
                }
            case .text:
                if c.peek == UInt8(ascii: "\"") {
                    guard let bytes = c.string(escapedInto: &text) else { return false }
                    textBytes = bytes
                } else {
                    guard c.take(literal: "null") else { return false }
                }
            case .signals:
                if !c.take(literal: "null") {
                    guard readSignals(&c) else { return false }
                    hasSignals = true
                }
            case .explain:
                if c.take(literal: "true") {
                    explain = true
                } else {
                    guard c.take(literal: "false") || c.take(literal: "null") else { return false }
                }
            }
            c.skipWhitespace()
            if c.take(UInt8(ascii: "}")) { break }
            guard c.take(UInt8(ascii: ",")) else { return false }
            c.skipWhitespace()
        }
        c.skipWhitespace()
        guard c.isAtEnd, seen & Member.op.rawValue != 0,
            textBytes != nil || hasSignals
        else { return false }

        let decision: RouteDecision
        switch textBytes {
        case .input(let range)?:
            let bytes = UnsafeBufferPointer(rebasing: line.assumingMemoryBound(to: UInt8.self)[range])
            decision = engine.decide(text: bytes, scratch: &scratch)
        case .buffer?:
            decision = text.withUnsafeBufferPointer { engine.decide(text: $0, scratch: &scratch) }
        case nil:
            decision = engine.decide(text: nil, scratch: &scratch)
        }
        // The reply in two reservations, `{` to `"ok":true` then the route's members: each closure captures locals
        // only, not `self`, so the arrays it reads (`id`, the members' table) are borrowed in place; one closure
        // over both made the compiler retain and release three arrays a route.
        let head = 1 + 5 + JSONSpan.room(string: 2) + 5  // `{`, `"id":`, then `,"ok":true`
        if seen & Member.id.rawValue != 0 && idNumber == nil {
            id.withUnsafeBufferPointer { idBytes in
                w.write(reserving: head + JSONSpan.room(string: idBytes.count)) {
                    Self.writeHead(id: idBytes, number: nil, into: &$0)
                }
            }
        } else {
            w.write(reserving: head + JSONSpan.roomForNumber) { Self.writeHead(id: nil, number: idNumber, into: &$0) }
        }
        scratch.routeMembers.withEntry(decision.action) { members in
            w.write(reserving: Engine.routeRoom(members) + 1) { s in
                Engine.writeRoute(decision, members: members, into: &s)
                if !explain { s.endObject() }
            }
        }
        if explain {
            engine.writeExplain(decision, scratch: scratch, into: &w)
            w.endObject()
        }
        return true
    }

    /// A route reply up to its route members: `{`, the id when there is one (a string's bytes or a number),
    /// `"ok":true`.
    private static func writeHead(id: UnsafeBufferPointer<UInt8>?, number: Double?, into s: inout JSONSpan) {
        s.beginObject()
        if id != nil || number != nil { s.key(literal: "id") }
        if let id { s.string(utf8: id) } else if let number { s.number(number) }
        s.key(literal: "ok")
        s.bool(true)
    }

    /// `{` name `:` number, ... `}` into the signal slots of the live (and shadow) scratch: the last of duplicate
    /// names wins and unknown names are ignored, as in the generic path. False for anything but finite numbers
    /// under ASCII names without escapes.
    private mutating func readSignals(_ c: inout JSONCursor) -> Bool {
        guard c.take(UInt8(ascii: "{")) else { return false }
        c.skipWhitespace()
        if c.take(UInt8(ascii: "}")) { return true }
        while true {
            guard let name = c.plainString(), ProtocolHandler.isASCII(name) else { return false }
            c.skipWhitespace()
            guard c.take(UInt8(ascii: ":")) else { return false }
            c.skipWhitespace()
            guard let v = c.number(), v.isFinite else { return false }
            scratch.signalNames?.forEachMatch(of: name) { scratch.decision!.signals[$0] = Float(v) }
            scratch.shadowSignalNames?.forEachMatch(of: name) { scratch.shadow!.signals[$0] = Float(v) }
            c.skipWhitespace()
            if c.take(UInt8(ascii: "}")) { return true }
            guard c.take(UInt8(ascii: ",")) else { return false }
            c.skipWhitespace()
        }
    }

    @inline(__always)
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in bytes where b >= 0x80 { return false }
        return true
    }
}
