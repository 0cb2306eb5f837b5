extension ModelPayload {
    /// Decodes and range-checks every section of an inflated payload. Offsets in errors are payload offsets.
    static func decode(_ p: [UInt8], header: ModelHeader) throws(ModelFileError) -> AllotModelFile {
        var sections: [Tag: (start: Int, end: Int)] = [:]
        var r = ByteReader(p, inPayload: true)
        while !r.isAtEnd {
            let at = r.position
            let raw = try r.u16("section tag")
            let length = Int(try r.u32("section length"))
            let body = try r.take(length, "section \(raw) body")
            guard let tag = Tag(rawValue: raw) else { continue }  // a later minor's section: skip it
            guard sections[tag] == nil else {
                throw r.error(.badSection, "\(tag.name) section appears twice", at: at)
            }
            sections[tag] = (body, body + length)
        }
        func reader(_ tag: Tag) throws(ModelFileError) -> ByteReader {
            guard let s = sections[tag] else {
                throw ModelFileError(.badSection, "missing the \(tag.name) section", offset: p.count, inPayload: true)
            }
            return ByteReader(p, from: s.start, to: s.end, inPayload: true)
        }
        func finish(_ r: ByteReader, _ tag: Tag) throws(ModelFileError) {
            guard r.isAtEnd else { throw r.error(.badSection, "\(r.remaining) unread bytes at the end of \(tag.name)") }
        }

        var fr = try reader(.features)
        let features = try decodeFeatures(&fr)
        try finish(fr, .features)
        var ar = try reader(.actions)
        let actions = try decodeActions(&ar)
        try finish(ar, .actions)
        var br = try reader(.bins)
        let bins = try decodeBins(&br)
        try finish(br, .bins)

        var hr = try reader(.heads)
        let countAt = hr.position
        let headCount = try hr.count("head count", max: maxActions)
        guard headCount == actions.count else {
            throw hr.error(.inconsistent, "\(headCount) heads for \(actions.count) actions", at: countAt)
        }
        var utility: [Head] = []
        var cost: [Head?] = []
        for a in 0..<headCount {
            let flagsAt = hr.position
            let flags = try hr.u8("head flags of action \(a)")
            guard flags <= 1 else { throw hr.error(.badSection, "unknown head flags \(flags)", at: flagsAt) }
            utility.append(try decodeHead(&hr, features: bins.featureCount, "utility head \(a)"))
            cost.append(flags == 1 ? try decodeHead(&hr, features: bins.featureCount, "cost head \(a)") : nil)
        }
        try finish(hr, .heads)

        var lr = try reader(.lambdas)
        let lambdas = try decodeLambdas(&lr)
        try finish(lr, .lambdas)

        var card = "{}"
        if sections[.card] != nil {
            var cr = try reader(.card)
            let at = cr.position
            card = try cr.string("model card", maxBytes: maxCardBytes)
            guard JSONShape.isObject(card) else { throw cr.error(.badString, "model card is not a JSON object", at: at) }
            try finish(cr, .card)
        }
        return AllotModelFile(
            info: header.info, features: features, actions: actions, bins: bins, utility: utility, cost: cost,
            lambdaTable: lambdas, card: card)
    }

    static func decodeFeatures(_ r: inout ByteReader) throws(ModelFileError) -> FeatureSpec {
        let extractor = try r.string("extractor name", maxBytes: maxNameBytes)
        let version = try r.u16("extractor version")
        let buckets = try r.u16("hash buckets")
        let ngram = try r.u8("ngramMax")
        let n = try r.count("signal count", max: Swift.min(maxSignals, r.remaining))
        var signals: [String] = []
        for i in 0..<n { signals.append(try r.string("signal \(i) name", maxBytes: maxNameBytes)) }
        return FeatureSpec(extractor: extractor, version: version, hashBuckets: buckets, ngramMax: ngram,
                           signals: signals)
    }

    static func decodeActions(_ r: inout ByteReader) throws(ModelFileError) -> [ActionSpec] {
        let at = r.position
        let n = try r.count("action count", max: Swift.min(maxActions, r.remaining / 10))
        guard n >= 1 else { throw r.error(.outOfRange, "a model needs at least one action", at: at) }
        var actions: [ActionSpec] = []
        for i in 0..<n {
            let name = try r.string("action \(i) name", maxBytes: maxNameBytes)
            let paramsAt = r.position
            let params = try r.string("action \(i) params", maxBytes: maxParamsBytes)
            guard JSONShape.isObject(params) else {
                throw r.error(.badString, "action \(i) params are not a JSON object", at: paramsAt)
            }
            let costAt = r.position
            let cost = try r.finiteF64("action \(i) mean cost")
            guard cost >= 0 else { throw r.error(.outOfRange, "action \(i) mean cost \(cost) is negative", at: costAt) }
            actions.append(ActionSpec(name: name, params: params, meanCost: cost))
        }
        return actions
    }

    static func decodeBins(_ r: inout ByteReader) throws(ModelFileError) -> FeatureBins {
        let n = try r.count("feature count", max: Swift.min(maxFeatures, r.remaining))
        var edges: [[Float]] = []
        edges.reserveCapacity(n)
        for f in 0..<n {
            let countAt = r.position
            let k = Int(try r.u8("edge count of feature \(f)"))
            guard k <= FeatureBins.maxEdges else {
                throw r.error(.outOfRange, "feature \(f) has \(k) edges, at most \(FeatureBins.maxEdges)", at: countAt)
            }
            var e: [Float] = []
            e.reserveCapacity(k)
            for i in 0..<k {
                let at = r.position
                let x = try r.finiteF32("edge \(i) of feature \(f)")
                guard e.last.map({ $0 < x }) ?? true else {
                    throw r.error(.outOfRange, "edges of feature \(f) are not strictly increasing", at: at)
                }
                e.append(x)
            }
            edges.append(e)
        }
        return FeatureBins(edges: edges)
    }

    static func decodeHead(_ r: inout ByteReader, features: Int, _ what: String) throws(ModelFileError) -> Head {
        let base = try r.finiteF32("\(what) base")
        let scaleAt = r.position
        let scale = try r.finiteF32("\(what) scale")
        guard scale > 0 else { throw r.error(.outOfRange, "\(what) scale \(scale) is not positive", at: scaleAt) }
        let trees = try r.count("\(what) tree count", max: Swift.min(maxTrees, r.remaining))
        let depthsAt = try r.take(trees, "\(what) depths")
        let depths = Array(r.bytes[depthsAt..<(depthsAt + trees)])
        var splits = 0
        var leafCount = 0
        for (t, d) in depths.enumerated() {
            guard d >= 1, Int(d) <= Head.maxDepth else {
                throw r.error(.outOfRange, "\(what) tree \(t) has depth \(d), not 1...\(Head.maxDepth)",
                              at: depthsAt + t)
            }
            splits += Int(d)
            leafCount += 1 << Int(d)
        }
        let lo = try r.take(splits, "\(what) split features")
        let hi = try r.take(splits, "\(what) split features")
        var splitFeatures = [UInt16](repeating: 0, count: splits)
        for i in 0..<splits {
            let f = UInt16(r.bytes[lo + i]) | UInt16(r.bytes[hi + i]) << 8
            guard Int(f) < features else {
                throw r.error(.outOfRange, "\(what) split \(i) uses feature \(f), model has \(features)", at: lo + i)
            }
            splitFeatures[i] = f
        }
        // Every threshold byte is valid: `code > 255` is simply never true.
        let th = try r.take(splits, "\(what) split thresholds")
        let thresholds = Array(r.bytes[th..<(th + splits)])
        let ksAt = try r.take(trees, "\(what) leaf parameters")
        let ks = Array(r.bytes[ksAt..<(ksAt + trees)])
        for (t, k) in ks.enumerated() where k > 15 {
            throw r.error(.outOfRange, "\(what) tree \(t) leaf parameter \(k) is over 15", at: ksAt + t)
        }
        let streamCount = try r.count("\(what) leaf bytes", max: r.remaining)
        let streamAt = try r.take(streamCount, "\(what) leaves")
        // Every leaf takes at least one bit: refuse before allocating for leaves the stream cannot hold.
        guard leafCount <= streamCount * 8 else {
            throw r.error(.badSection, "\(what): \(streamCount) leaf bytes cannot hold \(leafCount) leaves",
                          at: streamAt)
        }
        let leaves = try LeafCoder.decode(r, streamAt..<(streamAt + streamCount), depths: depths, ks: ks,
                                          count: leafCount, "\(what) leaves")
        return Head(base: base, scale: scale, depths: depths, splitFeatures: splitFeatures,
                    splitThresholds: thresholds, leaves: leaves)
    }

    static func decodeLambdas(_ r: inout ByteReader) throws(ModelFileError) -> [LambdaPoint] {
        let n = try r.count("lambda point count", max: Swift.min(maxLambdaPoints, r.remaining / 24))
        var points: [LambdaPoint] = []
        for i in 0..<n {
            let at = r.position
            let p = LambdaPoint(budget: try r.finiteF64("budget \(i)"), lambda: try r.finiteF64("lambda \(i)"),
                                mix: try r.finiteF64("mix \(i)"))
            if let problem = ModelValidator.lambdaProblem(p, after: points.last, index: i) {
                throw r.error(.outOfRange, problem, at: at)
            }
            points.append(p)
        }
        return points
    }
}
