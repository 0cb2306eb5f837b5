import AllotModel
import AllotPolicy
import Foundation

/// Paths to fixtures and committed data, found from this file's location (not Bundle).
enum TestPaths {
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repoRoot = testsDir.deletingLastPathComponent().deletingLastPathComponent()
    static func fixture(_ name: String) -> String { testsDir.appendingPathComponent("Fixtures/\(name)").path }
    static func data(_ name: String) -> String { repoRoot.appendingPathComponent("Models/data/\(name)").path }

    static func temporaryPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("allot-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }
}

/// A small deterministic generator for property tests: the policy's own SplitMix64.
typealias SeededRandom = SplitMix64

