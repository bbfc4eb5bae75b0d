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
        .library(name: "SluiceDatagenConnector", type: .dynamic, targets: ["SluiceDatagenConnector"]),
        .library(name: "SluiceFileConnector", type: .dynamic, targets: ["SluiceFileConnector"]),
        .library(name: "SluiceS3SinkConnector", type: .dynamic, targets: ["SluiceS3SinkConnector"]),
        .library(name: "SluicePostgresCDCConnector", type: .dynamic, targets: ["SluicePostgresCDCConnector"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // The REST API (Kafka Connect's contract) and its Prometheus metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The connector SDK is its own package with a dynamic product (DESIGN.md §5).
        .package(path: "connectors/SluiceConnectSDK"),
    ],
    targets: [
        // Thin C shims: one header each, found through pkg-config, installed by apt.
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // glibc's <malloc.h> (mallopt): part of libc, nothing to install.
        .systemLibrary(name: "CMalloc"),

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
        .target(
            name: "SluiceTransforms",
            dependencies: [.product(name: "SluiceConnectSDK", package: "SluiceConnectSDK")]),
        .target(
            name: "SluiceRuntime",
            dependencies: [
                "SluiceKafka", "SluicePostgres", "SluiceHTTP", "SluiceSupport", "SluiceTransforms",
                .product(name: "SluiceConnectSDK", package: "SluiceConnectSDK"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(
            name: "SluiceREST",
            dependencies: [
                "SluiceRuntime", "SluiceSupport",
                .product(name: "SluiceConnectSDK", package: "SluiceConnectSDK"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // Plugins shipped with Sluice: dynamic libraries that depend on the SDK only.
        .target(
            name: "SluiceDatagenConnector",
            dependencies: [.product(name: "SluiceConnectSDK", package: "SluiceConnectSDK")],
            path: "connectors/datagen/Sources"),
        .target(
            name: "SluiceFileConnector",
            dependencies: [.product(name: "SluiceConnectSDK", package: "SluiceConnectSDK")],
            path: "connectors/file/Sources"),
        .target(
            name: "PostgresCDCCore",
            dependencies: [.product(name: "SluiceConnectSDK", package: "SluiceConnectSDK")],
            path: "connectors/postgres-cdc/Core"),
        .target(
            name: "SluicePostgresCDCConnector",
            dependencies: [
                "PostgresCDCCore", "SluicePostgres", .product(name: "SluiceConnectSDK", package: "SluiceConnectSDK"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "connectors/postgres-cdc/Sources"),
        .target(
            name: "SluiceS3SinkConnector",
            dependencies: [
                "SluiceHTTP", "SluiceSupport", "CZlib", .product(name: "SluiceConnectSDK", package: "SluiceConnectSDK"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "connectors/s3-sink/Sources"),

        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceKafka", "SluicePostgres", "SluiceHTTP", "SluiceSupport", "SluiceRuntime", "SluiceREST", "CMalloc",
                .product(name: "SluiceConnectSDK", package: "SluiceConnectSDK"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        .testTarget(
            name: "SluiceUnitTests",
            dependencies: [
                "SluiceKafka", "SluicePostgres", "SluiceHTTP", "SluiceSupport", "SluiceTransforms", "SluiceRuntime",
                .product(name: "SluiceConnectSDK", package: "SluiceConnectSDK"),
            ]),
        .testTarget(
            name: "PostgresCDCCoreTests",
            dependencies: ["PostgresCDCCore", .product(name: "SluiceConnectSDK", package: "SluiceConnectSDK")]),
        .testTarget(
            name: "SluiceS3SinkTests",
            dependencies: [
                "SluiceS3SinkConnector", "SluiceHTTP", "CZlib", .product(name: "SluiceConnectSDK", package: "SluiceConnectSDK"),
            ]),
        .testTarget(
            name: "SluiceTransformsTests",
            dependencies: ["SluiceTransforms", .product(name: "SluiceConnectSDK", package: "SluiceConnectSDK")]),
        .testTarget(
            name: "SluiceIntegrationTests",
            dependencies: [
                "SluiceKafka", "SluicePostgres", "SluiceHTTP", "SluiceSupport", "SluiceRuntime",
                .product(name: "SluiceConnectSDK", package: "SluiceConnectSDK"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                // The fake Vault server of the secrets tests.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Resources"]),
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
