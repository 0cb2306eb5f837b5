import AllotServer
import Testing

/// `allotd`'s flags: what a mistyped or out-of-range value gets is a `config` error naming the flag, never a
/// daemon that starts and traps later or silently reads the value as something else.
struct ServerConfigTests {
    static func refusal(_ args: [String]) -> String? {
        do {
            _ = try ServerConfig.parse(args)
            return nil
        } catch {
            return error.code == .config ? error.message : "not a config error: \(error)"
        }
    }

    @Test(arguments: [
        (["--idle-timeout", "1e300"], "--idle-timeout is at most 1000000000 seconds"),
        (["--report-ttl", "1e19"], "--report-ttl is at most"),
        (["--persist-interval", "2e9"], "--persist-interval is at most"),
        (["--metrics-interval", "1e10"], "--metrics-interval is at most"),
        (["--rate", "10", "--horizon", "1e300"], "--horizon is at most"),
        (["--allow-downgrade=false"], "--allow-downgrade takes no value"),
        (["--quiet=no"], "--quiet takes no value"),
        (["--max-connections", "1.5"], "--max-connections needs a whole number"),
        (["--window", "131073"], "--window needs a whole number of requests from 1 to 131072"),
        (["--budget", "5", "--rate", "1", "--horizon", "5"], "--budget is a window budget's mean cost"),
        (["--model", ""], "--model needs a path"),
        (["--state="], "--state needs a path"),
        (["--metrics-file", ""], "--metrics-file needs a path"),
        (["--trusted-key", ""], "--trusted-key needs a path"),
        (["--shadow", ""], "--shadow needs a path"),
        (["--socket", ""], "--socket needs a path"),
    ])
    func outOfRangeValuesAreRefusedByName(_ args: [String], _ message: String) {
        let got = Self.refusal(args)
        #expect(got?.contains(message) == true, "\(args): \(got ?? "accepted")")
    }

    @Test func theLargestValuesInRangeAreTaken() throws {
        let args = ["--window", "131072", "--idle-timeout", "1e9", "--max-connections", "100000", "--allow-downgrade",
                    "--quiet"]
        guard case .run(let c) = try ServerConfig.parse(args) else {
            Issue.record("not a run")
            return
        }
        #expect(c.mode == .window(requests: 131072))
        #expect(c.idleTimeout == 1e9)
        #expect(c.maxConnections == 100_000)
        #expect(c.allowDowngrade)
        #expect(c.logLevel == 2)
    }
}
