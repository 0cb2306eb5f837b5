/// libFuzzer's driver, for an entry point SwiftPM names itself: SwiftPM links an executable target with
/// `--defsym main=<Target>_main`, so libFuzzer's own `main` is never pulled in and each target defines
/// `<Target>_main` to call this.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
public typealias CArgv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<CArgv?>, _ callback: FuzzCallback
) -> CInt

public func runFuzzer(argc: CInt, argv: CArgv?, _ callback: FuzzCallback) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}
