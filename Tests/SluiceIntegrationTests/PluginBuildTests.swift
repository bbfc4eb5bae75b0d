import Foundation
import Glibc
import SluiceConnectSDK
import SluiceKafka
import SluiceRuntime
import Testing

extension Integration {
    /// Builds the example plugin (connectors/examples/counter) out of tree against the SDK package,
    /// as a plugin author would, and loads it into a worker.
    @Suite("Plugins built out of tree")
    struct PluginBuildTests {
        /// Copies the example into `directory`, pointing its SDK dependency at `sdk`, builds it and
        /// returns the built plugin library.
        func buildExample(in directory: URL, sdk: URL) async throws -> URL {
            let source = TestStack.root.appendingPathComponent("connectors/examples/counter")
            let package = directory.appendingPathComponent("counter")
            try FileManager.default.copyItem(at: source, to: package)
            let manifestURL = package.appendingPathComponent("Package.swift")
            let manifest = try String(contentsOf: manifestURL, encoding: .utf8)
                .replacingOccurrences(of: "\"../../SluiceConnectSDK\"", with: "\"\(sdk.path)\"")
            try manifest.write(to: manifestURL, atomically: true, encoding: .utf8)
            let log = directory.appendingPathComponent("build.log").path
            let status = try await ChildProcess.spawn(
                "/usr/bin/env", ["swift", "build", "--package-path", package.path, "--product", "CounterPlugin"], output: log
            ).wait()
            guard status == 0 else {
                throw StackError(
                    "building the example plugin failed:\n\((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(3000) ?? "")"
                )
            }
            return package.appendingPathComponent(".build/debug/libCounterPlugin.so")
        }

        func temporaryDirectory() throws -> URL {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-plugin-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return directory
        }

        @Test("a plugin built out of tree against the SDK is loaded from plugin.path and runs in the worker")
        func outOfTreePluginRuns() async throws {
            let directory = try temporaryDirectory()
            let library = try await buildExample(
                in: directory, sdk: TestStack.root.appendingPathComponent("connectors/SluiceConnectSDK"))
            let plugins = directory.appendingPathComponent("plugins")
            try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: library, to: plugins.appendingPathComponent("libCounterPlugin.so"))

            let harness = try WorkerHarness()
            let topic = TestStack.unique("counter")
            let workerConfig = harness.directory.appendingPathComponent("worker.properties").path
            try """
            bootstrap.servers=\(try TestStack.value("SLUICE_KAFKA_BOOTSTRAP"))
            offset.storage.file.filename=\(harness.offsetsFile)
            offset.flush.interval.ms=500
            plugin.path=\(plugins.path)
            value.converter=org.apache.kafka.connect.storage.StringConverter
            """.write(toFile: workerConfig, atomically: true, encoding: .utf8)
            let connector = harness.directory.appendingPathComponent("counter.json").path
            try
                #"{"name":"\#(topic)","config":{"connector.class":"com.example.CounterSourceConnector","topic":"\#(topic)","count":"100"}}"#
                .write(toFile: connector, atomically: true, encoding: .utf8)
            let worker = try harness.start([connector], workerConfig: workerConfig)
            let messages = try await WorkerHarness.readAll(topic: topic, expected: 100, timeout: .seconds(60))
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0)
            #expect(harness.logText.contains("loaded plugin"), "\(harness.logText.suffix(2000))")
            #expect(Set(messages.map { String(decoding: $0.value ?? [], as: UTF8.self) }) == Set((0..<100).map { "count-\($0)" }))
        }

        @Test("a plugin built against another SDK version is refused with a clear message")
        func incompatiblePluginRefused() async throws {
            let directory = try temporaryDirectory()
            let otherSDK = directory.appendingPathComponent("SluiceConnectSDK")
            try FileManager.default.copyItem(
                at: TestStack.root.appendingPathComponent("connectors/SluiceConnectSDK"), to: otherSDK)
            try? FileManager.default.removeItem(at: otherSDK.appendingPathComponent(".build"))
            let pluginFile = otherSDK.appendingPathComponent("Sources/SluiceConnectSDK/Plugin.swift")
            let text = try String(contentsOf: pluginFile, encoding: .utf8)
            #expect(text.contains("(\"\(SluicePlugin.sdkVersion)\" as StaticString)"))
            try text.replacingOccurrences(
                of: "(\"\(SluicePlugin.sdkVersion)\" as StaticString)", with: "(\"9.9.9\" as StaticString)"
            )
            .write(to: pluginFile, atomically: true, encoding: .utf8)
            let library = try await buildExample(in: directory, sdk: otherSDK)
            let error = #expect(throws: PluginError.self) {
                _ = try PluginLoader(logger: TestStack.logger("loader")).loadLibrary(library.path)
            }
            #expect(error?.code == .incompatible)
            #expect(error?.message.contains("9.9.9") == true)
            #expect(error?.message.contains(SluicePlugin.sdkVersion) == true)
            #expect(error?.message.contains("rebuild") == true)
        }

        @Test("a broken library and a duplicate class are refused with clear messages")
        func brokenAndDuplicate() throws {
            let directory = try temporaryDirectory()
            let broken = directory.appendingPathComponent("libBroken.so")
            try Data("not an ELF file".utf8).write(to: broken)
            let error = #expect(throws: PluginError.self) {
                _ = try PluginLoader(logger: TestStack.logger("loader")).loadLibrary(broken.path)
            }
            #expect(error?.code == .broken)
            #expect(error?.message.contains(broken.path) == true)

            var registry = PluginRegistry.builtIn()
            let duplicate = PluginManifest(
                name: "dup",
                transformations: [
                    TransformationPlugin(className: "org.apache.kafka.connect.transforms.Filter") { _ in fatalError() }
                ])
            let clash = #expect(throws: PluginError.self) { try registry.register(duplicate, origin: "/plugins/dup.so") }
            #expect(clash?.code == .duplicate)
            #expect(clash?.message.contains("/plugins/dup.so") == true)
        }
    }
}
