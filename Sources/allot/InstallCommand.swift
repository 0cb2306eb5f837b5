import AllotJSON
import AllotModel
import AllotServer
import ArgumentParser
import Foundation

/// Installs a model file where a daemon serves it, and proves it is live, or puts the old one back.
struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a model, swap it in atomically, reload the daemon and confirm it is live (else roll back).",
        discussion: """
            Steps: verify FILE (integrity, every section, a signature it carries, and with --pubkey one by that \
            key); with --socket, check the daemon answers; copy FILE to a temporary \
            file beside LIVE_PATH, fsync, rename over LIVE_PATH (the previous file is kept as LIVE_PATH.prev); \
            with --socket, ask allotd to reload and confirm through `hello` that the new model id and version \
            are live; otherwise restore the previous file and reload it.

            Exit status: 0 installed and live; 1 FILE rejected or the daemon unreachable (nothing changed); 3 the \
            daemon did not take it \
            and the previous model was restored; 4 the restore failed too (operator attention needed).
            """)

    @Argument(help: "The model file to install.") var file: String
    @Option(name: .customLong("to"), help: "The live path the daemon serves (its --model).") var livePath: String
    @Option(help: "The daemon's socket; without it the file is only swapped in.") var socket: String?
    @Option(help: "Require a valid signature by this public key (PREFIX.pub).") var pubkey: String?
    @Flag(help: "Let the daemon take a model older than the one it runs (a deliberate rollback).")
    var allowDowngrade = false

    func run() throws {
        do {
            try install()
        } catch let f as InstallFailure {
            FileHandle.standardError.write(Data("allot install: \(f.message)\n".utf8))
            throw ExitCode(f.code)
        }
    }

    private func install() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let model: AllotModelFile
        do {
            model = try ModelReader.decode(bytes)
            if let pubkey {
                let text = try String(contentsOfFile: pubkey, encoding: .utf8)
                _ = try ModelSigner.verify(bytes, trustedKeys: [ModelKeyFile.decodePublic(text)])
            } else {
                _ = try ModelSigner.verifyEmbedded(bytes)  // a signature that does not verify is tampering
            }
        } catch {
            throw InstallFailure(code: 1, "rejected \(file): \(error)")
        }
        if let socket {
            let failure: String?
            do {
                let hello = try DaemonClient(path: socket).call { w in
                    w.key("op")
                    w.string("hello")
                }
                failure = DaemonClient.failure(hello).map { "\($0.code): \($0.message)" }
            } catch {
                failure = "\(error)"
            }
            if let failure {
                throw InstallFailure(code: 1, "cannot reach the daemon at \(socket) (\(failure)); nothing changed")
            }
        }
        let fm = FileManager.default
        let previous = livePath + ".prev"
        let hadPrevious = fm.fileExists(atPath: livePath)
        if hadPrevious {
            try? fm.removeItem(atPath: previous)
            try fm.copyItem(atPath: livePath, toPath: previous)
        }
        try ModelFileIO.writeAtomically(bytes, to: livePath)
        guard let socket else {
            print("installed \(model.info.id) v\(model.info.version) at \(livePath)")
            return
        }
        do {
            try Install.reloadAndConfirm(socket: socket, id: model.info.id, version: model.info.version,
                                         allowDowngrade: allowDowngrade)
            print("installed \(model.info.id) v\(model.info.version) at \(livePath)")
            print("live: \(model.info.id) v\(model.info.version)")
        } catch {
            let reason = "\(error)"
            guard hadPrevious else { throw InstallFailure(code: 4, "daemon did not take it (\(reason)); no previous file") }
            let oldModel: AllotModelFile
            do {
                let old = try [UInt8](Data(contentsOf: URL(fileURLWithPath: previous)))
                try ModelFileIO.writeAtomically(old, to: livePath)
                oldModel = try ModelReader.decode(old)
            } catch {
                throw InstallFailure(code: 4, "daemon did not take it (\(reason)) and the restore failed: \(error)")
            }
            do {
                try Install.reloadAndConfirm(socket: socket, id: oldModel.info.id, version: oldModel.info.version,
                                             allowDowngrade: true)
            } catch {
                throw InstallFailure(code: 4, "daemon did not take it (\(reason)); the previous file is back at "
                    + "\(livePath) but the daemon did not confirm it: \(error)")
            }
            throw InstallFailure(code: 3, "daemon did not take it (\(reason)); previous model restored and live")
        }
    }

    static func reloadAndConfirm(socket: String, id: String, version: UInt64, allowDowngrade: Bool) throws {
        let client = try DaemonClient(path: socket)
        let reload = try client.call { w in
            w.key("op")
            w.string("reload")
            if allowDowngrade {
                w.key("allow_downgrade")
                w.bool(true)
            }
        }
        if let f = DaemonClient.failure(reload) { throw InstallFailure(code: 3, "reload: \(f.code): \(f.message)") }
        let hello = try client.call { w in
            w.key("op")
            w.string("hello")
        }
        let live = hello["model"]?.objectValue ?? [:]
        guard live["id"]?.stringValue == id, live["version"]?.doubleValue == Double(version) else {
            throw InstallFailure(code: 3, "daemon serves \(live["id"]?.stringValue ?? "?") "
                + "v\(live["version"]?.doubleValue.map { String(Int($0)) } ?? "?"), not \(id) v\(version)")
        }
    }

}

struct InstallFailure: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    init(code: Int32, _ message: String) {
        self.code = code
        self.message = message
    }
    var description: String { message }
}
