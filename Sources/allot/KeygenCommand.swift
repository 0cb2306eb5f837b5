import AllotModel
import AllotModelWriter
import ArgumentParser
import Foundation

/// `allot keygen --out PREFIX`: a fresh Ed25519 key pair in PREFIX.key (mode 0600) and PREFIX.pub.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate an Ed25519 signing key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub.",
        discussion: "Key files are text: a header line (allot-ed25519-secret-key-v1 / allot-ed25519-public-key-v1) "
            + "then the key in hex. See docs/model-format.md.")

    @Option(help: "Path prefix of the two key files.") var out: String
    @Flag(help: "Replace existing key files.") var force = false

    func validate() throws {
        // a prefix that names a folder would write the hidden files `.key` and `.pub` into it
        if out.isEmpty || out.hasSuffix("/") { throw ValidationError("--out is a path prefix, such as keys/fleet") }
    }

    func run() throws {
        let (pk, sk) = try ModelSigner.keygen()
        try ModelFileIO.create(ModelKeyFile.encode(secretKey: sk), at: out + ".key", mode: 0o600, force: force)
        try ModelFileIO.create(ModelKeyFile.encode(publicKey: pk), at: out + ".pub", mode: 0o644, force: force)
        print("wrote \(out).key (secret, 0600) and \(out).pub; key id \(ModelSignature(publicKey: pk, signature: []).keyID)")
    }
}
