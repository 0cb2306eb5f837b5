/// A list of byte strings in two flat arrays, for the route fast path's constant bytes (signal names, each
/// action's reply members).
///
/// Each connection keeps its own copy (`RouteScratch`): reading the model's shared `[[UInt8]]` retained and
/// released the same inner arrays from every connection thread, so their reference counts bounced between the
/// cores on every route. A copy's arrays are touched by one thread only.
struct ByteTable: Sendable {
    private var bytes: [UInt8] = []
    /// One past the end of entry `i` in `bytes`; entry `i` starts where entry `i - 1` ends.
    private var ends: [Int] = []

    init() {}

    /// A deep copy of `entries`: new storage, shared with nobody.
    init(copying entries: [[UInt8]]) {
        var bytes = [UInt8]()
        var ends = [Int]()
        bytes.reserveCapacity(entries.reduce(0) { $0 + $1.count })
        ends.reserveCapacity(entries.count)
        for e in entries {
            bytes.append(contentsOf: e)
            ends.append(bytes.count)
        }
        self.bytes = bytes
        self.ends = ends
    }

    /// Entry `i`'s bytes, valid inside `body`.
    func withEntry<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let start = i > 0 ? ends[i - 1] : 0
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<ends[i]])) }
    }

    /// Calls `body` with the index of every entry equal to `key`.
    func forEachMatch(of key: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        bytes.withUnsafeBufferPointer { all in
            ends.withUnsafeBufferPointer { ends in
                var start = 0
                for i in ends.indices {
                    let entry = UnsafeBufferPointer(rebasing: all[start..<ends[i]])
                    if ProtocolHandler.same(entry, key) { body(i) }
                    start = ends[i]
                }
            }
        }
    }
}
