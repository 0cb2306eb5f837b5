import CAllotKernels

extension ModelEvaluator {
    /// The model's bin edges laid out for `allot_bin_codes`: feature by feature, each padded with +inf to a
    /// multiple of 4 (never below any value, so the count is unchanged), and where each feature starts; and for
    /// each feature with more than 16 of them, the last edge of each block of 16 (+inf past the whole blocks).
    struct BinLayout: Sendable {
        var edges: [Float] = []
        var offsets: [UInt32] = [0]
        var coarse: [Float] = []

        /// The layout of the features `only` (all when nil), in that order.
        init(_ bins: FeatureBins, only: [Int]? = nil) {
            for e in (only ?? Array(bins.edges.indices)).map({ bins.edges[$0] }) {
                let start = edges.count
                edges += e
                edges += [Float](repeating: .infinity, count: (4 - e.count % 4) % 4)
                offsets.append(UInt32(edges.count))
                let n = edges.count - start
                if n > 16 {
                    coarse += (0..<16).map { j in 16 * j + 15 < n ? edges[start + 16 * j + 15] : .infinity }
                }
            }
        }
    }

    /// `FeatureBins.codes` of the model's bins, same bytes (validated edges are finite and strictly increasing, so
    /// counting the edges below `x` four at a time equals the binary search), several times faster.
    public func codes(_ values: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<UInt8>) {
        self.codes(values, into: codes, narrow: false)
    }

    /// The codes of the features the trees read (`featuresReadByTrees`), the only ones a prediction needs; the
    /// other bytes of `codes` are not written. (The default model's trees read 20 of its 31 features.)
    public func codesRead(_ values: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<UInt8>) {
        codesRead(values, into: codes, narrow: false)
    }

    /// `narrow`: the path of CPUs without AVX-512, whatever this CPU has (for tests).
    package func codesRead(_ values: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<UInt8>,
                           narrow: Bool) {
        precondition(values.count >= featureCount && codes.count >= featureCount, "values or codes too short")
        guard let v = values.baseAddress, let c = codes.baseAddress else { return }
        readFeatures.withUnsafeBufferPointer { w in
            guard let which = w.baseAddress else { return }  // no tree reads a feature
            readBins.codes(v, count: w.count, which: which, narrow: narrow, into: c)
        }
    }

    /// `narrow`: the path of CPUs without AVX-512, whatever this CPU has (for tests).
    package func codes(_ values: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<UInt8>,
                       narrow: Bool) {
        let n = Swift.min(values.count, featureCount, codes.count)
        guard n > 0, let v = values.baseAddress, let c = codes.baseAddress else { return }
        bins.codes(v, count: n, which: nil, narrow: narrow, into: c)
    }
}

extension ModelEvaluator.BinLayout {
    /// `allot_bin_codes` (or its narrow path) over this layout's first `count` features.
    func codes(_ v: UnsafePointer<Float>, count: Int, which: UnsafePointer<UInt32>?, narrow: Bool,
               into c: UnsafeMutablePointer<UInt8>) {
        edges.withUnsafeBufferPointer { e in
            offsets.withUnsafeBufferPointer { o in
                coarse.withUnsafeBufferPointer { z in
                    // Every feature has an offset pair, so `e` is only empty when every feature has no edges, and
                    // `z` only when none has more than 16: then neither is read.
                    let edges = e.baseAddress ?? v
                    if narrow {
                        allot_bin_codes_narrow(v, Int32(count), edges, o.baseAddress!, which, c)
                    } else {
                        allot_bin_codes(v, Int32(count), edges, o.baseAddress!, z.baseAddress ?? v, which, c)
                    }
                }
            }
        }
    }
}
