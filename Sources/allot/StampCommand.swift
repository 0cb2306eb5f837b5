import AllotModel
import AllotModelWriter
import ArgumentParser

/// `allot stamp FILE --version N [--id NAME]`: rewrites the header's version (and id), keeping the payload.
struct Stamp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stamp",
        abstract: "Set an .allot file's model version (and id) in place; drops its signature (sign again).",
        discussion: "Devices refuse to install a version lower than the one they run (anti-downgrade), so give each "
            + "release a higher version.")

    @Argument(help: "The .allot file.") var file: String
    @Option(help: "New model version (a monotonic integer).") var version: UInt64
    @Option(help: "New model id.") var id: String?

    func run() throws {
        let bytes = try ModelFileIO.read(file)
        let old = try ModelReader.readHeader(bytes)
        let stamped = try ModelWriter.restamp(bytes, version: version, id: id)
        try ModelFileIO.writeAtomically(stamped, to: file)
        print("\(file): \(old.info.id) v\(old.info.version) -> \(id ?? old.info.id) v\(version)")
        if version <= old.info.version {
            print("note: the new version is not higher than the old one; devices running v\(old.info.version) "
                + "will refuse it")
        }
        if old.signature != nil {
            print("the old signature no longer matches and was removed: sign again with `allot sign --key K \(file)`")
        }
    }
}
