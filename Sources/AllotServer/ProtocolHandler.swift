import AllotJSON

/// Turns one request line into one reply line (docs/protocol.md). Known failures become structured errors
/// with stable codes; the connection always stays open.
///
/// A plain route request takes the fast path (`ProtocolHandler+FastRoute.swift`); every other line, and any
/// route the fast path does not fully recognise, goes through `JSONParser` and `respond`, the generic path.
package struct ProtocolHandler {
    package static let maxLineBytes = 64 * 1024
    /// Requests are flat objects; a small bound keeps any input from exhausting the parser's stack.
    static let maxDepth = 8

    let engine: Engine
    let access: Engine.Access
    var scratch = RouteScratch()
    /// The fast path's reusable buffers: the `text` of a prompt with escapes, unescaped (one without is read
    /// where it is in the line), and a string `id`.
    var text: [UInt8] = []
    var id: [UInt8] = []
    /// Off only to compare both paths' replies (the differential test, the request fuzz target).
    package var fastPath = true
    /// Routes answered by the fast path, so those comparisons can tell that it ran.
    package private(set) var fastRoutes = 0

    package init(engine: Engine, access: Engine.Access) {
        self.engine = engine
        self.access = access
    }

    /// Appends the reply to `line`, terminated by a newline.
    package mutating func handle(line: UnsafeRawBufferPointer, into w: inout JSONWriter) {
        if fastPath, respondFast(line, into: &w) {
            fastRoutes &+= 1
        } else {
            respond(line, into: &w)
        }
        w.endLine()
    }

    /// Appends the reply to a line that was over the size limit and has been skipped.
    package func handleTooLarge(into w: inout JSONWriter) {
        reject(.tooLarge, "line longer than \(ProtocolHandler.maxLineBytes) bytes was skipped", into: &w)
        w.endLine()
    }

    private mutating func respond(_ line: UnsafeRawBufferPointer, into w: inout JSONWriter) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line, maxDepth: ProtocolHandler.maxDepth)
        } catch {
            reject(.badJSON, error.message, into: &w)
            return
        }
        guard case .object(let request) = value else {
            reject(.badRequest, "a request must be a JSON object", into: &w)
            return
        }
        let id = request["id"]
        if let id, !ProtocolHandler.isValidID(id) {
            reject(.badRequest, "\"id\" must be a string of at most 256 bytes or a finite number", into: &w)
            return
        }
        guard let opValue = request["op"] else {
            reject(.badRequest, "missing \"op\"", id: id, into: &w)
            return
        }
        guard case .string(let op) = opValue else {
            reject(.badRequest, "\"op\" must be a string", id: id, into: &w)
            return
        }
        do throws(ServerError) {
            switch op {
            case "hello":
                begin(id, into: &w)
                engine.writeHello(into: &w)
                w.endObject()
            case "route":
                let route = try RouteRequest(request)
                let decision = engine.route(route, scratch: &scratch)
                begin(id, into: &w)
                engine.writeRoute(decision, scratch: scratch, explain: route.explain, into: &w)
                w.endObject()
            case "report":
                let (ticket, cost) = try ProtocolHandler.reportFields(request)
                let settled = try engine.report(ticket: ticket, cost: cost)
                begin(id, into: &w)
                w.key("settled")
                w.bool(settled)
                w.endObject()
            case "stats":
                begin(id, into: &w)
                engine.writeStats(into: &w)
                w.endObject()
            case "reload":
                try requireAdmin(op)
                let allowDowngrade: Bool
                switch request["allow_downgrade"] {
                case nil, .null?: allowDowngrade = false
                case .bool(let b)?: allowDowngrade = b
                default: throw ServerError(.badRequest, "\"allow_downgrade\" must be a boolean")
                }
                let result = engine.reload(reason: "op", allowDowngrade: allowDowngrade)
                guard result.ok else { throw ServerError(.unavailable, "reload failed: \(result.message)") }
                begin(id, into: &w)
                engine.writeReloadResult(result, into: &w)
                w.endObject()
            case "shadow":
                try requireAdmin(op)
                let path = try ProtocolHandler.optionalString(request, "model")
                let result = engine.setShadow(path: path)
                guard result.ok else { throw ServerError(.unavailable, "shadow failed: \(result.message)") }
                begin(id, into: &w)
                engine.writeReloadResult(result, into: &w)
                w.endObject()
            default:
                reject(.unknownOp, "unknown op \"\(ProtocolHandler.clip(op))\"", id: id, into: &w)
            }
        } catch {
            let code = ServerError.Code.protocolCodes.contains(error.code) ? error.code : .internal
            if code == .internal { engine.log(.error, "internal_error", ["op": op, "reason": error.message]) }
            reject(code, error.message, id: id, into: &w)
        }
    }

    private func requireAdmin(_ op: String) throws(ServerError) {
        guard access == .admin else { throw ServerError(.forbidden, "\"\(op)\" needs an admin peer (--admin-uid)") }
    }

    private func begin(_ id: JSONValue?, into w: inout JSONWriter) {
        w.beginObject()
        if let id {
            w.key("id")
            w.value(id)
        }
        w.key("ok")
        w.bool(true)
    }

    func reject(_ code: ServerError.Code, _ message: String, id: JSONValue? = nil, into w: inout JSONWriter) {
        engine.countError(code)
        ProtocolHandler.writeError(id: id, code, message, into: &w)
    }

    static func writeError(id: JSONValue?, _ code: ServerError.Code, _ message: String, into w: inout JSONWriter) {
        w.beginObject()
        if let id {
            w.key("id")
            w.value(id)
        }
        w.key("ok")
        w.bool(false)
        w.key("error")
        w.beginObject()
        w.key("code")
        w.string(code.wireName)
        w.key("message")
        w.string(message)
        w.endObject()
        w.endObject()
    }

    static func isValidID(_ v: JSONValue) -> Bool {
        switch v {
        case .string(let s): return s.utf8.count <= 256
        case .number(let d): return d.isFinite
        default: return false
        }
    }

    static func clip(_ s: String) -> String {
        s.utf8.count <= 64 ? s : String(s.prefix(64)) + "..."
    }

    static func optionalString(_ r: [String: JSONValue], _ key: String) throws(ServerError) -> String? {
        guard let v = r[key], !v.isNull else { return nil }
        guard case .string(let s) = v else { throw ServerError(.badRequest, "\"\(key)\" must be a string") }
        return s
    }

    static func reportFields(_ r: [String: JSONValue]) throws(ServerError) -> (UInt64, Double) {
        let ticket: UInt64
        switch r["ticket"] {
        case .string(let s)?:
            guard let t = UInt64(s) else { throw ServerError(.notFound, "unknown ticket \"\(clip(s))\"") }
            ticket = t
        case .number(let d)?:
            guard d >= 0, d < 1.8e19, d == d.rounded() else { throw ServerError(.notFound, "unknown ticket \(d)") }
            ticket = UInt64(d)
        case nil:
            throw ServerError(.badRequest, "missing \"ticket\"")
        default:
            throw ServerError(.badRequest, "\"ticket\" must be a string")
        }
        guard case .number(let cost)? = r["cost"] else {
            throw ServerError(.badRequest, r["cost"] == nil ? "missing \"cost\"" : "\"cost\" must be a number")
        }
        guard cost.isFinite, cost >= 0 else {
            throw ServerError(.badRequest, "\"cost\" must be a finite, non-negative number")
        }
        return (ticket, cost)
    }
}

/// The fields of a `route` request, validated.
struct RouteRequest {
    var text: String?
    /// The request's signals object, every value checked to be a finite number (kept as parsed: no copy).
    var signals: [String: JSONValue]
    var explain: Bool

    init(_ r: [String: JSONValue]) throws(ServerError) {
        text = try ProtocolHandler.optionalString(r, "text")
        signals = [:]
        if let s = r["signals"], !s.isNull {
            guard case .object(let obj) = s else { throw ServerError(.badRequest, "\"signals\" must be an object") }
            // A dictionary's order differs from one instance to the next (its seed mixes in the storage), so of
            // several bad signals the error names the first by UTF-8 bytes: the same line gets the same reply.
            var bad: String?
            for (name, v) in obj {
                if case .number(let d) = v, d.isFinite { continue }
                if bad.map({ name.utf8.lexicographicallyPrecedes($0.utf8) }) ?? true { bad = name }
            }
            if let bad {
                throw ServerError(.badRequest, "signal \"\(ProtocolHandler.clip(bad))\" must be a finite number")
            }
            signals = obj
        }
        if text == nil && (r["signals"] ?? .null).isNull {
            throw ServerError(.badRequest, "a route needs \"text\", \"signals\" or both")
        }
        switch r["explain"] {
        case nil, .null?: explain = false
        case .bool(let b)?: explain = b
        default: throw ServerError(.badRequest, "\"explain\" must be a boolean")
        }
    }
}
