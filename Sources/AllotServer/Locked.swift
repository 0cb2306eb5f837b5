import Glibc

/// A value behind a plain `pthread_mutex_t`.
///
/// `Synchronization.Mutex` on this toolchain is a priority-inheritance futex (swiftlang/swift#88440): under
/// contention with more runnable threads than cores, every waiter queues behind a holder that is not running.
/// The bench measured 34k -> 50k routes/s with 8 clients on 2 cores after switching (docs/performance.md).
final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
