// libFuzzer target: the `.allot` reader (`ModelReader.decode`) and what allotd does with a file it accepts
// (build the Policy, route one request). Built only by Scripts/fuzz (ALLOT_FUZZ=1, -sanitize=fuzzer,address,
// -enable-testing for the package/internal codec pieces).
//
// Random bytes rarely get past the SHA-256 and CRC-32 checks, so byte 0 picks how the rest is used:
// 0: the file, as is;
// 1: the file, with its CRC-32 and SHA-256 recomputed over the ranges its header declares (mutations reach the
//    inflater and the section decoder);
// 2: the inflated payload, wrapped in a valid header and deflate stream (mutations reach every section);
// 3: a deflate stream with a declared inflated size (first 4 bytes, little-endian), wrapped in a valid header:
//    bombs, lies about the size, truncated streams.
// Oracles besides "no crash, trap, leak, hang or huge allocation" under ASan: a decoded model re-encodes and
// decodes back to an equal model; the policy routes it to a valid action.
import AllotModel
import AllotPolicy
import FuzzSupport
import Glibc

@testable import AllotModel
import AllotModelWriter

private let info = ModelInfo(id: "fuzz", version: 1, createdAt: 1_700_000_000, costUnit: "tokens")

private func fixChecksums(_ file: inout [UInt8]) {
    guard let header = try? ModelReader.readHeader(file), header.signedSize <= file.count else { return }
    let crc = Digest.crc32(file, header.headerSize..<header.signedSize)
    for k in 0..<4 { file[40 + k] = UInt8(truncatingIfNeeded: crc >> (8 * k)) }
    guard let sha = try? Digest.sha256(file, end: header.signedSize, zeroing: ModelHeader.shaRange) else { return }
    file.replaceSubrange(ModelHeader.shaRange, with: sha)
}

private func exercise(_ model: AllotModelFile) {
    let again = try! ModelWriter.encode(model)
    precondition(try! ModelReader.decode(again) == model, "decode(encode(m)) != m")
    guard let policy = try? Policy(model: model) else { return }
    var scratch = DecisionScratch(policy: policy)
    var text = "Janet's ducks lay 16 eggs per day; how many in a week?"
    let action = text.withUTF8 { policy.decide(text: $0, lambda: 0.01, scratch: &scratch) }
    precondition(action >= 0 && action < model.actions.count, "action out of range")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let mode = start[0] % 4
    var rest = Array(UnsafeBufferPointer(start: start + 1, count: count - 1))
    var file: [UInt8]
    switch mode {
    case 0:
        file = rest
    case 1:
        fixChecksums(&rest)
        file = rest
    case 2:
        guard let deflated = try? Deflate.compress(rest),
            let f = try? ModelWriter.assemble(info: info, minor: ModelHeader.currentMinor, deflated: deflated,
                                              inflatedSize: rest.count)
        else { return 0 }
        file = f
    default:
        guard rest.count >= 4 else { return 0 }
        let size = rest[0..<4].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard let f = try? ModelWriter.assemble(info: info, minor: ModelHeader.currentMinor,
                                                deflated: Array(rest[4...]), inflatedSize: size)
        else { return 0 }
        file = f
    }
    if let model = try? ModelReader.decode(file) { exercise(model) }
    return 0
}

/// `FuzzModelReader -seeds DIR`-style helper: with ALLOT_FUZZ_SEEDS=DIR set, writes the seed corpus and exits.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    guard let dir = getenv("ALLOT_FUZZ_SEEDS").map({ String(cString: $0) }) else { return 0 }
    let model = try! FuzzModel.file()
    let file = try! ModelWriter.encode(model)
    let payload = ModelPayload.encode(model)
    let deflated = try! Deflate.compress(payload)
    var size = [UInt8]()
    for k in 0..<4 { size.append(UInt8(truncatingIfNeeded: payload.count >> (8 * k))) }
    let seeds: [(String, [UInt8])] = [
        ("file-raw", [0] + file), ("file-fixed", [1] + file), ("payload", [2] + payload),
        ("deflated", [3] + size + deflated),
        // declares 4 KiB, inflates to 1 MiB
        ("bomb", [3, 0, 0x10, 0, 0] + (try! Deflate.compress([UInt8](repeating: 0, count: 1 << 20)))),
    ]
    for (name, bytes) in seeds {
        let fd = open(dir + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        bytes.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
    exit(0)
}

@_cdecl("FuzzModelReader_main")
public func fuzzModelMain(_ argc: CInt, _ argv: CArgv?) -> CInt {
    runFuzzer(argc: argc, argv: argv) { fuzzModel($0, $1) }
}
