import AllotPolicy

/// Prometheus text exposition, written atomically for node_exporter's textfile collector.
extension Engine {
    /// Writes the metrics file when the interval has passed (or `force`); returns the failure, which is logged.
    @discardableResult
    func writeMetrics(now: Double, monotonic: Double, force: Bool = false) -> ServerError? {
        guard let path = config.metricsPath else { return nil }
        let due: Bool = state.withLock { m in
            guard force || now - m.lastMetricsAt >= config.metricsInterval else { return false }
            m.lastMetricsAt = now
            return true
        }
        guard due else { return nil }
        do {
            try Sys.writeFileAtomically(path, Array(metricsText(now: now, monotonic: monotonic).utf8))
            return nil
        } catch {
            log(.warning, "metrics_write_failed", ["path": path, "reason": error.message])
            return error
        }
    }

    func metricsText(now: Double, monotonic: Double) -> String {
        let m = state.withLock { $0 }
        let p = m.pacer.stats(at: now)
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP allotd_\(name) \(help)\n# TYPE allotd_\(name) \(type)\n"
            for (labels, v) in samples {
                out += "allotd_\(name)\(labels) \(v.isFinite ? String(v) : "NaN")\n"
            }
        }
        func label(_ k: String, _ v: String) -> String {
            var e = ""
            for ch in v.unicodeScalars {
                switch ch {
                case "\\": e += "\\\\"
                case "\"": e += "\\\""
                case "\n": e += "\\n"
                default: e.unicodeScalars.append(ch)
                }
            }
            return "{\(k)=\"\(e)\"}"
        }
        let info = m.model.file.info
        metric("routes_total", "counter", "Route requests answered.", [("", Double(p.routes))])
        metric("reports_total", "counter", "Cost reports settled.", [("", Double(p.reports))])
        metric("expired_total", "counter", "Reservations charged at their estimate after the TTL.",
               [("", Double(p.expired))])
        metric("evicted_total", "counter",
               "Reservations charged at their estimate early: their slot was needed by a route 4096 later.",
               [("", Double(p.evicted))])
        metric("outstanding_reservations", "gauge", "Routes not yet reported.", [("", Double(p.outstanding))])
        metric("lambda", "gauge", "Current price of compute.", [("", p.lambda)])
        metric("budget_mean_cost", "gauge", "Target mean cost per request.", [("", budget)])
        metric("window_mean_cost", "gauge", "Realized mean cost over the budget window.", [("", p.windowMeanCost)])
        metric("route_action_total", "counter", "Routes per action.",
               m.model.file.actions.enumerated().map { (i, a) in
                   (label("action", a.name), i < p.perAction.count ? Double(p.perAction[i]) : 0)
               })
        metric("errors_total", "counter", "Error replies per code.",
               ServerError.Code.protocolCodes.enumerated().map { (i, c) in (label("code", c.wireName), Double(m.errors[i])) })
        metric("model_info", "gauge", "The live model.",
               [("{id=\"\(info.id)\",version=\"\(info.version)\",sha256=\"\(m.model.sha256)\"}", 1)])
        metric("last_reload_ok", "gauge", "Whether the last reload succeeded.", [("", m.lastReload.ok ? 1 : 0)])
        metric("state_save_ok", "gauge", "Whether the last state save succeeded.", [("", m.lastSaveOK ? 1 : 0)])
        metric("connections", "gauge", "Open connections.", [("", Double(connections.load(ordering: .relaxed)))])
        metric("uptime_seconds", "gauge", "Seconds since start.", [("", (monotonic - startedAt).rounded())])
        let usage = Sys.processUsage()
        metric("cpu_seconds_total", "counter", "CPU time of the daemon, all threads.",
               [("{mode=\"user\"}", usage.user), ("{mode=\"system\"}", usage.system)])
        metric("max_resident_memory_bytes", "gauge", "Peak resident set size.", [("", Double(usage.maxRSSBytes))])
        if let s = m.shadow {
            metric("shadow_agreement", "gauge", "Share of routes where the shadow model agrees with the live one.",
                   [("", s.routes > 0 ? Double(s.agreements) / Double(s.routes) : 0)])
        }
        return out
    }
}
