import SluiceConnectSDK

@_cdecl("sluice_plugin_sdk_version")
public func sluicePluginSDKVersion() -> UnsafePointer<CChar> { SluicePlugin.compiledSDKVersion }

@_cdecl("sluice_plugin_manifest")
public func sluicePluginManifest() -> UnsafeMutableRawPointer {
    SluicePlugin.export(
        PluginManifest(
            name: "sluice-file",
            connectors: [
                ConnectorPlugin(
                    className: FileStreamSinkConnector.className, aliases: ["FileStreamSinkConnector", "FileStreamSink"],
                    kind: .sink,
                    version: "0.1.0", configDef: FileStreamSinkConnector.definition, make: { FileStreamSinkConnector() }),
                ConnectorPlugin(
                    className: FileStreamSourceConnector.className, aliases: ["FileStreamSourceConnector", "FileStreamSource"],
                    kind: .source, version: "0.1.0", configDef: FileStreamSourceConnector.definition,
                    make: { FileStreamSourceConnector() }),
            ]))
}
