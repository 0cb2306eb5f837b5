import Glibc
import Synchronization

/// The sidecar's lifecycle: listen, accept (a thread per connection), handle signals and periodic work on the
/// main thread, and drain on SIGTERM/SIGINT. `run` is the one place that turns the outcome into an exit code.
public final class Server: Sendable {
    let config: ServerConfig
    let log: Log
    let engine: Engine
    let listener: SocketListener
    private let active = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    /// Open connection descriptors, so a drain can wake their blocked reads. A thread removes its descriptor
    /// under this lock before closing it, so a drain never touches a reused descriptor number.
    private let connections = Locked<Set<Int32>>([])

    init(config: ServerConfig, log: Log, engine: Engine, listener: SocketListener) {
        self.config = config
        self.log = log
        self.engine = engine
        self.listener = listener
    }

    /// Runs `allotd` with `args` (without the program name) and returns its exit status.
    public static func main(_ args: [String]) -> Int32 {
        let parsed: ServerConfig.Parsed
        do {
            parsed = try ServerConfig.parse(args)
        } catch {
            Sys.writeStderr("allotd: \(error.message)\n")
            return 64
        }
        switch parsed {
        case .help:
            print(ServerConfig.usage)
            return 0
        case .version:
            print("allotd \(Engine.softwareVersion) (protocol \(Engine.protocolVersion))")
            return 0
        case .run(let config):
            let log = Log(minimum: config.logLevel >= 2 ? .warning : .info)
            do throws(ServerError) {
                Sys.blockSignals()
                let engine = try Engine(config: config, log: log, now: Sys.wallClock())
                let socketPath = config.socketPath ?? Server.defaultSocketPath
                let listener = try SocketListener.open(path: socketPath, mode: config.socketMode)
                let server = Server(config: config, log: log, engine: engine, listener: listener)
                return server.serve()
            } catch {
                log(.error, "start_failed", ["reason": error.message])
                Sys.writeStderr("allotd: \(error.message)\n")
                return error.code == .config ? 64 : 1
            }
        }
    }

    /// Where `allotd` listens without `--socket`, and where the toolkit's clients look for it.
    public static var defaultSocketPath: String {
        if let dir = Sys.environment("XDG_RUNTIME_DIR"), !dir.isEmpty { return dir + "/allotd.sock" }
        return "./allotd.sock"
    }

    private func serve() -> Int32 {
        let info = engine.modelSummary()
        log(.info, "listening", ["socket": listener.description, "model": info.id, "version": String(info.version),
                                 "budget": engine.budgetDescription(),
                                 "take_uring": config.takeRing == .off || config.takeBatch == 0
                                     ? "off" : !Sys.TakeRing.available ? "unavailable"
                                     : config.takeRing == .solo ? "solo" : "on"])
        do throws(ServerError) {
            try Sys.spawn { [self] in acceptLoop() }
        } catch {
            log(.error, "start_failed", ["reason": error.message])
            listener.shutdown()
            return 1
        }
        var lastTick = Sys.monotonic()
        while true {
            let signal = Sys.waitSignal(seconds: 0.25)
            if signal == SIGHUP {
                engine.reload(reason: "SIGHUP")
            } else if signal == SIGTERM || signal == SIGINT {
                log(.info, "stopping", ["signal": signal == SIGTERM ? "SIGTERM" : "SIGINT"])
                break
            }
            let now = Sys.monotonic()
            if now - lastTick >= 0.25 {
                lastTick = now
                engine.tick(now: Sys.wallClock(), monotonic: now)
            }
        }
        return drain()
    }

    private func drain() -> Int32 {
        stopping.store(true, ordering: .sequentiallyConsistent)
        listener.shutdown()
        // Half-close reads: a connection finishes the request it is on, writes its reply, then sees EOF.
        connections.withLock { fds in
            for fd in fds { _ = shutdown(fd, Int32(SHUT_RD)) }
        }
        let deadline = Sys.monotonic() + 10
        while active.load(ordering: .sequentiallyConsistent) > 0 && Sys.monotonic() < deadline {
            usleep(2000)
        }
        let leftover = active.load(ordering: .sequentiallyConsistent)
        let saved = engine.persist(now: Sys.wallClock(), force: true)
        engine.writeMetrics(now: Sys.wallClock(), monotonic: Sys.monotonic())
        log(.info, "stopped", ["unfinished_connections": String(leftover), "state_saved": String(saved)])
        return 0
    }

    private func acceptLoop() {
        while !stopping.load(ordering: .relaxed) {
            let fd = Sys.accept(listener.fd)
            if fd < 0 {
                if stopping.load(ordering: .relaxed) { return }
                if errno == EMFILE || errno == ENFILE {
                    log(.warning, "accept_failed", ["reason": Sys.errnoText()])
                    usleep(10_000)
                }
                continue
            }
            if stopping.load(ordering: .relaxed) {
                close(fd)
                return
            }
            let count = active.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
            if count > config.maxConnections {
                active.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                engine.countError(.unavailable)
                Connection.refuse(fd, .unavailable, "too many connections (limit \(config.maxConnections))")
                continue
            }
            connections.withLock { _ = $0.insert(fd) }
            engine.connections.wrappingAdd(1, ordering: .relaxed)
            do throws(ServerError) {
                try Sys.spawn { [self] in
                    Connection(fd: fd, engine: engine, config: config).run()
                    finish(fd)
                }
            } catch {
                log(.warning, "spawn_failed", ["reason": error.message])
                Connection.refuse(fd, .unavailable, "server busy")
                finish(fd, closed: true)
            }
        }
    }

    private func finish(_ fd: Int32, closed: Bool = false) {
        engine.connections.wrappingSubtract(1, ordering: .relaxed)
        connections.withLock { fds in
            fds.remove(fd)
            if !closed { close(fd) }
        }
        active.wrappingSubtract(1, ordering: .sequentiallyConsistent)
    }
}
