/// What a plugin offers: connectors, transformations, predicates and converters, each under a
/// class name (Kafka Connect style, e.g. `io.sluice.connect.file.FileStreamSinkConnector`) and
/// optional short aliases.
public struct PluginManifest: Sendable {
    /// The plugin's name (shown in errors and `/connector-plugins`).
    public var name: String
    public var connectors: [ConnectorPlugin]
    public var transformations: [TransformationPlugin]
    public var predicates: [PredicatePlugin]

    public init(
        name: String, connectors: [ConnectorPlugin] = [], transformations: [TransformationPlugin] = [],
        predicates: [PredicatePlugin] = []
    ) {
        self.name = name
        self.connectors = connectors
        self.transformations = transformations
        self.predicates = predicates
    }
}

/// A connector class a plugin provides.
public struct ConnectorPlugin: Sendable {
    public enum Kind: String, Sendable { case source, sink }

    public var className: String
    public var aliases: [String]
    public var kind: Kind
    public var version: String
    public var configDef: ConfigDef
    public var make: @Sendable () -> any Connector

    public init(
        className: String, aliases: [String] = [], kind: Kind, version: String, configDef: ConfigDef,
        make: @escaping @Sendable () -> any Connector
    ) {
        self.className = className
        self.aliases = aliases
        self.kind = kind
        self.version = version
        self.configDef = configDef
        self.make = make
    }
}

/// A transformation class a plugin provides.
public struct TransformationPlugin: Sendable {
    public var className: String
    public var aliases: [String]
    public var make: @Sendable ([String: String]) throws -> any Transformation

    public init(
        className: String, aliases: [String] = [], make: @escaping @Sendable ([String: String]) throws -> any Transformation
    ) {
        self.className = className
        self.aliases = aliases
        self.make = make
    }
}

/// A predicate class a plugin provides.
public struct PredicatePlugin: Sendable {
    public var className: String
    public var aliases: [String]
    public var make: @Sendable ([String: String]) throws -> any Predicate

    public init(className: String, aliases: [String] = [], make: @escaping @Sendable ([String: String]) throws -> any Predicate) {
        self.className = className
        self.aliases = aliases
        self.make = make
    }
}

/// How a plugin library exports itself. A plugin defines exactly these two C symbols:
///
/// ```swift
/// @_cdecl("sluice_plugin_sdk_version")
/// public func sluicePluginSDKVersion() -> UnsafePointer<CChar> { SluicePlugin.compiledSDKVersion }
///
/// @_cdecl("sluice_plugin_manifest")
/// public func sluicePluginManifest() -> UnsafeMutableRawPointer {
///     SluicePlugin.export(PluginManifest(name: "my-plugin", connectors: [...]))
/// }
/// ```
///
/// The worker reads the version first (a C string compiled into the plugin) and only calls the
/// manifest function when it equals the SDK version the worker runs with.
public enum SluicePlugin {
    /// The SDK version of the library that is loaded (the worker's).
    public static let sdkVersion = "0.1.0"

    /// The SDK version the *plugin* was compiled against: inlined into the plugin binary. Keep
    /// equal to `sdkVersion`; bump both together when any public SDK type changes.
    @_alwaysEmitIntoClient
    public static var compiledSDKVersion: UnsafePointer<CChar> {
        UnsafeRawPointer(("0.1.0" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
    }

    /// Wraps a manifest for `sluice_plugin_manifest` (ownership passes to the worker).
    public static func export(_ manifest: PluginManifest) -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(ManifestBox(manifest)).toOpaque()
    }

    /// Takes ownership of what `export` returned.
    public static func manifest(from pointer: UnsafeMutableRawPointer) -> PluginManifest {
        Unmanaged<ManifestBox>.fromOpaque(pointer).takeRetainedValue().manifest
    }

    final class ManifestBox: Sendable {
        let manifest: PluginManifest
        init(_ manifest: PluginManifest) { self.manifest = manifest }
    }
}
