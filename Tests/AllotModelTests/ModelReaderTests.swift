import AllotModel
import AllotModelWriter
import Testing

/// Every corruption class gives a typed `ModelFileError`, never a crash, trap or hang.
@Suite struct ModelReaderTests {
    let model = TestModels.small()
    var bytes: [UInt8] { (try? ModelWriter.encode(model)) ?? [] }

    /// Builds a file around an arbitrary payload with correct digests, to reach the section parser.
    func file(payload: [UInt8], minor: UInt16 = ModelHeader.currentMinor) throws -> [UInt8] {
        try ModelWriter.assemble(info: model.info, minor: minor, deflated: Deflate.compress(payload),
                                 inflatedSize: payload.count)
    }

    func code(_ bytes: [UInt8]) -> ModelFileError.Code? {
        do {
            _ = try ModelReader.decode(bytes)
            return nil
        } catch { return error.code }
    }

    @Test func everyTruncationFails() {
        let b = bytes
        #expect(b.count > 100)
        for n in 0..<b.count { #expect(code(Array(b[..<n])) != nil, "prefix of \(n) bytes") }
    }

    @Test func everySingleBitFlipFails() {
        let b = bytes
        for i in 0..<b.count {
            for bit in 0..<8 {
                var c = b
                c[i] ^= 1 << bit
                #expect(code(c) != nil, "flip byte \(i) bit \(bit)")
            }
        }
    }

    /// Corrupts the inflated payload and re-seals it, so the section parser itself sees the damage: whatever
    /// it accepts must be a valid model.
    @Test func corruptPayloadsWithValidDigestsNeverCrash() throws {
        let payload = ModelPayload.encode(model)
        var rng = SeededGenerator(seed: 11)
        var accepted = 0
        for round in 0..<3000 {
            var p = payload
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: p[Int.random(in: 0..<p.count, using: &rng)] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                case 1: p[Int.random(in: 0..<p.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 2: p.removeLast(Int.random(in: 0..<min(p.count, 8), using: &rng))
                default: p.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...p.count, using: &rng))
                }
            }
            let f = try file(payload: p)
            if let m = try? ModelReader.decode(f) {
                accepted += 1
                #expect(throws: Never.self, "round \(round)") { _ = try ModelWriter.encode(m) }
            }
        }
        #expect(accepted < 3000)
    }

    @Test func randomFilesFail() {
        var rng = SeededGenerator(seed: 12)
        for _ in 0..<2000 {
            var f = (0..<Int.random(in: 0...400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if Bool.random(using: &rng) { f.replaceSubrange(0..<min(f.count, 10), with: ModelHeader.magic + [1, 0]) }
            #expect(code(f) != nil)
        }
    }

    @Test func zipBombDeclaringSmallSizeIsRejected() throws {
        let bomb = [UInt8](repeating: 0, count: 8 << 20)
        let deflated = try Deflate.compress(bomb)
        let f = try ModelWriter.assemble(info: model.info, minor: 0, deflated: deflated, inflatedSize: 1000)
        #expect(code(f) == .inflateFailed)
    }

    @Test func payloadShorterThanDeclaredIsRejected() throws {
        let p = ModelPayload.encode(model)
        let f = try ModelWriter.assemble(info: model.info, minor: 0, deflated: Deflate.compress(p),
                                         inflatedSize: p.count + 1)
        #expect(code(f) == .inflateFailed)
    }

    @Test func declaredSizeOverCapOrImpossibleRatioIsRejected() throws {
        let p = ModelPayload.encode(model)
        let d = try Deflate.compress(p)
        #expect(throws: ModelFileError.self) {
            try ModelWriter.assemble(info: model.info, minor: 0, deflated: d, inflatedSize: Deflate.cap + 1)
        }
        var f = try ModelWriter.assemble(info: model.info, minor: 0, deflated: d, inflatedSize: p.count)
        f.replaceSubrange(36..<40, with: [0x01, 0x00, 0x00, 0x04])  // 64 MiB + 1
        #expect(code(f) == .badSize)
        let f2 = try ModelWriter.assemble(info: model.info, minor: 0, deflated: d, inflatedSize: 60 << 20)
        #expect(code(f2) == .badSize, "a few hundred deflated bytes cannot hold 60 MiB")
    }

    @Test func unknownMajorIsRefusedNamingBothVersions() {
        var f = bytes
        f[8] = 2
        do {
            _ = try ModelReader.readHeader(f)
            Issue.record("accepted major 2")
        } catch {
            #expect(error.code == .unsupportedVersion)
            #expect(error.message.contains("2.0") && error.message.contains("major 1"))
        }
    }

    @Test func unknownSectionOfANewerMinorIsSkipped() throws {
        var p = ModelPayload.encode(model)
        p += [0x63, 0x00, 5, 0, 0, 0, 1, 2, 3, 4, 5]  // tag 99, 5 bytes
        let f = try file(payload: p, minor: 7)
        #expect(try ModelReader.decode(f) == model)
        #expect(try ModelReader.readHeader(f).minor == 7)
    }

    @Test func nanScaleIsRejected() throws {
        var m = model
        m.utility[0].scale = .nan
        #expect(code(try file(payload: ModelPayload.encode(m))) == .outOfRange)
        m = model
        m.utility[0].base = .infinity
        #expect(code(try file(payload: ModelPayload.encode(m))) == .outOfRange)
        m = model
        m.bins.edges[0] = [1, .nan]
        #expect(code(try file(payload: ModelPayload.encode(m))) == .outOfRange)
        m = model
        m.actions[0].meanCost = -.infinity
        #expect(code(try file(payload: ModelPayload.encode(m))) == .outOfRange)
    }

    @Test func outOfRangeFeatureIndexIsRejected() throws {
        var m = model
        m.utility[0].splitFeatures[1] = UInt16(m.bins.featureCount)
        let f = try file(payload: ModelPayload.encode(m))
        do {
            _ = try ModelReader.decode(f)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .outOfRange)
            #expect(error.inPayload && error.offset != nil)
        }
    }

    @Test func wrongHeadCountIsRejected() throws {
        var m = model
        m.utility.append(m.utility[0])
        m.cost.append(nil)
        #expect(code(try file(payload: ModelPayload.encode(m))) == .inconsistent)
    }

    @Test func missingAndDuplicateSectionsAreRejected() throws {
        let p = ModelPayload.encode(model)
        #expect(code(try file(payload: [])) == .badSection)
        #expect(code(try file(payload: p + p)) == .badSection)
    }

    @Test func paramsMustBeAJSONObject() throws {
        for bad in ["", "[]", "{", "{\"a\":}", "{\"a\":1,}", "{} {}", "\"x\"", "{\"a\":01}"] {
            var m = model
            m.actions[0].params = bad
            #expect(code(try file(payload: ModelPayload.encode(m))) == .badString, "\(bad)")
        }
    }

    @Test func trailingGarbageAfterPayloadIsRejected() {
        #expect(code(bytes + [0]) == .badSignature)
    }
}

extension ModelReaderTests {
    /// A head declaring 65536 depth-10 trees (67M leaves) over a tiny leaf stream is refused before allocating.
    @Test func hugeLeafCountIsRefusedBeforeAllocating() throws {
        var w: [UInt8] = []
        w += [0, 0, 0, 0]  // base 0
        w += [0, 0, 0x80, 0x3F]  // scale 1
        w += [0x80, 0x80, 0x04]  // 65536 trees
        w += [UInt8](repeating: 10, count: 65536)
        let splits = 655_360
        w += [UInt8](repeating: 0, count: splits * 3)
        w += [UInt8](repeating: 0, count: 65536)  // Rice parameters
        w += [0x01, 0x00]  // 1 leaf byte
        let p = ModelPayload.encode(model)
        // Replace the heads section (tag 4) with one action whose utility head is `w`.
        var out: [UInt8] = []
        var i = 0
        while i < p.count {
            let tag = UInt16(p[i]) | UInt16(p[i + 1]) << 8
            let n = Int(p[i + 2]) | Int(p[i + 3]) << 8 | Int(p[i + 4]) << 16 | Int(p[i + 5]) << 24
            if tag == 4 {
                let body: [UInt8] = [UInt8(model.actions.count)] + [0] + w
                out += [4, 0] + withUnsafeBytes(of: UInt32(body.count).littleEndian, Array.init) + body
            } else {
                out += p[i..<(i + 6 + n)]
            }
            i += 6 + n
        }
        let f = try file(payload: out)
        #expect(throws: ModelFileError.self) { try ModelReader.decode(f) }
        do { _ = try ModelReader.decode(f) } catch { #expect(error.message.contains("cannot hold")) }
    }
}

extension ModelReaderTests {
    @Test func paramsAcceptNestedJSONAndRejectTooDeepNesting() throws {
        var m = model
        m.actions[0].params = "{\"a\": [1, -2.5e-3, true, false, null, \"\\u00e9\\n\", {\"b\": {}}], \"c\": \"\u{1F4B0}\"}"
        #expect(try ModelReader.decode(ModelWriter.encode(m)) == m)
        m.actions[0].params = String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100)
        #expect(code(try file(payload: ModelPayload.encode(m))) == .badString)
        #expect(throws: ModelFileError.self) { try ModelWriter.encode(m) }
    }
}
