import Foundation

/// Runs independent jobs on all cores and returns their results in job order, so parallel training stays
/// deterministic: each job owns its inputs and its slot.
package enum LearnParallel {
    /// `parallel: false` runs the jobs in order on the calling thread (for single-core timing); results are equal.
    package static func map<T: Sendable>(_ count: Int, parallel: Bool = true, _ job: @Sendable (Int) -> T) -> [T] {
        if !parallel { return (0..<count).map(job) }
        let slots = Slots<T>(count)
        DispatchQueue.concurrentPerform(iterations: count) { i in slots.set(i, job(i)) }
        return slots.values()
    }

    private final class Slots<T: Sendable>: @unchecked Sendable {
        private var items: [T?]
        private let lock = NSLock()

        init(_ count: Int) { items = [T?](repeating: nil, count: count) }

        func set(_ i: Int, _ value: T) {
            lock.lock()
            items[i] = value
            lock.unlock()
        }

        func values() -> [T] {
            lock.lock()
            defer { lock.unlock() }
            let done = items.compactMap { $0 }
            precondition(done.count == items.count, "a parallel job did not finish")
            return done
        }
    }
}
