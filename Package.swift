// swift-tools-version: 6.1
import PackageDescription

// The sidecar (`allotd`) links AllotServer, AllotPolicy, AllotModel and AllotJSON only: none of them may import
// Foundation, so a static build stays small. Only the trainer and the `allot` toolkit may. SwiftPM hands the linker
// every object file of a linked module, used or not, so what only writers need lives in AllotModelWriter.
let package = Package(
    name: "allot",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "allotd", targets: ["allotd"]),
        .executable(name: "allot", targets: ["allot"]),
        .library(name: "AllotModel", targets: ["AllotModel"]),
        .library(name: "AllotModelWriter", targets: ["AllotModelWriter"]),
        .library(name: "AllotPolicy", targets: ["AllotPolicy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CSodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(name: "CAllotShims"),
        // Vector kernels for tree evaluation, the text scan and JSON strings (intrinsics Swift's SIMD types do not
        // lower to), with scalar fallbacks.
        .target(name: "CAllotKernels", cSettings: [.unsafeFlags(["-O3", "-falign-functions=64", "-falign-loops=32"])]),
        .target(name: "AllotJSON", dependencies: ["CAllotKernels"]),
        .target(
            name: "AllotModel", dependencies: ["AllotJSON", "CZlib", "CSodium", "CAllotKernels"],
            linkerSettings: [.linkedLibrary("m")]
        ),
        // Writing, signing and quantizing model files: the toolkit's side, so `allotd` links none of it (nor zlib's
        // deflate).
        .target(name: "AllotModelWriter", dependencies: ["AllotModel", "CZlib", "CSodium"]),
        .target(name: "AllotPolicy", dependencies: ["AllotModel", "AllotJSON"]),
        .target(name: "AllotServer", dependencies: ["AllotPolicy", "AllotModel", "AllotJSON", "CAllotShims"]),
        .target(name: "AllotTrainer", dependencies: ["AllotPolicy", "AllotModel", "AllotModelWriter", "AllotJSON"]),
        .executableTarget(name: "allotd", dependencies: ["AllotServer"]),
        .executableTarget(
            name: "allot",
            dependencies: [
                "AllotTrainer", "AllotPolicy", "AllotModel", "AllotModelWriter", "AllotJSON", "AllotServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "AllotJSONTests", dependencies: ["AllotJSON", "AllotModel"]),
        .testTarget(
            name: "AllotModelTests", dependencies: ["AllotModel", "AllotModelWriter", "AllotJSON"], exclude: ["Fixtures"]),
        .testTarget(
            name: "AllotPolicyTests", dependencies: ["AllotPolicy", "AllotModel", "AllotModelWriter"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "AllotServerTests",
            dependencies: ["AllotServer", "AllotPolicy", "AllotModel", "AllotModelWriter", "AllotJSON"]),
        .testTarget(
            name: "AllotTrainerTests", dependencies: ["AllotTrainer", "AllotPolicy", "AllotModel", "AllotModelWriter"],
            exclude: ["Fixtures"]),
    ]
)

for target in package.targets where target.type != .system && !target.name.hasPrefix("C") {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // The route path crosses five modules in small calls (JSONCursor.take, Pacer.reserve, ...): let them inline.
    // +29 KB on the static allotd.
    settings.append(.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)))
    target.swiftSettings = settings
}

// --- Fuzz targets (issue 7; owned by the reliability work): only when ALLOT_FUZZ is set, so normal builds and
// CI never see them. Scripts/fuzz sets it and builds with -sanitize=fuzzer,address.
if Context.environment["ALLOT_FUZZ"] != nil {
    package.targets += [
        .target(name: "FuzzSupport", dependencies: ["AllotModel", "AllotModelWriter", "AllotPolicy"], path: "Fuzz/support"),
        .executableTarget(
            name: "FuzzRequest", dependencies: ["AllotServer", "AllotJSON", "AllotPolicy", "AllotModel", "FuzzSupport"],
            path: "Fuzz/request", exclude: ["corpus"]),
        .executableTarget(
            name: "FuzzModelReader", dependencies: ["AllotModel", "AllotModelWriter", "AllotPolicy", "FuzzSupport"],
            path: "Fuzz/model", exclude: ["corpus"]),
        .executableTarget(
            name: "FuzzState", dependencies: ["AllotServer", "AllotPolicy", "AllotModel", "FuzzSupport"],
            path: "Fuzz/state", exclude: ["corpus"]),
        .executableTarget(
            name: "FuzzScan", dependencies: ["AllotPolicy", "FuzzSupport"], path: "Fuzz/scan", exclude: ["corpus"]),
    ]
}
