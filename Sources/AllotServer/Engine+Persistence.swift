import AllotModel
import AllotPolicy

/// Periodic work of the main thread: expire reservations, save the budget state, write metrics.
extension Engine {
    /// The state file: a line naming the format and the model's actions (a state for another action set is not
    /// restored), then the pacer's own versioned, checked encoding.
    static let stateMagic = "allotd-state 1"

    func tick(now: Double, monotonic: Double) {
        state.withLock { _ = $0.pacer.expire(at: now) }
        persist(now: now, force: false)
        writeMetrics(now: now, monotonic: monotonic)
    }

    /// Saves the state when it changed and the persist interval has passed (or `force`). Failures (a full disk)
    /// are logged and shown in `stats`; serving goes on and the next tick tries again.
    @discardableResult
    func persist(now: Double, force: Bool) -> Bool {
        guard let path = config.statePath else { return false }
        let snapshot: (Pacer, [String])? = state.withLock { m in
            let s = m.pacer.stats(at: now)
            let changed = s.routes != m.savedRoutes || s.reports != m.savedReports || !m.lastSaveOK
            guard force || (changed && now - m.lastSaveAt >= config.persistInterval) else { return nil }
            m.lastSaveAt = now
            return (m.pacer, m.model.file.actions.map(\.name))
        }
        guard let (pacer, actions) = snapshot else { return false }
        let bytes = Engine.encodeState(pacer, actions: actions)
        do {
            try Sys.writeFileAtomically(path, bytes, mode: 0o600)
            let s = pacer.stats(at: now)
            let recovered = state.withLock { m in
                defer {
                    m.lastSaveOK = true
                    m.lastSaveError = ""
                    m.savedRoutes = s.routes
                    m.savedReports = s.reports
                }
                return !m.lastSaveOK
            }
            if recovered { log(.info, "state_saved", ["path": path, "recovered": "true"]) }
            return true
        } catch {
            let first = state.withLock { m in
                defer {
                    m.lastSaveOK = false
                    m.lastSaveError = error.message
                }
                return m.lastSaveOK
            }
            if first { log(.error, "state_save_failed", ["path": path, "reason": error.message]) }
            return false
        }
    }

    static func encodeState(_ pacer: Pacer, actions: [String]) -> [UInt8] {
        var out = Array("\(stateMagic)\n\(actions.joined(separator: ","))\n".utf8)
        out += pacer.encode()
        return out
    }

    static func decodeState(_ bytes: [UInt8], config: ServerConfig, model: LoadedModel, budget: Double)
        throws(ServerError) -> Pacer
    {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") && lines.count < 2 {
            lines.append(bytes[start..<i])
            start = i + 1
        }
        guard lines.count == 2, String(decoding: lines[0], as: UTF8.self) == stateMagic else {
            throw ServerError(.state, "not an allotd state file")
        }
        let actions = model.file.actions.map(\.name).joined(separator: ",")
        guard String(decoding: lines[1], as: UTF8.self) == actions else {
            throw ServerError(.state, "saved for another action set; starting from the model's λ table")
        }
        let pacer: Pacer
        do {
            pacer = try Pacer(decoding: Array(bytes[start...]))
        } catch {
            throw ServerError(.state, "\(error)")
        }
        guard pacer.config.budget == pacerConfig(config, budget: budget).budget else {
            throw ServerError(.state, "saved for another budget; starting from the model's λ table")
        }
        return pacer
    }
}
