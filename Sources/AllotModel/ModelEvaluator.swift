/// Evaluates every head of a model for one request, laid out for speed at load time.
///
/// For action `a` the utility is `u_a = base + scale · Σ_t leaf_t(codes)`; the cost `c_a` is its cost head's
/// prediction, or the action's mean cost when it has none. `decide(codes:lambda:)` returns
/// `argmax_a u_a - λ·c_a` (lowest index on ties).
///
/// Two passes per request. First every distinct split `(feature f, threshold t)` of the model is answered at
/// once: the splits are stored feature by feature in 16-lane chunks, so one vector compare `t < code[f]` answers
/// 16 of them. Then each tree builds its leaf index from those answers (oblivious trees: `depth` independent
/// bits, one load and one add each, deepest level first so `index = 2·index + bit`) and loads one leaf. Trees are
/// grouped by depth (integer sums commute) so each group runs a loop unrolled for its depth. The model was
/// validated at init, so the hot loops index without bounds checks.
///
/// With 1...256 features on an x86_64 CPU with SSSE3, trees of depth ≤ 8 skip both passes: they are laid out in
/// blocks of 16 (`VectorLayout`) and a C kernel fetches the split codes of 16 trees per level with one `pshufb`
/// per 16 features (with AVX-512 VBMI: 64 trees per `vpermi2b` over up to 128 features, leaves by gathers); deeper
/// trees, other CPUs and wider models use the scalar loop. Integer sums wrap and commute,
/// so every path gives the same bits.
///
/// A class, immutable, for the reason `Policy` is one: as a 200-byte struct it was copied for each call with an
/// `inout` scratch, on every route.
public final class ModelEvaluator: Sendable {
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
    /// Per 16-split chunk: the feature it tests and its 16 thresholds (padding lanes: 255, never true).
    let chunkFeatures: [UInt32]
    let chunkThresholds: [SIMD16<UInt8>]
    /// Per tree level (tree after tree, deepest level first): the index of its split's answer.
    let levelSplits: [UInt32]
    let leaves: [Int16]
    let bases: [Float]
    let scales: [Float]
    package let kernel: Kernel
    /// Trees of depth ≤ 8 when `kernel` is not `.scalar`.
    let vector: VectorLayout
    let bins: BinLayout
    /// `bins` of the features the trees read, in `readFeatures` order.
    let readBins: BinLayout
    let readFeatures: [UInt32]

    /// Lays a model out for evaluation; throws if it breaks any rule of the format.
    public convenience init(_ model: AllotModelFile) throws(ModelFileError) {
        try self.init(model, kernel: nil)
    }

    /// `kernel` nil (or `.wide`) picks the fastest this CPU and model allow; `.vector` asks for the SSSE3 kernel
    /// (the scalar loop where it cannot run).
    package init(_ model: AllotModelFile, kernel: Kernel?) throws(ModelFileError) {
        try ModelValidator.validate(model)
        let fits = VectorLayout.fits(featureCount: model.bins.featureCount)
        let kernel: Kernel = switch kernel {
        case nil, .wide: Kernel.best(featureCount: model.bins.featureCount)
        case .vector: Kernel.vector(featureCount: model.bins.featureCount)
        case .portable: fits ? .portable : .scalar
        case .scalar: .scalar
        }
        self.kernel = kernel
        var vector = VectorLayout(featureCount: model.bins.featureCount, wide: kernel == .wide)
        let a = model.actions.count
        actionCount = a
        featureCount = model.bins.featureCount
        var groups: [Group] = []
        var levels: [(feature: UInt16, threshold: UInt8)] = []
        var leaves: [Int16] = []
        var bases = [Float](repeating: 0, count: 2 * a)
        var scales = [Float](repeating: 0, count: 2 * a)
        func add(_ h: Head, slot: Int) {
            bases[slot] = h.base
            scales[slot] = h.scale
            var splitAt: [Int] = []
            var leafAt: [Int] = []
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
                if kernel != .scalar, VectorLayout.fits(depth: depth) {
                    vector.add(h, slot: slot, depth: depth, trees: trees, splitAt: splitAt, leafAt: leafAt)
                    continue
                }
                groups.append(Group(slot: slot, depth: depth, trees: trees.count, levelStart: levels.count,
                                    leafStart: leaves.count))
                for t in trees {
                    for k in (0..<depth).reversed() {
                        levels.append((h.splitFeatures[splitAt[t] + k], h.splitThresholds[splitAt[t] + k]))
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
        // Distinct splits, feature by feature (ascending), each feature's padded to whole chunks.
        var dense = [Int](repeating: -1, count: featureCount)
        var used: [Int] = []
        for l in levels where dense[Int(l.feature)] < 0 {
            dense[Int(l.feature)] = 0
            used.append(Int(l.feature))
        }
        used.sort()
        for (i, f) in used.enumerated() { dense[f] = i }
        var answerIndex = [UInt32](repeating: .max, count: used.count * 256)  // (dense feature, threshold) -> answer
        for l in levels { answerIndex[dense[Int(l.feature)] * 256 + Int(l.threshold)] = 0 }
        var chunkFeatures: [UInt32] = []
        var chunkThresholds: [SIMD16<UInt8>] = []
        for (i, f) in used.enumerated() {
            var lane = 16
            for t in 0..<256 where answerIndex[i * 256 + t] != .max {
                if lane == 16 {
                    chunkFeatures.append(UInt32(f))
                    chunkThresholds.append(SIMD16<UInt8>(repeating: 255))
                    lane = 0
                }
                chunkThresholds[chunkThresholds.count - 1][lane] = UInt8(t)
                answerIndex[i * 256 + t] = UInt32((chunkFeatures.count - 1) * 16 + lane)
                lane += 1
            }
        }
        self.groups = groups
        self.chunkFeatures = chunkFeatures
        self.chunkThresholds = chunkThresholds
        self.levelSplits = levels.map { answerIndex[dense[Int($0.feature)] * 256 + Int($0.threshold)] }
        self.leaves = leaves
        self.bases = bases
        self.scales = scales
        vector.finish()
        self.vector = vector
        self.bins = BinLayout(model.bins)
        let read = model.featuresReadByTrees
        self.readFeatures = read.map { UInt32($0) }
        self.readBins = BinLayout(model.bins, only: read)
    }

    /// Writes `u_0 ... u_{A-1}` then `c_0 ... c_{A-1}` into `out` (which holds at least `2·actionCount` floats).
    /// `codes` holds at least `featureCount` bin codes (`FeatureBins.codes`); both are preconditions.
    /// Its scratch is a stack temporary (small when every tree takes the vector kernel); a hot loop may keep a
    /// `makeScratch()` and pass it instead.
    public func evaluate(codes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<Float>) {
        withUnsafeTemporaryAllocation(of: SIMD16<UInt8>.self, capacity: Swift.max(1, chunkFeatures.count)) { answers in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: Swift.max(1, 2 * actionCount)) { sums in
                evaluate(codes: codes, into: out, answers: answers, sums: sums)
            }
        }
    }

    /// `evaluate(codes:into:)` with caller buffers (`scratch` from this evaluator's `makeScratch()`): no allocation.
    public func evaluate(codes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<Float>,
                         scratch: inout Scratch) {
        scratch.answers.withUnsafeMutableBufferPointer { answers in
            scratch.sums.withUnsafeMutableBufferPointer { evaluate(codes: codes, into: out, answers: answers, sums: $0) }
        }
    }

    func evaluate(codes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<Float>,
                  answers: UnsafeMutableBufferPointer<SIMD16<UInt8>>, sums sb: UnsafeMutableBufferPointer<Int32>) {
        precondition(codes.count >= featureCount && out.count >= 2 * actionCount, "codes or output too short")
        precondition(answers.count >= chunkFeatures.count && answers.count >= 1 && sb.count >= 2 * actionCount
                     && sb.count >= 1, "scratch made for another evaluator")
        guard let o = out.baseAddress else { return }  // no actions: nothing to write
        guard let c = codes.baseAddress else {
            // Empty codes (a model without features): any non-empty buffer will do, no split reads it.
            [UInt8(0)].withUnsafeBufferPointer { evaluate(codes: $0, into: out, answers: answers, sums: sb) }
            return
        }
        let sums = sb.baseAddress!  // checked non-empty above
        for slot in 0..<(2 * actionCount) { sums[slot] = 0 }
        if kernel != .scalar {
            vector.sum(codes: c, featureCount: featureCount, portable: kernel == .portable, into: sums)
        }
        if !groups.isEmpty {
            chunkFeatures.withUnsafeBufferPointer { cf in
                chunkThresholds.withUnsafeBufferPointer { ct in
                    let one = SIMD16<UInt8>(repeating: 1)
                    for k in 0..<cf.count {
                        let code = SIMD16<UInt8>(repeating: c[Int(cf[k])])
                        answers[k] = SIMD16<UInt8>(repeating: 0).replacing(with: one, where: ct[k] .< code)
                    }
                }
            }
            let bits = UnsafeRawPointer(answers.baseAddress!).assumingMemoryBound(to: UInt8.self)
            levelSplits.withUnsafeBufferPointer { ls in
                leaves.withUnsafeBufferPointer { lf in
                    guard let lsBase = ls.baseAddress, let lfBase = lf.baseAddress else { return }
                    groups.withUnsafeBufferPointer { gs in
                        for gr in gs {
                            sums[gr.slot] &+= Self.sum(depth: gr.depth, trees: gr.trees,
                                                       splits: lsBase + gr.levelStart,
                                                       leaves: lfBase + gr.leafStart, bits: bits)
                        }
                    }
                }
            }
        }
        bases.withUnsafeBufferPointer { b in
            scales.withUnsafeBufferPointer { sc in
                for slot in 0..<(2 * actionCount) { o[slot] = b[slot] + sc[slot] * Float(sums[slot]) }
            }
        }
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
    static func sum(depth: Int, trees: Int, splits: UnsafePointer<UInt32>, leaves: UnsafePointer<Int16>,
                    bits: UnsafePointer<UInt8>) -> Int32 {
        // A constant depth per case lets the compiler unroll the level loop.
        switch depth {
        case 6: sumFixed(6, trees, splits, leaves, bits)
        case 1: sumFixed(1, trees, splits, leaves, bits)
        case 2: sumFixed(2, trees, splits, leaves, bits)
        case 3: sumFixed(3, trees, splits, leaves, bits)
        case 4: sumFixed(4, trees, splits, leaves, bits)
        case 5: sumFixed(5, trees, splits, leaves, bits)
        case 7: sumFixed(7, trees, splits, leaves, bits)
        case 8: sumFixed(8, trees, splits, leaves, bits)
        default: sumFixed(depth, trees, splits, leaves, bits)
        }
    }

    @inline(__always)
    static func sumFixed(_ depth: Int, _ trees: Int, _ splits: UnsafePointer<UInt32>, _ leaves: UnsafePointer<Int16>,
                         _ bits: UnsafePointer<UInt8>) -> Int32 {
        var sum: Int32 = 0
        var sp = splits
        var lf = leaves
        for _ in 0..<trees {
            var index = 0
            for l in 0..<depth { index = index &+ index &+ Int(bits[Int(sp[l])]) }
            sum &+= Int32(lf[index])
            sp += depth
            lf += 1 << depth
        }
        return sum
    }
}
