/// Evaluates every head of a model for one request, laid out for speed at load time.
///
/// For action `a` the utility is `u_a = base + scale · Σ_t leaf_t(codes)`; the cost `c_a` is its cost head's
/// prediction, or the action's mean cost when it has none. `decide(codes:lambda:)` returns
/// `argmax_a u_a - λ·c_a` (lowest index on ties).
///
/// Oblivious trees make a tree's level tests independent of each other, so a tree is `depth` loads and compares
/// the CPU runs in parallel, then one leaf load. Trees are grouped by depth (integer sums commute, so the order is
/// free) and each group runs a loop specialised for its depth. Splits are packed as `feature << 8 | threshold`
/// in one `UInt32`. The model was validated at init, so the hot loop indexes without bounds checks.
public struct ModelEvaluator: Sendable {
    struct Group: Sendable {
        var slot: Int
        var depth: Int
        var trees: Int
        var levelStart: Int
        var leafStart: Int
    }

    public let actionCount: Int
    /// The number of bin codes `evaluate` reads (`FeatureBins.featureCount`).
    public let featureCount: Int
    // Slots 0..<A are utility heads, A..<2A cost heads (a missing cost head: no groups, base = mean cost).
    let groups: [Group]
    let levels: [UInt32]
    let leaves: [Int16]
    let bases: [Float]
    let scales: [Float]

    /// Lays a model out for evaluation; throws if it breaks any rule of the format.
    public init(_ model: AllotModelFile) throws(ModelFileError) {
        try ModelValidator.validate(model)
        let a = model.actions.count
        actionCount = a
        featureCount = model.bins.featureCount
        var groups: [Group] = []
        var levels: [UInt32] = []
        var leaves: [Int16] = []
        var bases = [Float](repeating: 0, count: 2 * a)
        var scales = [Float](repeating: 0, count: 2 * a)
        func add(_ h: Head, slot: Int) {
            bases[slot] = h.base
            scales[slot] = h.scale
            var splitAt = [Int]()
            var leafAt = [Int]()
            var s = 0
            var l = 0
            for d in h.depths {
                splitAt.append(s)
                leafAt.append(l)
                s += Int(d)
                l += 1 << Int(d)
            }
            for depth in 1...Head.maxDepth {
                let trees = h.depths.indices.filter { Int(h.depths[$0]) == depth }
                guard !trees.isEmpty else { continue }
                groups.append(Group(slot: slot, depth: depth, trees: trees.count, levelStart: levels.count,
                                    leafStart: leaves.count))
                for t in trees {
                    for k in 0..<depth {
                        levels.append(UInt32(h.splitFeatures[splitAt[t] + k]) << 8
                            | UInt32(h.splitThresholds[splitAt[t] + k]))
                    }
                    leaves += h.leaves[leafAt[t]..<(leafAt[t] + (1 << depth))]
                }
            }
        }
        for i in 0..<a {
            add(model.utility[i], slot: i)
            if let c = model.cost[i] {
                add(c, slot: a + i)
            } else {
                bases[a + i] = Float(model.actions[i].meanCost)
            }
        }
        self.groups = groups
        self.levels = levels
        self.leaves = leaves
        self.bases = bases
        self.scales = scales
    }

    /// Writes `u_0 ... u_{A-1}` then `c_0 ... c_{A-1}` into `out` (which holds at least `2·actionCount` floats).
    /// `codes` holds at least `featureCount` bin codes (`FeatureBins.codes`); both are preconditions.
    public func evaluate(codes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(codes.count >= featureCount && out.count >= 2 * actionCount, "codes or output too short")
        guard let c = codes.baseAddress, let o = out.baseAddress else { return }
        levels.withUnsafeBufferPointer { lv in
            leaves.withUnsafeBufferPointer { lf in
                for slot in 0..<(2 * actionCount) { o[slot] = 0 }
                guard let lvBase = lv.baseAddress, let lfBase = lf.baseAddress else { return }
                var g = 0
                while g < groups.count {
                    let slot = groups[g].slot
                    var sum: Int32 = 0
                    // Groups of a slot are adjacent: sum them all before scaling once.
                    while g < groups.count, groups[g].slot == slot {
                        let gr = groups[g]
                        sum &+= Self.sum(depth: gr.depth, trees: gr.trees, levels: lvBase + gr.levelStart,
                                         leaves: lfBase + gr.leafStart, codes: c)
                        g += 1
                    }
                    o[slot] = Float(sum)
                }
            }
        }
        for slot in 0..<(2 * actionCount) { o[slot] = bases[slot] + scales[slot] * o[slot] }
    }

    /// Utilities and costs of every action.
    public func evaluate(codes: [UInt8]) -> (utility: [Float], cost: [Float]) {
        var out = [Float](repeating: 0, count: 2 * actionCount)
        codes.withUnsafeBufferPointer { c in out.withUnsafeMutableBufferPointer { evaluate(codes: c, into: $0) } }
        return (Array(out[..<actionCount]), Array(out[actionCount...]))
    }

    /// `argmax_a u_a - λ·c_a`, lowest index on ties.
    public func decide(codes: [UInt8], lambda: Double) -> Int {
        let (u, c) = evaluate(codes: codes)
        return Self.argmax(utility: u, cost: c, lambda: lambda)
    }

    public static func argmax(utility u: [Float], cost c: [Float], lambda: Double) -> Int {
        var best = 0
        var bestScore = -Double.infinity
        for a in u.indices {
            let s = Double(u[a]) - lambda * Double(c[a])
            if s > bestScore {
                best = a
                bestScore = s
            }
        }
        return best
    }

    @inline(__always)
    static func sum(depth: Int, trees: Int, levels: UnsafePointer<UInt32>, leaves: UnsafePointer<Int16>,
                    codes: UnsafePointer<UInt8>) -> Int32 {
        // A constant depth per case lets the compiler unroll the level loop.
        switch depth {
        case 6: sumFixed(6, trees, levels, leaves, codes)
        case 1: sumFixed(1, trees, levels, leaves, codes)
        case 2: sumFixed(2, trees, levels, leaves, codes)
        case 3: sumFixed(3, trees, levels, leaves, codes)
        case 4: sumFixed(4, trees, levels, leaves, codes)
        case 5: sumFixed(5, trees, levels, leaves, codes)
        case 7: sumFixed(7, trees, levels, leaves, codes)
        case 8: sumFixed(8, trees, levels, leaves, codes)
        default: sumFixed(depth, trees, levels, leaves, codes)
        }
    }

    @inline(__always)
    static func sumFixed(_ depth: Int, _ trees: Int, _ levels: UnsafePointer<UInt32>, _ leaves: UnsafePointer<Int16>,
                         _ codes: UnsafePointer<UInt8>) -> Int32 {
        var sum: Int32 = 0
        var lv = levels
        var lf = leaves
        for _ in 0..<trees {
            var index = 0
            for l in 0..<depth {
                let s = lv[l]
                let bit = codes[Int(s >> 8)] > UInt8(truncatingIfNeeded: s) ? 1 : 0
                index |= bit << l
            }
            sum &+= Int32(lf[index])
            lv += depth
            lf += 1 << depth
        }
        return sum
    }
}
