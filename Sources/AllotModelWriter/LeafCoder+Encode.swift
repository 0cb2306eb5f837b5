import AllotModel

extension LeafCoder {
    /// The best `k` for each tree and the bitstream.
    static func encode(_ h: Head) -> (ks: [UInt8], stream: [UInt8]) {
        var w = BitWriter()
        var ks: [UInt8] = []
        var leaf = 0
        for d in h.depths {
            let zs = h.leaves[leaf..<(leaf + (1 << Int(d)))].map(ModelPayload.zigzag)
            leaf += 1 << Int(d)
            var bestK = 0
            var best = Int.max
            for k in 0...15 {
                let n = zs.reduce(0) { $0 + bits($1, k: k) }
                if n < best { best = n; bestK = k }
            }
            ks.append(UInt8(bestK))
            for z in zs {
                let q = Int(z) >> bestK
                if q < escapeRun {
                    w.ones(q)
                    w.write(0, count: 1)
                    w.write(UInt32(z) & ((1 << bestK) - 1), count: bestK)
                } else {
                    w.ones(escapeRun)
                    w.write(UInt32(z), count: 16)
                }
            }
        }
        return (ks, w.finish())
    }
}

struct BitWriter {
    var bytes: [UInt8] = []
    var acc: UInt64 = 0
    var n = 0

    mutating func write(_ v: UInt32, count: Int) {
        guard count > 0 else { return }
        acc |= UInt64(v) << UInt64(n)
        n += count
        while n >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: acc))
            acc >>= 8
            n -= 8
        }
    }

    mutating func ones(_ count: Int) {
        var left = count
        while left > 0 {
            let c = Swift.min(left, 16)
            write((1 << UInt32(c)) - 1, count: c)
            left -= c
        }
    }

    mutating func finish() -> [UInt8] {
        if n > 0 { bytes.append(UInt8(truncatingIfNeeded: acc)) }
        acc = 0
        n = 0
        return bytes
    }
}

/// Reads the leaf bitstream through a 64-bit buffer: a refill per leaf, then shifts.
