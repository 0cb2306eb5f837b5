/// Spend of the last `size` requests, reservations included: a ring indexed by request sequence number.
///
/// The running sum is recomputed from the ring once per `size` pushes, so rounding drift stays bounded.
struct RequestWindow: Sendable, Equatable {
    var ring: [Double]
    var sum: Double = 0
    var filled: Int = 0
    var pushesSinceRecompute: Int = 0

    init(size: Int) { ring = [Double](repeating: 0, count: size) }

    var size: Int { ring.count }
    var mean: Double { filled > 0 ? Swift.max(0, sum / Double(filled)) : 0 }

    /// Counts request `seq` (consecutive from 1) at `cost`, dropping request `seq − size`.
    mutating func push(_ cost: Double, seq: UInt64) {
        guard !ring.isEmpty else { return }
        let i = Int(seq % UInt64(ring.count))
        if filled == ring.count { sum -= ring[i] } else { filled += 1 }
        ring[i] = cost
        sum += cost
        pushesSinceRecompute += 1
        if pushesSinceRecompute >= ring.count {
            pushesSinceRecompute = 0
            sum = ring.reduce(0, +)
        }
    }

    /// Adds `delta` to request `seq` if it is still among the last `size` (newest is `newest`).
    mutating func adjust(seq: UInt64, by delta: Double, newest: UInt64) {
        guard !ring.isEmpty, seq <= newest, newest - seq < UInt64(ring.count) else { return }
        let i = Int(seq % UInt64(ring.count))
        ring[i] += delta
        sum += delta
    }
}

/// Spend over a rolling horizon of seconds, in `PacerConfig.rateBuckets` time buckets (bucket `k` covers
/// `[k·w, (k+1)·w)` with `w = horizon / buckets`); the window is the current bucket and the `buckets − 1` before.
struct TimeWindow: Sendable, Equatable {
    var ids: [Int64]
    var cost: [Double]
    var count: [UInt32]
    var width: Double

    init(horizon: Double, buckets: Int) {
        ids = [Int64](repeating: .min, count: buckets)
        cost = [Double](repeating: 0, count: buckets)
        count = [UInt32](repeating: 0, count: buckets)
        width = buckets > 0 ? horizon / Double(buckets) : 1
    }

    var horizon: Double { width * Double(ids.count) }

    func bucket(_ t: Double) -> Int64 {
        let k = (t / width).rounded(.down)
        guard k.isFinite else { return 0 }
        return Int64(Swift.max(-4e18, Swift.min(4e18, k)))
    }

    private func slot(_ id: Int64) -> Int {
        let n = Int64(ids.count)
        return Int(((id % n) + n) % n)
    }

    mutating func add(_ c: Double, at t: Double) -> Int64 {
        guard !ids.isEmpty else { return 0 }
        let id = bucket(t)
        let s = slot(id)
        if ids[s] != id {
            ids[s] = id
            cost[s] = 0
            count[s] = 0
        }
        cost[s] += c
        count[s] &+= 1
        return id
    }

    mutating func adjust(bucket id: Int64, by delta: Double) {
        guard !ids.isEmpty else { return }
        let s = slot(id)
        if ids[s] == id { cost[s] += delta }
    }

    /// Spend and number of requests in the horizon ending at `t`.
    func totals(at t: Double) -> (cost: Double, requests: Int) {
        let now = bucket(t)
        var c = 0.0
        var n = 0
        for s in ids.indices where ids[s] <= now && ids[s] > now &- Int64(ids.count) {
            c += cost[s]
            n += Int(count[s])
        }
        return (Swift.max(0, c), n)
    }
}
