// swift-tools-version:6.1
// An example Sluice plugin built out of tree: a package of its own that depends on the connector
// SDK package and ships one dynamic library. Copy it to start a plugin; point the SDK dependency
// at your Sluice checkout (or a tagged SDK release).
import PackageDescription

let package = Package(
    name: "CounterPlugin",
    products: [
        .library(name: "CounterPlugin", type: .dynamic, targets: ["CounterPlugin"])
    ],
    dependencies: [
        .package(path: "../../SluiceConnectSDK")
    ],
    targets: [
        .target(name: "CounterPlugin", dependencies: [.product(name: "SluiceConnectSDK", package: "SluiceConnectSDK")])
    ]
)
