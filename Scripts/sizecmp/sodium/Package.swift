// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sodiumcheck",
    targets: [
        .systemLibrary(name: "CSodium"),
        .executableTarget(name: "sodiumcheck", dependencies: ["CSodium"]),
    ]
)
