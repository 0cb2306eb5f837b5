import AllotModel

extension ModelPayload {
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
}
