import Foundation

/// Runs `body(i)` for i in 0..<n, each on its own OS thread, and waits for all.
///
/// Blocking socket clients must not run as Swift tasks: the cooperative pool has one thread per core (two here),
/// so "64 concurrent" blocking tasks would really run two at a time, and other suites' tasks could starve them.
func onThreads<T: Sendable>(_ n: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    let box = ResultBox<T>(n)
    let group = DispatchGroup()
    for i in 0..<n {
        group.enter()
        let t = Thread {
            let r = Result { try body(i) }
            box.lock.withLock { box.results[i] = r }
            group.leave()
        }
        t.stackSize = 1 << 20
        t.start()
    }
    group.wait()
    return try box.results.map { try $0!.get() }
}

/// Starts `body` on its own OS thread; `wait()` joins it.
final class Background: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Void) {
        let t = Thread { [done] in
            body()
            done.signal()
        }
        t.start()
    }

    func wait() { done.wait() }
}

private final class ResultBox<T>: @unchecked Sendable {
    let lock = NSLock()
    var results: [Result<T, any Error>?]
    init(_ n: Int) { results = [Result<T, any Error>?](repeating: nil, count: n) }
}
