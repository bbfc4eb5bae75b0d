import Foundation
import Logging
import SluiceConnectSDK

#if canImport(Glibc)
    import Glibc
#endif

/// Loads plugin libraries from `plugin.path` (DESIGN.md §5): every `.so` in the listed
/// directories (or listed directly) that exports `sluice_plugin_sdk_version` and
/// `sluice_plugin_manifest`. Libraries without those symbols (the SDK itself, dependencies) are
/// skipped. A plugin built against another SDK version is refused before any of its Swift code
/// runs. Libraries are never unloaded (`RTLD_NODELETE`).
public struct PluginLoader: Sendable {
    public var logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// A loaded plugin and the file it came from.
    public struct Loaded: Sendable {
        public var path: String
        public var manifest: PluginManifest
    }

    /// Every plugin found under `paths`; throws for the first broken or incompatible one.
    public func load(paths: [String]) throws(PluginError) -> [Loaded] {
        var loaded: [Loaded] = []
        for path in paths {
            for file in libraries(at: path) {
                if let plugin = try loadLibrary(file) { loaded.append(plugin) }
            }
        }
        return loaded
    }

    func libraries(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            logger.warning("plugin.path entry does not exist", metadata: ["path": "\(path)"])
            return []
        }
        guard isDirectory.boolValue else { return [path] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        // The SDK itself is already loaded by the worker; a second copy must never be opened.
        return entries.filter { $0.hasSuffix(".so") && $0 != "libSluiceConnectSDK.so" }.sorted().map { "\(path)/\($0)" }
    }

    /// Loads one library; `nil` when it is not a Sluice plugin.
    public func loadLibrary(_ path: String) throws(PluginError) -> Loaded? {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw PluginError(code: .broken, message: "cannot load plugin \(path): \(reason)")
        }
        guard let versionSymbol = dlsym(handle, "sluice_plugin_sdk_version") else {
            logger.debug("not a Sluice plugin (no sluice_plugin_sdk_version)", metadata: ["path": "\(path)"])
            return nil
        }
        typealias VersionFunction = @convention(c) () -> UnsafePointer<CChar>
        let version = String(cString: unsafeBitCast(versionSymbol, to: VersionFunction.self)())
        guard version == SluicePlugin.sdkVersion else {
            throw PluginError(
                code: .incompatible,
                message:
                    "plugin \(path) was built against Sluice connector SDK \(version), but this worker runs SDK \(SluicePlugin.sdkVersion); "
                    + "rebuild the plugin against SDK \(SluicePlugin.sdkVersion) with the same Swift toolchain")
        }
        guard let manifestSymbol = dlsym(handle, "sluice_plugin_manifest") else {
            throw PluginError(
                code: .broken, message: "plugin \(path) exports sluice_plugin_sdk_version but not sluice_plugin_manifest")
        }
        typealias ManifestFunction = @convention(c) () -> UnsafeMutableRawPointer
        let manifest = SluicePlugin.manifest(from: unsafeBitCast(manifestSymbol, to: ManifestFunction.self)())
        logger.info(
            "loaded plugin",
            metadata: [
                "plugin": "\(manifest.name)", "path": "\(path)",
                "connectors": "\(manifest.connectors.map(\.className).joined(separator: ","))",
            ])
        return Loaded(path: path, manifest: manifest)
    }
}
