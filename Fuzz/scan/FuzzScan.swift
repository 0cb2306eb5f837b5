// libFuzzer target: the AVX-512 text scan (Sources/CAllotKernels/text_scan.c) against the portable Swift scan,
// bit for bit, on any bytes. The first byte picks the n-gram order (low 2 bits + 1) and the bucket count; the rest
// is the text, passed in libFuzzer's own buffer so a read past its end is caught. Shipped models were trained on
// the portable scan's output, so any difference is a wrong feature in production. Built only by Scripts/fuzz.
@testable import AllotPolicy
import FuzzSupport

private let keywords = KeywordTable.shared
private let bucketChoices = [0, 1, 7, 64, 1000, 65535, 70000]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScan(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count >= 1 else { return 0 }
    let ngramMax = Int(start[0] & 3) + 1
    let buckets = bucketChoices[Int(start[0] >> 2) % bucketChoices.count]
    let text = UnsafeBufferPointer(start: start + 1, count: count - 1)
    func scanned(portable: Bool) -> [UInt32] {
        TextFeatures.features(text, keywords: keywords, ngramMax: ngramMax, buckets: buckets, portable: portable)
            .map(\.bitPattern)
    }
    let fast = scanned(portable: false)
    let reference = scanned(portable: true)
    if fast != reference {
        let i = fast.indices.first { fast[$0] != reference[$0] } ?? -1
        preconditionFailure("scan differs at feature \(i) (order \(ngramMax), \(buckets) buckets)")
    }
    return 0
}

@_cdecl("FuzzScan_main")
public func fuzzScanMain(_ argc: CInt, _ argv: CArgv?) -> CInt {
    runFuzzer(argc: argc, argv: argv) { fuzzScan($0, $1) }
}
