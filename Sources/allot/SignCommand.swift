import AllotModel
import AllotModelWriter
import ArgumentParser
import Foundation

/// `allot sign --key PREFIX.key FILE`: adds or replaces the file's Ed25519 signature block, in place and atomically.
struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign an .allot model file in place (adds or replaces its signature block).",
        discussion: "The signature covers every byte before the block. The file is checked first, and rewritten "
            + "atomically (temporary file, fsync, rename).")

    @Option(help: "Secret key file written by `allot keygen` (PREFIX.key).") var key: String
    @Argument(help: "The .allot file to sign.") var file: String

    func run() throws {
        let sk = try ModelKeyFile.decodeSecret(try ModelFileIO.readText(key))
        var bytes = try ModelFileIO.read(file)
        try ModelSigner.sign(&bytes, secretKey: sk)
        try ModelFileIO.writeAtomically(bytes, to: file)
        let pk = try ModelSigner.publicKey(ofSecretKey: sk)
        print("signed \(file) with key \(ModelSignature(publicKey: pk, signature: []).keyID)")
    }
}

/// File helpers shared by the model commands: whole-file reads and crash-safe replacement.
enum ModelFileIO {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read \(path)")
        }
        return [UInt8](data)
    }

    static func readText(_ path: String) throws -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Writes `bytes` to a temporary file next to `path`, fsyncs it, renames it over `path` and fsyncs the
    /// directory, so a crash leaves either the old file or the new one. Keeps `path`'s mode when it exists.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t? = nil) throws {
        var st = stat()
        let keep: mode_t = stat(path, &st) == 0 ? st.st_mode & 0o777 : 0o644
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode ?? keep)
        guard fd >= 0 else { throw Failure(description: "cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        do {
            defer { close(fd) }
            try bytes.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = write(fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw Failure(description: "write \(tmp): \(String(cString: strerror(errno)))") }
                    off += n
                }
            }
            guard fsync(fd) == 0 else { throw Failure(description: "fsync \(tmp): \(String(cString: strerror(errno)))") }
        }
        guard rename(tmp, path) == 0 else {
            throw Failure(description: "rename to \(path): \(String(cString: strerror(errno)))")
        }
        ok = true
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    /// Creates a new file (refusing to replace one unless `force`) with `mode`, fsynced.
    static func create(_ text: String, at path: String, mode: mode_t, force: Bool) throws {
        if !force && FileManager.default.fileExists(atPath: path) {
            throw Failure(description: "\(path) exists (use --force to replace it)")
        }
        try writeAtomically(Array(text.utf8), to: path, mode: mode)
        chmod(path, mode)
    }
}
