import AllotPolicy
import Glibc

/// Everything `allotd` is told at start. Parsed from flags by `ServerConfig.parse(_:)`.
public struct ServerConfig: Sendable {
    public enum BudgetMode: Sendable, Equatable {
        /// Mean cost per request over the last `requests` requests.
        case window(requests: Int)
        /// `costPerSecond` over a rolling window of `horizon` seconds.
        case rate(costPerSecond: Double, horizon: Double)
    }

    public var modelPath: String?
    public var socketPath: String?
    /// Target mean cost per request; nil: the model card's recommended budget.
    public var budget: Double?
    public var mode: BudgetMode = .window(requests: 1000)
    public var statePath: String?
    public var socketMode: mode_t = 0o660
    /// Peers allowed to route/report/stats. Both empty: the daemon's own uid and gid; either given replaces both.
    public var allowUIDs: [UInt32] = []
    public var allowGIDs: [UInt32] = []
    /// Peers allowed admin ops (`reload`, `shadow`). Empty: the daemon's own uid.
    public var adminUIDs: [UInt32] = []
    public var maxConnections = 128
    public var idleTimeout = 60.0
    /// Bytes of requests a connection answers before it takes them off the socket (`TakeBatch`); 0: at once.
    public var takeBatch = 1024
    /// Seconds a connection holding requests not yet taken waits for the next before it takes them anyway.
    public var takeHold = 0.001
    /// Seconds after the read before it from which a read is taken off the socket at once (`TakeBatch`); 0: never.
    public var takeGap = 0.00003
    /// When the reply that ends a batch and the batch's take go in one io_uring system call, where the kernel
    /// allows io_uring (`Sys.sendThenDiscard`).
    public var takeRing = TakeRing.solo

    public enum TakeRing: Sendable, Equatable {
        /// Never: two plain calls.
        case off
        /// Always.
        case on
        /// While the connection is the daemon's only one: there the ring spares a client on the daemon's core a
        /// wake-up for nothing; with more connections it only adds its cost (docs/performance.md, "Taking requests
        /// in batches").
        case solo
    }
    public var reportTTL = 120.0
    public var persistInterval = 5.0
    public var metricsPath: String?
    public var metricsInterval = 5.0
    public var trustedKeys: [String] = []
    public var allowDowngrade = false
    public var shadowPath: String?
    public var seed: UInt64 = 0x414C_4C4F_5444
    public var logLevel = 1

    public init() {}

    public static let usage = """
        allotd: routes LLM prompts to compute levels under a rolling budget, over a Unix socket (NDJSON).

        usage: allotd [--model FILE] [--socket PATH] [--budget B] [--window N | --rate R --horizon T]
                      [--state FILE] [options]

        With no arguments it serves the default model (Models/default.allot) on ./allotd.sock, or on
        $XDG_RUNTIME_DIR/allotd.sock when that is set, at the budget its model card recommends.

          --model FILE          model file (.allot) to serve; reloaded on SIGHUP or the `reload` op
          --socket PATH         Unix socket path to listen on (ignored under systemd socket activation)
          --budget B            target mean cost per request, in the model's cost unit
          --window N            budget over the last N requests (default 1000, at most 131072)
          --rate R              rate budget: R cost units per second ...
          --horizon T           ... over a rolling window of T seconds (with --rate)
          --state FILE          persist λ, spend and reservations here (crash-safe) and resume from it; a file
                                it cannot resume from is kept as FILE.unrestored (.1, .2, ...); FILE.lock
                                keeps a second allotd off it
          --mode OCTAL          socket file mode (default 0660)
          --allow-uid UID       peer uid allowed to use the socket (repeatable; default: own uid)
          --allow-gid GID       peer gid allowed to use the socket (repeatable; default: own gid; either
                                allow list given replaces both defaults)
          --admin-uid UID       peer uid allowed admin ops: reload, shadow (repeatable; default: own uid)
          --max-connections N   concurrent connections (default 128); more are answered `unavailable`
          --idle-timeout S      close a connection idle or stalled for S seconds (default 60)
          --take-batch BYTES    answer this many bytes of requests before taking them off the socket
                                (default 1024; 0 takes each read at once; docs/performance.md)
          --take-hold S         take held requests anyway after S seconds without a new one (default 0.001)
          --take-gap S          take a read at once when it came S seconds or more after the one before
                                (default 0.00003; 0 never)
          --take-uring 0|1|solo send the reply that ends a batch and take the batch in one io_uring call:
                                never, always, or while the connection is the only one (default solo;
                                plain calls where the kernel refuses io_uring)
          --report-ttl S        charge unreported routes at their estimate after S seconds (default 120)
          --persist-interval S  seconds between state saves (default 5; a save rewrites and fsyncs the file)
          --metrics-file PATH   write Prometheus text metrics here atomically (node_exporter textfile)
          --metrics-interval S  seconds between metrics writes (default 5)
          --trusted-key FILE    accept only models signed by this Ed25519 public key (repeatable)
          --allow-downgrade     accept a model whose version is lower than the running one
          --shadow FILE         evaluate this candidate model next to the live one, without acting
          --seed N              seed of the mixing generator (default fixed, for reproducible runs)
          --quiet               log warnings and errors only
          --help                print this help
          --version             print the version

        Signals: SIGHUP reloads the model; SIGTERM/SIGINT drain in-flight requests, save state and exit 0.
        """
}

extension ServerConfig {
    /// The outcome of parsing the command line: run, or print help/version and exit 0.
    public enum Parsed: Sendable {
        case run(ServerConfig)
        case help
        case version
    }

    /// Longest duration a flag takes, in seconds (~31 years): a socket timeout, an interval or a horizon past it
    /// means "never" as well, and converting a larger one to whole seconds or microseconds would overflow.
    public static let maxSeconds = 1e9

    /// Parses `allotd`'s flags (`--flag value` or `--flag=value`). Throws a `config` error naming the flag.
    public static func parse(_ args: [String]) throws(ServerError) -> Parsed {
        var c = ServerConfig()
        var sawWindow = false
        var rate: Double?
        var horizon: Double?
        var i = 0
        while i < args.count {
            var flag = args[i]
            var inlineValue: String?
            if let eq = flag.firstIndex(of: "="), flag.hasPrefix("--") {
                inlineValue = String(flag[flag.index(after: eq)...])
                flag = String(flag[..<eq])
            }
            i += 1
            func value() throws(ServerError) -> String {
                if let v = inlineValue { return v }
                guard i < args.count else { throw ServerError(.config, "\(flag) needs a value") }
                defer { i += 1 }
                return args[i]
            }
            func path() throws(ServerError) -> String {
                let v = try value()
                guard !v.isEmpty else { throw ServerError(.config, "\(flag) needs a path, got an empty one") }
                return v
            }
            /// A switch: `--allow-downgrade=false` must not read as `--allow-downgrade`.
            func noValue() throws(ServerError) {
                if inlineValue != nil { throw ServerError(.config, "\(flag) takes no value") }
            }
            func number(min: Double = 0, positive: Bool = true) throws(ServerError) -> Double {
                let v = try value()
                guard let d = Double(v), d.isFinite, positive ? d > min : d >= min else {
                    throw ServerError(.config, "\(flag) needs a \(positive ? "positive" : "non-negative") number, got '\(v)'")
                }
                return d
            }
            func seconds(min: Double = 0, positive: Bool = true) throws(ServerError) -> Double {
                let d = try number(min: min, positive: positive)
                guard d <= maxSeconds else {
                    throw ServerError(.config, "\(flag) is at most \(Int(maxSeconds)) seconds, got '\(d)'")
                }
                return d
            }
            func id() throws(ServerError) -> UInt32 {
                let v = try value()
                guard let n = UInt32(v) else { throw ServerError(.config, "\(flag) needs a numeric id, got '\(v)'") }
                return n
            }
            switch flag {
            case "--help", "-h":
                try noValue()
                return .help
            case "--version":
                try noValue()
                return .version
            case "--model": c.modelPath = try path()
            case "--socket": c.socketPath = try path()
            case "--budget": c.budget = try number()
            case "--window":
                let n = try number(min: 1, positive: false)
                guard n == n.rounded(), n <= Double(PacerConfig.maxWindow) else {
                    throw ServerError(
                        .config, "--window needs a whole number of requests from 1 to \(PacerConfig.maxWindow)")
                }
                c.mode = .window(requests: Int(n))
                sawWindow = true
            case "--rate": rate = try number()
            case "--horizon": horizon = try seconds()
            case "--state": c.statePath = try path()
            case "--mode":
                let v = try value()
                guard let m = UInt32(v, radix: 8), m <= 0o777 else {
                    throw ServerError(.config, "--mode needs an octal file mode such as 0660, got '\(v)'")
                }
                c.socketMode = mode_t(m)
            case "--allow-uid": c.allowUIDs.append(try id())
            case "--allow-gid": c.allowGIDs.append(try id())
            case "--admin-uid": c.adminUIDs.append(try id())
            case "--max-connections":
                let n = try number(min: 1, positive: false)
                guard n == n.rounded(), n <= 100_000 else {
                    throw ServerError(.config, "--max-connections needs a whole number from 1 to 100000")
                }
                c.maxConnections = Int(n)
            case "--idle-timeout": c.idleTimeout = try seconds()
            case "--take-batch":
                let n = try number(min: 0, positive: false)
                let most = ProtocolHandler.maxLineBytes
                guard n == n.rounded(), n <= Double(most) else {
                    throw ServerError(.config, "--take-batch needs a whole number of bytes from 0 to \(most)")
                }
                c.takeBatch = Int(n)
            case "--take-hold":
                c.takeHold = try number()
                guard c.takeHold <= 60 else { throw ServerError(.config, "--take-hold is at most 60 seconds") }
            case "--take-gap":
                c.takeGap = try number(min: 0, positive: false)
                guard c.takeGap <= 60 else { throw ServerError(.config, "--take-gap is at most 60 seconds") }
            case "--take-uring":
                switch try value() {
                case "0": c.takeRing = .off
                case "1": c.takeRing = .on
                case "solo": c.takeRing = .solo
                default: throw ServerError(.config, "--take-uring needs 0, 1 or solo")
                }
            case "--report-ttl": c.reportTTL = try seconds()
            case "--persist-interval": c.persistInterval = try seconds()
            case "--metrics-file": c.metricsPath = try path()
            case "--metrics-interval": c.metricsInterval = try seconds()
            case "--trusted-key": c.trustedKeys.append(try path())
            case "--allow-downgrade":
                try noValue()
                c.allowDowngrade = true
            case "--shadow": c.shadowPath = try path()
            case "--seed":
                let v = try value()
                guard let s = UInt64(v) else { throw ServerError(.config, "--seed needs an unsigned integer") }
                c.seed = s
            case "--quiet":
                try noValue()
                c.logLevel = 2
            default:
                throw ServerError(.config, "unknown flag '\(flag)' (see --help)")
            }
        }
        switch (rate, horizon) {
        case (nil, nil): break
        case let (r?, h?):
            if sawWindow { throw ServerError(.config, "--window and --rate are exclusive") }
            if c.budget != nil {
                throw ServerError(
                    .config, "--budget is a window budget's mean cost; a rate budget is --rate and --horizon")
            }
            c.mode = .rate(costPerSecond: r, horizon: h)
        default:
            throw ServerError(.config, "--rate and --horizon go together")
        }
        return .run(c)
    }
}
