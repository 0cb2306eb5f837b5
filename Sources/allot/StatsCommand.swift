import AllotJSON
import AllotServer
import ArgumentParser

/// Prints a running daemon's `stats` (or `hello`) reply as one JSON line: what `Scripts/ship` reads on each host.
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a running allotd's stats (or --hello) as JSON.")

    @Option(help: "The daemon's socket (allotd's default: $XDG_RUNTIME_DIR/allotd.sock when that is set).")
    var socket: String = Server.defaultSocketPath
    @Flag(help: "Print the hello reply instead.") var hello = false

    func run() throws {
        let client = try DaemonClient(path: socket)
        let op = hello ? "hello" : "stats"
        let reply = try client.call { w in
            w.key("op")
            w.string(op)
        }
        var w = JSONWriter()
        w.value(.object(reply))
        print(w.text)
        if let f = DaemonClient.failure(reply) { throw ValidationError("\(f.code): \(f.message)") }
    }
}
