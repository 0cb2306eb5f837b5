import AllotJSON
import AllotModel
import AllotPolicy
import Synchronization

/// The daemon's shared state and the operations the protocol exposes. One lock guards the mutable part; the
/// expensive work of a route (features, every tree) runs outside it on an immutable model snapshot, so the lock
/// is taken once per route and held for a few hundred nanoseconds: choose, reserve, count.
package final class Engine: Sendable {
    static let protocolVersion = 1
    static let softwareVersion = "0.1.0"

    package enum Access: Sendable { case none, user, admin }

    struct ReloadResult: Sendable {
        var ok: Bool
        var message: String
        var at: Double
    }

    struct Mutable: Sendable {
        var model: LoadedModel
        var pacer: Pacer
        var rng: SplitMix64
        var errors: [Int]
        var lastReload: ReloadResult
        var shadow: Shadow?
        var lastSaveOK = true
        var lastSaveError = ""
        var lastSaveAt = 0.0
        var savedRoutes: UInt64 = 0
        var savedReports: UInt64 = 0
        var lastMetricsAt = 0.0
    }

    let config: ServerConfig
    let log: Log
    let trustedKeys: [[UInt8]]
    let startedAt: Double
    let budget: Double
    let state: Locked<Mutable>
    let connections = Atomic<Int>(0)
    /// Bumped under the lock whenever `model` or `shadow` is replaced, so a connection can keep using the models
    /// it cached without taking the lock to read them (`Engine.refresh`).
    let generation = Atomic<UInt64>(0)

    package init(config: ServerConfig, log: Log, now: Double) throws(ServerError) {
        self.config = config
        self.log = log
        self.startedAt = Sys.monotonic()
        let keys = try LoadedModel.loadKeys(config.trustedKeys)
        trustedKeys = keys
        guard let path = config.modelPath ?? LoadedModel.defaultPath() else {
            throw ServerError(.config, "no --model given and no default model found (Models/default.allot)")
        }
        var cfg = config
        cfg.modelPath = path
        try Engine.checkOutputs(cfg)
        let model = try LoadedModel.load(path: path, trustedKeys: keys)
        let meanBudget = config.budget ?? model.recommendedBudget ?? Engine.medianBudget(model.file)
        budget = meanBudget
        var pacer = try Engine.makePacer(cfg, model: model, budget: meanBudget, now: now)
        var restored = false
        if let statePath = config.statePath {
            // Two daemons on one state would overwrite each other's saves, and a second, wrong start would move
            // the first one's state aside: the first to lock it keeps it.
            let locked: Bool
            do {
                locked = try Sys.lockForLife(statePath + ".lock")
            } catch {
                throw ServerError(.state, "cannot write the state file \(statePath): \(error.message)")
            }
            guard locked else {
                throw ServerError(.config, "--state \(statePath) is in use by another allotd (\(statePath).lock)")
            }
            let removed = Sys.removeStaleTemporaries(of: statePath)
            if removed > 0 { log(.info, "stale_state_temporaries_removed", ["path": statePath, "count": String(removed)]) }
        }
        if let statePath = config.statePath, Sys.fileExists(statePath) {
            do throws(ServerError) {
                let bytes = try Sys.readFile(statePath, limit: 64 << 20)
                var saved = try Engine.decodeState(bytes, config: cfg, model: model, budget: meanBudget)
                saved.rebase(at: now)
                pacer = saved
                restored = true
            } catch {
                log(.warning, "state_not_restored", ["path": statePath, "reason": error.message])
                try Engine.moveAside(statePath, log: log)
            }
        }
        var shadow: Shadow?
        if let p = config.shadowPath {
            shadow = try Shadow(model: LoadedModel.load(path: p, trustedKeys: keys), config: cfg, budget: meanBudget,
                                now: now)
        }
        let stats = pacer.stats(at: now)
        state = Locked(
            Mutable(
                model: model, pacer: pacer, rng: SplitMix64(seed: config.seed),
                errors: [Int](repeating: 0, count: ServerError.Code.protocolCodes.count),
                lastReload: ReloadResult(ok: true, message: "loaded \(model.file.info.id) v\(model.file.info.version)",
                                         at: now),
                shadow: shadow, savedRoutes: stats.routes, savedReports: stats.reports))
        self.configPath = path
        log(.info, "model_loaded", ["path": path, "model": model.file.info.id,
                                    "version": String(model.file.info.version), "sha256": model.sha256,
                                    "state_restored": String(restored)])
        try writeOutputsOnce(now: now)
    }

    let configPath: String

    static func medianBudget(_ file: AllotModelFile) -> Double {
        if !file.lambdaTable.isEmpty { return file.lambdaTable[file.lambdaTable.count / 2].budget }
        let costs = file.actions.map(\.meanCost).sorted()
        return costs[costs.count / 2]
    }

    static func pacerConfig(_ config: ServerConfig, budget: Double) -> PacerConfig {
        let b: Budget
        switch config.mode {
        case .window(let n): b = .window(meanCost: budget, requests: n)
        case .rate(let r, let h): b = .rate(costPerSecond: r, horizon: h)
        }
        return PacerConfig(budget: b, reservationTTL: config.reportTTL)
    }

    static func makePacer(_ config: ServerConfig, model: LoadedModel, budget: Double, now: Double)
        throws(ServerError) -> Pacer
    {
        do {
            return try Pacer(config: pacerConfig(config, budget: budget), policy: model.policy, at: now)
        } catch {
            throw ServerError(.config, "budget: \(error)")
        }
    }

    func modelSummary() -> ModelInfo {
        state.withLock { $0.model.file.info }
    }

    func budgetDescription() -> String {
        switch config.mode {
        case .window(let n): "mean \(budget) per request over \(n) requests"
        case .rate(let r, let h): "\(r) per second over \(h) s"
        }
    }

    func countError(_ code: ServerError.Code) {
        guard let i = ServerError.Code.protocolCodes.firstIndex(of: code) else { return }
        state.withLock { $0.errors[i] += 1 }
    }

    /// Who a peer is: admins may reload; allowed users may route. The lists replace the defaults (the daemon's
    /// own uid and gid) rather than add to them, so an operator can lock out even the daemon's own user.
    func access(for peer: Sys.PeerCredentials) -> Access {
        let ownUID = Sys.ownUID
        let ownGID = Sys.ownGID
        let admins = config.adminUIDs.isEmpty ? [ownUID] : config.adminUIDs
        if admins.contains(peer.uid) { return .admin }
        let uids = config.allowUIDs.isEmpty && config.allowGIDs.isEmpty ? [ownUID] : config.allowUIDs
        let gids = config.allowUIDs.isEmpty && config.allowGIDs.isEmpty ? [ownGID] : config.allowGIDs
        if uids.contains(peer.uid) || gids.contains(peer.gid) { return .user }
        return .none
    }
}
