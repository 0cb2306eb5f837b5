import AllotModel
import AllotModelWriter
import Testing

@Suite struct ModelCodecTests {
    @Test(arguments: 0..<200) func roundTripRandomModels(seed: Int) throws {
        let m = TestModels.random(seed: UInt64(seed))
        let bytes = try ModelWriter.encode(m)
        #expect(try ModelReader.decode(bytes) == m)
        #expect(try ModelWriter.encode(m) == bytes, "encoding is deterministic")
    }

    @Test func headerIsReadableWithoutInflating() throws {
        let m = TestModels.random(seed: 42)
        var bytes = try ModelWriter.encode(m)
        let header = try ModelReader.readHeader(bytes)
        #expect(header.info == m.info)
        #expect(header.major == ModelHeader.currentMajor)
        #expect(header.signedSize == bytes.count)
        #expect(header.signature == nil)
        // Garbage in the payload does not matter to readHeader: it never touches it.
        for i in header.headerSize..<header.signedSize { bytes[i] = 0xA5 }
        #expect(try ModelReader.readHeader(bytes).info == m.info)
        #expect(throws: ModelFileError.self) { try ModelReader.decode(bytes) }
    }

    @Test func restampChangesVersionAndKeepsModel() throws {
        let m = TestModels.random(seed: 3)
        let bytes = try ModelWriter.encode(m)
        let stamped = try ModelWriter.restamp(bytes, version: 99, id: "renamed")
        let back = try ModelReader.decode(stamped)
        var expected = m
        expected.info.version = 99
        expected.info.id = "renamed"
        #expect(back == expected)
        #expect(try ModelWriter.encode(expected) == stamped)
    }

    @Test func writerRefusesInvalidModels() {
        var m = TestModels.random(seed: 5)
        m.utility[0].scale = .nan
        #expect(throws: ModelFileError.self) { try ModelWriter.encode(m) }
        m = TestModels.random(seed: 5)
        m.actions[0].params = "[1]"
        #expect(throws: ModelFileError.self) { try ModelWriter.encode(m) }
        m = TestModels.random(seed: 5)
        m.cost.append(nil)
        #expect(throws: ModelFileError.self) { try ModelWriter.encode(m) }
        // params allotd could not serve: a lone surrogate escape, nesting past 64 (64 is the most it takes)
        m = TestModels.random(seed: 5)
        m.actions[0].params = #"{"a":"\ud800"}"#
        #expect(throws: ModelFileError.self) { try ModelWriter.encode(m) }
        m.actions[0].params = String(repeating: #"{"a":"#, count: 64) + "{}" + String(repeating: "}", count: 64)
        #expect(throws: ModelFileError.self) { try ModelWriter.encode(m) }
        m.actions[0].params = String(repeating: #"{"a":"#, count: 63) + "{}" + String(repeating: "}", count: 63)
        #expect(throws: Never.self) { try ModelWriter.encode(m) }
    }
}
