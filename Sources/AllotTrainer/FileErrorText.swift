import Foundation

/// Words for Foundation's file errors. Their own description on Linux is "The operation could not be completed.
/// (NSCocoaErrorDomain error 256.)" or an `Error Domain=...` dump, which names no reason a user can act on.
public enum FileErrorText {
    /// The reason (`no such file or directory`, `is a directory`, ...), or nil when `error` is not a Foundation
    /// file error.
    public static func reason(_ error: any Error, path: String?) -> String? {
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain else { return nil }
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        var isDirectory: ObjCBool = false
        if let path = path ?? self.path(of: error),
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue
        {
            return "is a directory"
        }
        if (512..<640).contains(ns.code), let path = path ?? self.path(of: error) {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
                return "its folder \(folder) does not exist"
            } else if !folder.isEmpty, !isDirectory.boolValue {
                return "\(folder) is not a folder"
            }
        }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteFileExists: return "a file is already there"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileReadCorruptFile, .propertyListReadCorrupt: return "not in the expected format"
        case .fileReadInapplicableStringEncoding: return "not valid UTF-8 text"
        default: return ns.localizedDescription
        }
    }

    /// The file a Foundation error names, if it names one.
    public static func path(of error: any Error) -> String? {
        let ns = error as NSError
        return (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
    }
}
