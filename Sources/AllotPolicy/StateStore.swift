/// Crash-safe storage of a pacer state: a reader sees the old file or the new one, never a torn write.
public enum StateStore {
    /// Largest state file `load` accepts (a full window and reservation ring is about 3.7 MiB).
    public static let maxBytes = 16 << 20

    /// `save` writes `<path>` + this + `<pid>` first; a process killed mid-save leaves that file behind.
    package static let temporaryInfix = ".tmp."

    /// Writes `bytes` to a temporary file `<path>.tmp.<pid>` (created with `mode`) in the same directory, fsyncs
    /// it, renames it over `path`, and fsyncs the directory so the rename survives a power cut. With
    /// `directorySyncRequired` false a directory that cannot be synced (not readable, or a file system that
    /// refuses it) is not an error: the file is in place, only the rename's durability is weaker.
    public static func save(
        _ bytes: [UInt8], to path: String, mode: UInt32 = 0o600, directorySyncRequired: Bool = true
    ) throws(PolicyError) {
        let dir = directory(of: path)
        let tmp = path + temporaryInfix + String(SystemFile.processID())
        var e = SystemFile.writeSync(tmp, bytes, mode: mode)
        if e == 0 { e = SystemFile.rename(tmp, path) }
        if e != 0 {
            SystemFile.unlink(tmp)
            throw PolicyError(.io, "cannot write \(path): \(SystemFile.errnoText(e))")
        }
        e = SystemFile.syncDirectory(dir)
        if e != 0 && directorySyncRequired {
            throw PolicyError(.io, "cannot sync directory \(dir): \(SystemFile.errnoText(e))")
        }
    }

    /// The file's bytes, or `nil` when it does not exist (a first start).
    public static func load(_ path: String) throws(PolicyError) -> [UInt8]? {
        let (bytes, e) = SystemFile.read(path, limit: maxBytes)
        if e == SystemFile.noEntry { return nil }
        if e != 0 { throw PolicyError(.io, "cannot read \(path): \(SystemFile.errnoText(e))") }
        return bytes
    }

    package static func directory(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        if slash == path.utf8.startIndex { return "/" }
        return String(path[..<slash])
    }
}
