// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cryptocheck",
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
    ],
    targets: [
        .executableTarget(name: "cryptocheck", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
    ]
)
