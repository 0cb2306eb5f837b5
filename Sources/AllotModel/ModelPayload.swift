/// The inflated payload: a sequence of tagged sections `(u16 tag, u32 length, body)`.
///
/// Readers skip sections whose tag they do not know, so a later minor version can add sections; every known
/// section appears at most once, and all but the model card are required.
package enum ModelPayload {
    package enum Tag: UInt16, CaseIterable {
        case features = 1, actions = 2, bins = 3, heads = 4, lambdas = 5, card = 6

        var name: String {
            switch self {
            case .features: "feature spec"
            case .actions: "actions"
            case .bins: "bins"
            case .heads: "heads"
            case .lambdas: "lambda table"
            case .card: "model card"
            }
        }
    }

    // Limits on untrusted strings and counts (bytes / items).
    static let maxNameBytes = 256
    static let maxParamsBytes = 64 << 10
    static let maxCardBytes = 1 << 20
    static let maxSignals = 4096
    static let maxActions = 4096
    static let maxLambdaPoints = 1 << 16
    static let maxFeatures = 1 << 16
    /// Bounds `Σ leaves` of a head to `maxTrees · 32767 < 2^31`, so the evaluator's Int32 sum cannot overflow.
    static let maxTrees = 1 << 16

    package static func encode(_ m: AllotModelFile) -> [UInt8] {
        var out = ByteWriter()
        func section(_ tag: Tag, _ body: (inout ByteWriter) -> Void) {
            var w = ByteWriter()
            body(&w)
            out.u16(tag.rawValue)
            out.u32(UInt32(w.bytes.count))
            out.bytes += w.bytes
        }
        section(.features) { w in
            w.string(m.features.extractor)
            w.u16(m.features.version)
            w.u16(m.features.hashBuckets)
            w.u8(m.features.ngramMax)
            w.varint(UInt64(m.features.signals.count))
            for s in m.features.signals { w.string(s) }
        }
        section(.actions) { w in
            w.varint(UInt64(m.actions.count))
            for a in m.actions {
                w.string(a.name)
                w.string(a.params)
                w.f64(a.meanCost)
            }
        }
        section(.bins) { w in
            w.varint(UInt64(m.bins.edges.count))
            for e in m.bins.edges {
                w.u8(UInt8(e.count))
                for x in e { w.f32(x) }
            }
        }
        section(.heads) { w in
            w.varint(UInt64(m.utility.count))
            for a in m.utility.indices {
                let cost = a < m.cost.count ? m.cost[a] : nil
                w.u8(cost == nil ? 0 : 1)
                encodeHead(m.utility[a], &w)
                if let cost { encodeHead(cost, &w) }
            }
        }
        section(.lambdas) { w in
            w.varint(UInt64(m.lambdaTable.count))
            for p in m.lambdaTable {
                w.f64(p.budget)
                w.f64(p.lambda)
                w.f64(p.mix)
            }
        }
        section(.card) { w in w.string(m.card) }
        return out.bytes
    }

    /// Columnar, so deflate sees runs of like bytes: depths, split features as two byte planes, thresholds;
    /// then the leaves, Rice-coded (`LeafCoder`): one parameter byte per tree, the bitstream's length, the bits.
    static func encodeHead(_ h: Head, _ w: inout ByteWriter) {
        w.f32(h.base)
        w.f32(h.scale)
        w.varint(UInt64(h.depths.count))
        w.bytes += h.depths
        for f in h.splitFeatures { w.u8(UInt8(truncatingIfNeeded: f)) }
        for f in h.splitFeatures { w.u8(UInt8(truncatingIfNeeded: f >> 8)) }
        w.bytes += h.splitThresholds
        let (ks, stream) = LeafCoder.encode(h)
        w.bytes += ks
        w.varint(UInt64(stream.count))
        w.bytes += stream
    }

    @inline(__always) static func zigzag(_ q: Int16) -> UInt16 {
        UInt16(bitPattern: (q << 1) ^ (q >> 15))
    }

    @inline(__always) static func unzigzag(_ z: UInt16) -> Int16 {
        Int16(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
    }
}
