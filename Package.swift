// swift-tools-version:6.1
// Sluice — a Kafka Connect-style connector runtime with sovereign checkpointing.
//
// Layering (arrows point at what a module may import), see DESIGN.md §1:
//   sluice (CLI) → runtime → client wrappers (SluiceKafka, SluicePostgres, SluiceHTTP) → C shims
//   every client wrapper → SluiceSupport (blocking-call executor, backoff)
import PackageDescription

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "SluiceKafka", targets: ["SluiceKafka"]),
        .library(name: "SluicePostgres", targets: ["SluicePostgres"]),
        .library(name: "SluiceHTTP", targets: ["SluiceHTTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // Thin C shims: one header each, found through pkg-config, installed by apt.
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        .target(
            name: "SluiceSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(
            name: "SluiceKafka",
            dependencies: [
                "CRdKafka", "SluiceSupport", .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "SluicePostgres",
            dependencies: [
                "CLibPQ", "SluiceSupport", .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "SluiceHTTP",
            dependencies: [
                "CCurl", "SluiceSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceKafka", "SluicePostgres", "SluiceHTTP", "SluiceSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(
            name: "SluiceUnitTests",
            dependencies: ["SluiceKafka", "SluicePostgres", "SluiceHTTP", "SluiceSupport"]),
        .testTarget(
            name: "SluiceIntegrationTests",
            dependencies: [
                "SluiceKafka", "SluicePostgres", "SluiceHTTP", "SluiceSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
    ]
)

// House style (DESIGN.md §6): Swift 6 mode with strict concurrency everywhere, plus these two
// upcoming features on every target.
for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
