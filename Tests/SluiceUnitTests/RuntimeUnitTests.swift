import Foundation
import SluiceConnectSDK
import SluiceRuntime
import Testing

@Suite("Runtime without services")
struct RuntimeUnitTests {
    typealias Machine = LifecycleStateMachine

    @Test("lifecycle: every allowed transition and its actions")
    func transitions() throws {
        var machine = Machine(restartOnFailure: true)
        #expect(machine.state == .unassigned)
        #expect(try machine.handle(.start) == [.startUnit])
        #expect(try machine.handle(.started) == [])
        #expect(machine.state == .running)
        #expect(try machine.handle(.pause) == [.pauseUnit])
        #expect(machine.state == .paused)
        #expect(try machine.handle(.pause) == [])
        #expect(try machine.handle(.resume) == [.resumeUnit])
        #expect(machine.state == .running)
        #expect(try machine.handle(.fail("boom")) == [.reportFailure("boom"), .scheduleRestart])
        #expect(machine.state == .failed)
        #expect(machine.trace == "boom")
        #expect(try machine.handle(.restart) == [.stopUnit, .startUnit])
        #expect(machine.state == .restarting)
        #expect(try machine.handle(.start) == [.startUnit])
        #expect(machine.trace == nil)
        #expect(try machine.handle(.started) == [])
        #expect(try machine.handle(.stop) == [.stopUnit])
        #expect(machine.state == .stopped)
        #expect(try machine.handle(.stop) == [])
        #expect(try machine.handle(.resume) == [.startUnit])
        #expect(machine.state == .unassigned)

        var noRestart = Machine(restartOnFailure: false)
        _ = try noRestart.handle(.start)
        #expect(try noRestart.handle(.fail("x")) == [.reportFailure("x")])
    }

    @Test("lifecycle: nonsensical events are refused")
    func invalidTransitions() throws {
        var machine = Machine()
        #expect(throws: Machine.InvalidTransition.self) { try machine.handle(.pause) }
        #expect(throws: Machine.InvalidTransition.self) { try machine.handle(.resume) }
        _ = try machine.handle(.stop)
        #expect(throws: Machine.InvalidTransition.self) { try machine.handle(.started) }
        #expect(throws: Machine.InvalidTransition.self) { try machine.handle(.fail("x")) }
    }

    @Test("properties files: comments, separators, continuations")
    func properties() {
        let parsed = Properties.parse(
            """
            # comment
            ! also a comment
            a=1
            b : two words
              c=x\\
                y
            empty=
            """)
        #expect(parsed == ["a": "1", "b": "two words", "c": "xy", "empty": ""])
    }

    @Test("worker config: env placeholders, unknown keys and bad values are named")
    func workerConfig() throws {
        let config = try WorkerConfig(
            settings: ["bootstrap.servers": "${env:BROKER}", "offset.flush.interval.ms": "500", "producer.linger.ms": "1"],
            environment: ["BROKER": "127.0.0.1:1234"], hostDescription: "host:1")
        #expect(config.bootstrapServers == "127.0.0.1:1234")
        #expect(config.offsetFlushInterval == .milliseconds(500))
        #expect(config.producerSettings == ["linger.ms": "1"])
        #expect(config.workerID == "host:1")
        let error = #expect(throws: ConfigException.self) {
            try WorkerConfig(
                settings: ["bootstrap.servers": "${env:MISSING}", "offset.flush.intervall.ms": "1"], environment: [:],
                hostDescription: "h")
        }
        #expect(error?.problems.map(\.key).sorted() == ["bootstrap.servers", "offset.flush.intervall.ms"])
    }

    @Test("connector config: sink topics rule and error settings")
    func connectorConfig() throws {
        let sink = try ConnectorConfig(
            [
                "name": "s", "connector.class": "X", "topics": "a,b", "errors.tolerance": "all",
                "errors.deadletterqueue.topic.name": "dlq",
            ],
            sink: true)
        #expect(sink.topics == ["a", "b"])
        #expect(sink.errorsTolerance == .all)
        #expect(sink.deadLetterTopic == "dlq")
        #expect(throws: ConfigException.self) { try ConnectorConfig(["name": "s", "connector.class": "X"], sink: true) }
        let bad = #expect(throws: ConfigException.self) {
            try ConnectorConfig(["name": "s", "connector.class": "X", "tasks.max": "0", "errors.tolerance": "some"], sink: false)
        }
        #expect(bad?.problems.map(\.key).sorted() == ["errors.tolerance", "tasks.max"])
    }

    @Test("transform chain applies predicates with negate")
    func transformChain() throws {
        let config = try ConnectorConfig(
            [
                "name": "c", "connector.class": "X", "transforms": "dropTombstones,route", "predicates": "isTombstone,isOrders",
                "transforms.dropTombstones.type": "org.apache.kafka.connect.transforms.Filter",
                "transforms.dropTombstones.predicate": "isTombstone",
                "transforms.route.type": "RegexRouter", "transforms.route.regex": "(.*)",
                "transforms.route.replacement": "$1-copy",
                "transforms.route.predicate": "isOrders", "transforms.route.negate": "true",
                "predicates.isTombstone.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
                "predicates.isOrders.type": "TopicNameMatches", "predicates.isOrders.pattern": "orders",
            ], sink: false)
        let chain = try TransformChain(config: config, registry: .builtIn())
        func record(_ topic: String, _ value: ConnectValue) -> SourceRecord {
            SourceRecord(sourcePartition: [:], sourceOffset: [:], topic: topic, value: value)
        }
        #expect(try chain.apply(record("orders", .null)) == nil, "tombstones are dropped")
        #expect(try chain.apply(record("orders", .string("x")))?.topic == "orders", "negated predicate: orders not routed")
        #expect(try chain.apply(record("users", .string("x")))?.topic == "users-copy")
        let unknown = try ConnectorConfig(
            ["name": "c", "connector.class": "X", "transforms": "t", "transforms.t.type": "Nope"], sink: false)
        #expect(throws: PluginError.self) { try TransformChain(config: unknown, registry: .builtIn()) }
    }

    @Test("file checkpoint store: durable commits, reload, corrupt file named")
    func fileStore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("offsets.json").path
        let location = CheckpointLocation(name: "local", kind: "file", region: "eu-central-1")
        let store = try FileCheckpointStore(path: path, location: location)
        try await store.commit(
            connector: "c", offsets: [(["table": "a"], ["lsn": 10]), (["table": "b"], ["lsn": 20])],
            provenance: .init(workerID: "w1", taskID: 0))
        try await store.commit(
            connector: "c", offsets: [(["table": "a"], ["lsn": 11])], provenance: .init(workerID: "w1", taskID: 0))
        try await store.commit(
            connector: "other", offsets: [(["p": 1], ["o": 1])], provenance: .init(workerID: "w1", taskID: nil))
        let reloaded = try FileCheckpointStore(path: path, location: location)
        let offsets = await reloaded.offsets(connector: "c")
        #expect(offsets == [["table": "a"]: ["lsn": 11], ["table": "b"]: ["lsn": 20]])
        let entries = await reloaded.allEntries().filter { $0.connector == "c" }
        #expect(entries.map(\.sequence).sorted() == [2, 3])
        #expect(entries.first?.kafkaConnectKey.jsonString.hasPrefix(#"["c",{"table":"#) == true)
        try await reloaded.commit(connector: "c", offsets: [(["table": "b"], nil)], provenance: .init(workerID: "w2", taskID: 0))
        #expect(await reloaded.offsets(connector: "c").count == 1)

        try Data("{broken".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: CheckpointStoreError.self) { try FileCheckpointStore(path: path, location: location) }
        #expect(error?.message.contains(path) == true)
    }
}
