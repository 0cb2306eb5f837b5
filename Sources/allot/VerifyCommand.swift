import AllotModel
import ArgumentParser

/// `allot verify [--pubkey PREFIX.pub ...] FILE`: exit 0 for a valid file, non-zero with the reason otherwise.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an .allot file: header, SHA-256, CRC-32, bounded inflate, every section, signature.",
        discussion: "With --pubkey the file must be signed by one of the given keys. Without, a signature (if "
            + "any) is checked against the key it names, which proves integrity but not trust.")

    @Option(name: .customLong("pubkey"), help: "Trusted public key file (PREFIX.pub); repeatable.")
    var pubkeys: [String] = []
    @Argument(help: "The .allot file.") var file: String

    func run() throws {
        let bytes = try ModelFileIO.read(file)
        let (header, model) = try ModelReader.decodeWithHeader(bytes)
        _ = try ModelEvaluator(model)
        let what = "\(header.info.id) v\(header.info.version), format \(header.major).\(header.minor), "
            + "\(model.actions.count) actions, \(bytes.count) bytes"
        if !pubkeys.isEmpty {
            let keys = try pubkeys.map { try ModelKeyFile.decodePublic(try ModelFileIO.readText($0)) }
            let block = try ModelSigner.verify(bytes, trustedKeys: keys)
            print("OK \(file): \(what); signed by trusted key \(block.keyID)")
        } else if let block = try ModelSigner.verifyEmbedded(bytes) {
            print("OK \(file): \(what); signature by \(block.keyID) is intact (no trusted key given)")
        } else {
            print("OK \(file): \(what); unsigned")
        }
    }
}
