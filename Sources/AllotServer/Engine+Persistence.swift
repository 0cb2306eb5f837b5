import AllotModel
import AllotPolicy

/// Periodic work of the main thread: expire reservations, save the budget state, write metrics.
extension Engine {
    /// The state file: a line naming the format and the model's actions (a state for another action set is not
    /// restored), then the pacer's own versioned, checked encoding.
    static let stateMagic = "allotd-state 1"

    /// The files `allotd` writes by renaming over them must be files of their own: not a device, FIFO or folder
    /// (a save would swap it for a regular file), not a file it reads, and not each other.
    static func checkOutputs(_ config: ServerConfig) throws(ServerError) {
        let outputs = [("--state", config.statePath), ("--metrics-file", config.metricsPath)]
        var taken = [(String, String)]()
        // An input is the file a symbolic link leads to (that file is what a rename at its resolved path replaces);
        // an output is the link itself, which is what a rename replaces.
        let inputs = [("--model", config.modelPath), ("--shadow", config.shadowPath)]
            + config.trustedKeys.map { ("--trusted-key", Optional($0)) }
        for case (let flag, let path?) in inputs {
            taken.append((flag, Sys.resolvedPath(path) ?? Sys.canonicalPath(path)))
        }
        for case (let flag, let path?) in outputs {
            if Sys.isSpecialFile(path) {
                throw ServerError(.config, "\(flag) \(path) is not a regular file; allotd replaces it on every write")
            }
            let canonical = Sys.canonicalPath(path)
            if let (other, _) = taken.first(where: { $0.1 == canonical }) {
                throw ServerError(.config, "\(flag) \(path) is the file of \(other); give it a file of its own")
            }
            taken.append((flag, canonical))
        }
    }

    /// A state file that cannot be restored (another model's actions, another budget, damaged, unreadable) is
    /// kept as `<path>.unrestored` (`.unrestored.1`, `.2`, ... when that is taken: a second wrong start must not
    /// replace what the first kept) rather than overwritten by the first save.
    static func moveAside(_ path: String, log: Log) throws(ServerError) {
        func cannot(_ why: String) -> ServerError {
            ServerError(.state, "\(path) cannot be restored, nor moved aside to keep it: \(why)")
        }
        for n in 0..<1000 {
            let aside = path + ".unrestored" + (n == 0 ? "" : ".\(n)")
            switch Sys.moveWithoutReplacing(path, to: aside) {
            case .moved:
                log(.warning, "state_moved_aside", ["path": path, "to": aside])
                return
            case .taken: continue
            case .failed(let reason): throw cannot(reason)
            }
        }
        throw cannot("\(path).unrestored to .unrestored.999 are all taken")
    }

    /// The state and the metrics written once at start, so a path that cannot be written stops the start rather
    /// than a run whose state would never be saved.
    func writeOutputsOnce(now: Double) throws(ServerError) {
        if let path = config.statePath, !persist(now: now, force: true) {
            let reason = state.withLock { $0.lastSaveError }
            throw ServerError(.state, "cannot write the state file \(path): \(reason)")
        }
        if let path = config.metricsPath, let failure = writeMetrics(now: now, monotonic: Sys.monotonic(), force: true)
        {
            throw ServerError(.config, "cannot write the metrics file \(path): \(failure.message)")
        }
    }

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
