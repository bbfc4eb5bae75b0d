// swift-tools-version:6.1
// The Sluice connector SDK: the only types that cross the plugin boundary.
//
// A separate package with a *dynamic* library product (DESIGN.md §5): the worker and every plugin
// link this one shared library, so Swift type metadata exists once and protocol casts work
// across `dlopen`.
import PackageDescription

let package = Package(
    name: "SluiceConnectSDK",
    products: [
        .library(name: "SluiceConnectSDK", type: .dynamic, targets: ["SluiceConnectSDK"])
    ],
    targets: [
        .target(name: "SluiceConnectSDK")
    ]
)

for target in package.targets {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
