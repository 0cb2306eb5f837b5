import AllotJSON
import AllotModel
import AllotPolicy

extension Engine {
    static let capabilities = ["hello", "route", "report", "stats", "reload", "shadow", "explain"]

    static func writeModelRef(_ m: LoadedModel, into w: inout JSONWriter) {
        w.beginObject()
        w.key("id")
        w.string(m.file.info.id)
        w.key("version")
        w.int(Int(clamping: m.file.info.version))
        w.key("sha256")
        w.string(m.sha256)
        w.key("cost_unit")
        w.string(m.file.info.costUnit)
        if let s = m.signer {
            w.key("signed_by")
            w.string(s)
        }
        w.endObject()
    }

    func writeBudget(into w: inout JSONWriter) {
        w.beginObject()
        switch config.mode {
        case .window(let n):
            w.key("mode")
            w.string("window")
            w.key("mean_cost")
            w.number(budget)
            w.key("requests")
            w.int(n)
        case .rate(let r, let h):
            w.key("mode")
            w.string("rate")
            w.key("cost_per_second")
            w.number(r)
            w.key("horizon_seconds")
            w.number(h)
        }
        w.endObject()
    }

    func writeHello(into w: inout JSONWriter) {
        let model = state.withLock { $0.model }
        w.key("protocol")
        w.int(Engine.protocolVersion)
        w.key("software")
        w.string("allotd \(Engine.softwareVersion)")
        w.key("model")
        Engine.writeModelRef(model, into: &w)
        w.key("actions")
        w.beginArray()
        for (i, a) in model.file.actions.enumerated() {
            w.beginObject()
            w.key("name")
            w.string(a.name)
            w.key("params")
            w.value(model.params[i])
            w.key("mean_cost")
            w.number(a.meanCost)
            w.endObject()
        }
        w.endArray()
        w.key("signals")
        w.beginArray()
        for s in model.file.features.signals { w.string(s) }
        w.endArray()
        w.key("budget")
        writeBudget(into: &w)
        w.key("capabilities")
        w.beginArray()
        for c in Engine.capabilities { w.string(c) }
        w.endArray()
    }

    func writeStats(into w: inout JSONWriter) {
        let now = Sys.wallClock()
        let m = state.withLock { $0 }
        let p = m.pacer.stats(at: now)
        w.key("budget")
        writeBudget(into: &w)
        w.key("window_mean_cost")
        w.number(p.windowMeanCost)
        w.key("lambda")
        w.number(p.lambda)
        w.key("routes")
        w.int(Int(clamping: p.routes))
        w.key("reports")
        w.int(Int(clamping: p.reports))
        w.key("outstanding")
        w.int(p.outstanding)
        w.key("expired")
        w.int(Int(clamping: p.expired))
        w.key("evicted")
        w.int(Int(clamping: p.evicted))
        w.key("actions")
        w.beginObject()
        for (i, a) in m.model.file.actions.enumerated() where i < p.perAction.count {
            w.key(a.name)
            w.int(Int(clamping: p.perAction[i]))
        }
        w.endObject()
        w.key("errors")
        w.beginObject()
        for (i, code) in ServerError.Code.protocolCodes.enumerated() {
            w.key(code.wireName)
            w.int(m.errors[i])
        }
        w.endObject()
        w.key("model")
        Engine.writeModelRef(m.model, into: &w)
        w.key("last_reload")
        writeResult(m.lastReload, into: &w)
        w.key("state")
        w.beginObject()
        w.key("path")
        if let p = config.statePath { w.string(p) } else { w.null() }
        w.key("last_save_ok")
        w.bool(m.lastSaveOK)
        w.key("last_error")
        w.string(m.lastSaveError)
        w.endObject()
        w.key("connections")
        w.int(connections.load(ordering: .relaxed))
        w.key("uptime_seconds")
        w.number((Sys.monotonic() - startedAt).rounded(toPlaces: 3))
        let usage = Sys.processUsage()
        w.key("cpu_seconds")
        w.beginObject()
        w.key("user")
        w.number(usage.user.rounded(toPlaces: 6))
        w.key("system")
        w.number(usage.system.rounded(toPlaces: 6))
        w.endObject()
        w.key("max_rss_bytes")
        w.int(usage.maxRSSBytes)
        if let s = m.shadow {
            w.key("shadow")
            s.write(into: &w)
        }
    }

    func writeResult(_ r: ReloadResult, into w: inout JSONWriter) {
        w.beginObject()
        w.key("ok")
        w.bool(r.ok)
        w.key("message")
        w.string(r.message)
        w.key("at")
        w.number(r.at.rounded(toPlaces: 3))
        w.endObject()
    }

    func writeReloadResult(_ r: ReloadResult, into w: inout JSONWriter) {
        let model = state.withLock { $0.model }
        w.key("message")
        w.string(r.message)
        w.key("model")
        Engine.writeModelRef(model, into: &w)
    }

    /// Re-reads the model file. The new file is read and verified in full before the swap; on failure the old
    /// model keeps serving and `stats.last_reload` says why.
    @discardableResult
    func reload(reason: String, allowDowngrade: Bool = false) -> ReloadResult {
        let now = Sys.wallClock()
        let current = state.withLock { $0.model }
        var result: ReloadResult
        do throws(ServerError) {
            let next = try LoadedModel.load(path: configPath, trustedKeys: trustedKeys)
            if next.file.info.version < current.file.info.version && !(config.allowDowngrade || allowDowngrade) {
                throw ServerError(.model, "version \(next.file.info.version) is older than the running "
                    + "\(current.file.info.version) (use --allow-downgrade)")
            }
            let sameActions = next.file.actions.map(\.name) == current.file.actions.map(\.name)
            result = ReloadResult(ok: true, message: "loaded \(next.file.info.id) v\(next.file.info.version)"
                + (sameActions ? ", λ kept" : ", actions changed: λ warm-started from the model"), at: now)
            let r = result
            state.withLock { m in
                m.model = next
                m.pacer.adopt(policy: next.policy, keepLambda: sameActions)
                m.lastReload = r
                generation.add(1, ordering: .releasing)
            }
            log(.info, "reload", ["ok": "true", "reason": reason, "model": next.file.info.id,
                                  "version": String(next.file.info.version), "sha256": next.sha256,
                                  "lambda": sameActions ? "kept" : "warm-started"])
        } catch {
            result = ReloadResult(ok: false, message: error.message, at: now)
            let r = result
            state.withLock { $0.lastReload = r }
            log(.warning, "reload", ["ok": "false", "reason": reason, "error": error.message])
        }
        return result
    }

    /// Starts (path) or stops (nil) evaluating a candidate model next to the live one.
    func setShadow(path: String?) -> ReloadResult {
        let now = Sys.wallClock()
        guard let path else {
            state.withLock {
                $0.shadow = nil
                generation.add(1, ordering: .releasing)
            }
            log(.info, "shadow", ["ok": "true", "stopped": "true"])
            return ReloadResult(ok: true, message: "shadow stopped", at: now)
        }
        do throws(ServerError) {
            let shadow = try Shadow(model: LoadedModel.load(path: path, trustedKeys: trustedKeys), config: config,
                                    budget: budget, now: now)
            state.withLock {
                $0.shadow = shadow
                generation.add(1, ordering: .releasing)
            }
            log(.info, "shadow", ["ok": "true", "path": path, "model": shadow.model.file.info.id])
            return ReloadResult(ok: true, message: "shadowing \(shadow.model.file.info.id) v\(shadow.model.file.info.version)", at: now)
        } catch {
            log(.warning, "shadow", ["ok": "false", "path": path, "error": error.message])
            return ReloadResult(ok: false, message: error.message, at: now)
        }
    }
}

extension Double {
    func rounded(toPlaces p: Int) -> Double {
        var f = 1.0
        for _ in 0..<p { f *= 10 }
        return (self * f).rounded() / f
    }
}
