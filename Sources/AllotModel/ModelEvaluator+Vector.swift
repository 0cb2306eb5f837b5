import CAllotKernels

extension ModelEvaluator {
    /// Which code evaluates the trees of depth ≤ 8 when the model has 1...256 features.
    package enum Kernel: Sendable {
        /// Every tree by the two-pass scalar loop (`sum(depth:...)`).
        case scalar
        /// 16 trees at a time with SSSE3 `pshufb` (`allot_trees_sum_vector`); x86_64 CPUs with SSSE3 only.
        case vector
        /// The vector layout walked one lane at a time in C (`allot_trees_sum_portable`): tests the layout anywhere.
        case portable
        /// 64 trees at a time with AVX-512 VBMI `vpermi2b` (`allot_trees_sum_wide`); models of at most 128
        /// features on x86_64 CPUs that have it (AMD Zen 4, Intel Ice Lake and later).
        case wide

        /// Whether this CPU runs `.wide`.
        package static let wideAvailable = allot_kernels_wide_available() != 0

        /// The fastest kernel this CPU has that fits the model: wide, then vector, else the scalar loop.
        static func best(featureCount: Int) -> Kernel {
            if wideAvailable && VectorLayout.fitsWide(featureCount: featureCount) { return .wide }
            return vector(featureCount: featureCount)
        }

        /// The vector kernel when this CPU has it and the model fits it, else the scalar loop.
        static func vector(featureCount: Int) -> Kernel {
            VectorLayout.fits(featureCount: featureCount) && allot_kernels_vector_available() != 0 ? .vector : .scalar
        }
    }

    /// Trees laid out for `allot_trees_sum_vector`: blocks of 16 trees of one head slot and one depth. Per block
    /// and level, `registers` `pshufb` index vectors (lane j: the split feature's byte in its 16-feature register,
    /// 0x80 in the other registers) and the 16 thresholds biased by 0x80; then the block's leaves lane by lane.
    /// A padding lane (the last block of a group) reads 0 and has zero leaves, so it adds nothing.
    ///
    /// For the wide kernel the same trees are also laid out 64 to a block (`wideGroups`, `wideSplits`: per level,
    /// 64 feature indices then 64 thresholds), with their leaves in `wideLeaves`, each group padded with zero
    /// trees to a multiple of 32 (the kernel loads the leaves of depths 1...4 whole, 32 trees at a time).
    struct VectorLayout: Sendable {
        let registers: Int
        let wide: Bool
        /// `allot_vector_group` records, five `UInt32` each (slot, depth, blocks, split offset, leaf offset).
        var groups: [UInt32] = []
        var splits: [UInt8] = []
        var leaves: [Int16] = []
        /// `allot_wide_group` records (slot, depth, trees, split offset, leaf offset), when `wide`.
        var wideGroups: [UInt32] = []
        var wideSplits: [UInt8] = []
        var wideLeaves: [Int16] = []

        static func fits(featureCount: Int) -> Bool {
            featureCount >= 1 && featureCount <= Int(ALLOT_KERNELS_MAX_FEATURES)
        }

        static func fitsWide(featureCount: Int) -> Bool {
            featureCount >= 1 && featureCount <= Int(ALLOT_KERNELS_WIDE_MAX_FEATURES)
        }

        static func fits(depth: Int) -> Bool { depth <= Int(ALLOT_KERNELS_MAX_DEPTH) }

        init(featureCount: Int, wide: Bool = false) {
            registers = (featureCount + 15) / 16
            self.wide = wide
        }

        var groupCount: Int { groups.count / 5 }

        /// Adds the trees `trees` (all of depth `depth`) of head `h`; `splitAt`/`leafAt` locate each tree.
        mutating func add(_ h: Head, slot: Int, depth: Int, trees: [Int], splitAt: [Int], leafAt: [Int]) {
            let blocks = (trees.count + 15) / 16
            if wide {
                addWide(h, slot: slot, depth: depth, trees: trees, splitAt: splitAt, leafAt: leafAt)
            }
            groups += [UInt32(slot), UInt32(depth), UInt32(blocks), UInt32(splits.count), UInt32(leaves.count)]
            let levelBytes = (registers + 1) * 16
            for b in 0..<blocks {
                let start = splits.count
                splits += [UInt8](repeating: 0x80, count: depth * levelBytes)
                for l in 0..<depth {
                    let level = start + l * levelBytes
                    for j in 0..<16 {
                        let t = b * 16 + j
                        guard t < trees.count else {
                            splits[level + registers * 16 + j] = 0x80 ^ 255  // never above; its leaves are 0 anyway
                            continue
                        }
                        let f = Int(h.splitFeatures[splitAt[trees[t]] + l])
                        splits[level + (f >> 4) * 16 + j] = UInt8(f & 15)
                        splits[level + registers * 16 + j] = 0x80 ^ h.splitThresholds[splitAt[trees[t]] + l]
                    }
                }
                for j in 0..<16 {
                    let t = b * 16 + j
                    if t < trees.count {
                        leaves += h.leaves[leafAt[trees[t]]..<(leafAt[trees[t]] + (1 << depth))]
                    } else {
                        leaves += [Int16](repeating: 0, count: 1 << depth)
                    }
                }
            }
        }

        /// The wide kernel's gathers read each int16 leaf as 32 bits: one more leaf keeps the last read inside.
        mutating func finish() {
            if wide { wideLeaves.append(0) }
        }

        /// The wide record, splits and leaves of the trees `trees` (all of depth `depth`) of head `h`.
        private mutating func addWide(_ h: Head, slot: Int, depth: Int, trees: [Int], splitAt: [Int], leafAt: [Int]) {
            wideGroups += [UInt32(slot), UInt32(depth), UInt32(trees.count), UInt32(wideSplits.count),
                           UInt32(wideLeaves.count)]
            for t in trees { wideLeaves += h.leaves[leafAt[t]..<(leafAt[t] + (1 << depth))] }
            let padding = (32 - trees.count % 32) % 32
            wideLeaves += [Int16](repeating: 0, count: padding << depth)
            for b in 0..<((trees.count + 63) / 64) {
                for l in 0..<depth {
                    var features = [UInt8](repeating: 0, count: 64)
                    var thresholds = [UInt8](repeating: 255, count: 64)  // padding lanes: never above, not read
                    for j in 0..<64 where b * 64 + j < trees.count {
                        let at = splitAt[trees[b * 64 + j]] + l
                        features[j] = UInt8(h.splitFeatures[at])
                        thresholds[j] = h.splitThresholds[at]
                    }
                    wideSplits += features
                    wideSplits += thresholds
                }
            }
        }

        /// Adds each group's leaf sum to `sums[slot]` (wrapping, like the scalar loop).
        func sum(codes: UnsafePointer<UInt8>, featureCount: Int, portable: Bool, into sums: UnsafeMutablePointer<Int32>) {
            guard !groups.isEmpty else { return }
            if wide && !portable {
                wideGroups.withUnsafeBufferPointer { g in
                    wideSplits.withUnsafeBufferPointer { s in
                        wideLeaves.withUnsafeBufferPointer { lv in
                            guard let gp = g.baseAddress, let sp = s.baseAddress, let lp = lv.baseAddress else { return }
                            let groups = UnsafeRawPointer(gp).assumingMemoryBound(to: allot_wide_group.self)
                            allot_trees_sum_wide(codes, Int32(featureCount), groups, Int32(g.count / 5), sp, lp, sums)
                        }
                    }
                }
                return
            }
            groups.withUnsafeBufferPointer { g in
                splits.withUnsafeBufferPointer { s in
                    leaves.withUnsafeBufferPointer { lv in
                        guard let gp = g.baseAddress, let sp = s.baseAddress, let lp = lv.baseAddress else { return }
                        let groups = UnsafeRawPointer(gp).assumingMemoryBound(to: allot_vector_group.self)
                        if portable {
                            allot_trees_sum_portable(codes, Int32(featureCount), Int32(registers), groups,
                                                     Int32(groupCount), sp, lp, sums)
                        } else {
                            allot_trees_sum_vector(codes, Int32(featureCount), Int32(registers), groups,
                                                   Int32(groupCount), sp, lp, sums)
                        }
                    }
                }
            }
        }
    }

    /// Per-caller buffers for `evaluate(codes:into:scratch:)`, made once by `makeScratch()`, so a request
    /// allocates nothing.
    public struct Scratch: Sendable {
        var answers: [SIMD16<UInt8>]
        var sums: [Int32]
    }

    public func makeScratch() -> Scratch {
        Scratch(answers: [SIMD16<UInt8>](repeating: .zero, count: Swift.max(1, chunkFeatures.count)),
                sums: [Int32](repeating: 0, count: Swift.max(1, 2 * actionCount)))
    }
}
