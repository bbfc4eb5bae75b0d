import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka
import SluiceSupport
import Synchronization

/// Status of one connector or task, as the REST status endpoints report it.
public struct UnitStatus: Sendable, Equatable {
    public var state: LifecycleState
    public var workerID: String
    public var trace: String?
}

/// A connector's status with its tasks (`GET /connectors/{c}/status`).
public struct ConnectorStatus: Sendable, Equatable {
    public var name: String
    public var connector: UnitStatus
    public var tasks: [(id: Int, status: UnitStatus)]
    public var type: ConnectorPlugin.Kind

    public static func == (lhs: ConnectorStatus, rhs: ConnectorStatus) -> Bool {
        lhs.name == rhs.name && lhs.connector == rhs.connector && lhs.type == rhs.type
            && lhs.tasks.map(\.id) == rhs.tasks.map(\.id) && lhs.tasks.map(\.status) == rhs.tasks.map(\.status)
    }
}

/// A connector's definition (`GET /connectors/{c}`): the raw config and its task ids.
public struct ConnectorInfo: Sendable, Equatable {
    public var name: String
    /// As stored: placeholders unresolved, inline PASSWORD values hidden.
    public var config: [String: String]
    public var tasks: [TaskID]
    public var type: ConnectorPlugin.Kind
}

/// Runs connectors and their tasks in one worker process (Kafka Connect's standalone mode):
/// instantiates connectors from the plugin registry, validates configs, creates task runners,
/// supervises them (automatic restart of failed tasks with capped backoff), keeps every
/// connector's raw config and target state in the connector-config store, and stops everything
/// on shutdown, committing offsets.
///
/// Mutations (create, update, pause, stop, restart, offsets…) run one at a time; reads see the
/// state between mutations.
public actor StandaloneHerder {
    final class TaskHolder: Sendable {
        let id: TaskID
        let config: [String: String]
        let control = TaskControl()
        let machine: Mutex<LifecycleStateMachine>
        let supervisor = Mutex<Task<Void, Never>?>(nil)

        init(id: TaskID, config: [String: String], restartOnFailure: Bool) {
            self.id = id
            self.config = config
            machine = Mutex(LifecycleStateMachine(restartOnFailure: restartOnFailure))
        }

        func handle(_ event: LifecycleStateMachine.Event) {
            machine.withLock { _ = try? $0.handle(event) }
        }

        var status: (LifecycleState, String?) { machine.withLock { ($0.state, $0.trace) } }

        /// Asks the task to stop (committing its offsets) and waits until it has.
        func stop() async {
            control.set(.stopping)
            handle(.stop)
            await supervisor.withLock { $0 }?.value
        }
    }

    struct ConnectorHolder {
        var config: ConnectorConfig
        var plugin: ConnectorPlugin
        /// The running connector instance; nil while STOPPED or after it failed to start.
        var connector: (any Connector)?
        var machine: LifecycleStateMachine
        var target: TargetState
        var tasks: [TaskHolder]
        let topics: TopicTracker
        /// Re-resolves the config's secrets when they expire and restarts the tasks if one changed.
        var reloader: Task<Void, Never>?

        var stored: StoredConnector {
            StoredConnector(name: config.name, config: config.raw, targetState: target, topics: topics.sorted)
        }
    }

    let worker: WorkerConfig
    public nonisolated let registry: PluginRegistry
    let store: any CheckpointStore
    let producer: KafkaProducer
    let kafka: KafkaConfiguration
    let configStore: ConnectorConfigStore?
    let providers: ConfigProviders
    /// Places each connector's checkpoints at its location and checks the residency policy
    /// (nil when the worker defines no locations).
    public nonisolated let placer: CheckpointPlacer?
    /// The audit trail every lifecycle change is written to (write-ahead: before it is applied).
    public nonisolated let audit: AuditLog?
    let logger: Logger
    var connectors: [String: ConnectorHolder] = [:]
    private var mutating = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(
        worker: WorkerConfig, registry: PluginRegistry, store: any CheckpointStore, producer: KafkaProducer,
        kafka: KafkaConfiguration, configStore: ConnectorConfigStore? = nil,
        providers: ConfigProviders = ConfigProviders(providers: [:]), placer: CheckpointPlacer? = nil,
        audit: AuditLog? = nil, logger: Logger
    ) {
        self.worker = worker
        self.registry = registry
        self.store = store
        self.producer = producer
        self.kafka = kafka
        self.configStore = configStore
        self.providers = providers
        self.placer = placer
        self.audit = audit
        self.logger = logger
    }

    public nonisolated var workerID: String { worker.workerID }

    // MARK: Validation

    /// Validates `raw` against the common keys and the connector's own definition; every problem
    /// names its key.
    public func validate(_ raw: [String: String]) async throws -> (ConnectorConfig, ConnectorPlugin) {
        guard let className = raw["connector.class"], !className.isEmpty else {
            throw ConfigException(key: "connector.class", "connector.class is required")
        }
        let plugin = try registry.connector(className)
        try checkInlineSecrets(raw, plugin: plugin)
        // The whole definition first, so one answer lists every bad key.
        _ = try definition(of: plugin).parse(try await resolve(raw).config)
        let config = try ConnectorConfig(raw, sink: plugin.kind == .sink)
        _ = try TransformChain(config: config, registry: registry)
        _ = try RecordConverters(worker: worker, connector: config)
        return (config, plugin)
    }

    /// The plugin's keys merged with the runtime's common keys.
    public nonisolated func definition(of plugin: ConnectorPlugin) -> ConfigDef {
        plugin.configDef.merging(plugin.kind == .sink ? ConnectorConfig.sinkDefinition : ConnectorConfig.definition)
    }

    /// Per-key validation of a proposed config, as `PUT /connector-plugins/{p}/config/validate`
    /// reports it: every defined key with its value (PASSWORD values hidden) and errors, plus the
    /// common-key and transform errors.
    public func validationReport(plugin: ConnectorPlugin, _ raw: [String: String]) async -> [ConfigValueReport] {
        let values: [String: String]
        var extra: [ConfigValueReport] = []
        do {
            try checkInlineSecrets(raw, plugin: plugin)
            values = try await resolve(raw).config
        } catch let error as ConfigException {
            values = raw
            extra += error.problems.map {
                ConfigValueReport(name: $0.key, value: nil, recommendedValues: [], errors: [$0.message])
            }
        } catch {
            values = raw
        }
        var reports = definition(of: plugin).validate(values).map { report in
            var report = report
            if let raw = raw[report.name], raw.contains("${") { report.value = raw }
            return report
        }
        do {
            let config = try ConnectorConfig(raw, sink: plugin.kind == .sink)
            _ = try TransformChain(config: config, registry: registry)
            _ = try RecordConverters(worker: worker, connector: config)
        } catch let error as ConfigException {
            for problem in error.problems {
                if let index = reports.firstIndex(where: { $0.name == problem.key }) {
                    if !reports[index].errors.contains(problem.message) { reports[index].errors.append(problem.message) }
                } else {
                    extra.append(
                        ConfigValueReport(name: problem.key, value: nil, recommendedValues: [], errors: [problem.message]))
                }
            }
        } catch {
            extra.append(ConfigValueReport(name: "connector.class", value: nil, recommendedValues: [], errors: ["\(error)"]))
        }
        return reports + extra
    }

    /// `${provider:path:key}` placeholders resolved in memory (never stored).
    func resolve(_ raw: [String: String]) async throws -> ConfigProviders.Resolution {
        try await providers.resolve(raw)
    }

    /// `secrets.inline.policy`: a PASSWORD key should be a provider reference, not the secret.
    func checkInlineSecrets(_ raw: [String: String], plugin: ConnectorPlugin) throws {
        let inline = definition(of: plugin).passwordKeys.filter { key in
            guard let value = raw[key], !value.isEmpty, value != Redaction.placeholder else { return false }
            return SecretReference.scan(value).isEmpty
        }.sorted()
        guard !inline.isEmpty else { return }
        switch worker.secretsInlinePolicy {
        case "refuse":
            throw ConfigException(
                problems: inline.map {
                    (
                        $0,
                        "\($0) is a secret given inline; secrets.inline.policy=refuse requires a config provider reference "
                            + "such as ${file:/etc/sluice/secrets.properties:\($0)} or ${vault:secret/data/app:\($0)}"
                    )
                })
        case "warn":
            logger.warning(
                "secret given inline; use a config provider reference (secrets.inline.policy=warn)",
                metadata: ["connector": "\(raw["name"] ?? "?")", "keys": "\(inline.joined(separator: ","))"])
        default:
            break
        }
    }

    // MARK: Reads

    public var connectorNames: [String] { connectors.keys.sorted() }

    public func info(_ name: String) throws(HerderError) -> ConnectorInfo {
        let holder = try existing(name)
        return ConnectorInfo(
            name: name, config: shown(holder.config.raw, plugin: holder.plugin), tasks: holder.tasks.map(\.id),
            type: holder.plugin.kind)
    }

    /// Connector and task states.
    public func status(_ name: String) throws(HerderError) -> ConnectorStatus {
        let holder = try existing(name)
        return ConnectorStatus(
            name: name,
            connector: UnitStatus(
                state: holder.machine.state, workerID: worker.workerID,
                trace: holder.machine.trace.map(SecretRedactor.shared.redact)),
            tasks: holder.tasks.map {
                (
                    $0.id.task,
                    UnitStatus(
                        state: $0.status.0, workerID: worker.workerID, trace: $0.status.1.map(SecretRedactor.shared.redact))
                )
            },
            type: holder.plugin.kind)
    }

    /// Task configs as the tasks were given them, with every value that came from a placeholder
    /// or a PASSWORD key hidden: resolved secrets never leave the process.
    public func taskConfigs(_ name: String) throws(HerderError) -> [(id: TaskID, config: [String: String])] {
        let holder = try existing(name)
        let passwords = definition(of: holder.plugin).passwordKeys
        return holder.tasks.map { task in
            var config = task.config
            for (key, value) in config {
                if let raw = holder.config.raw[key], raw.contains("${") {
                    config[key] = raw
                } else if passwords.contains(key) || (holder.config.raw[key] == nil && Redaction.isSecret(key: key)) {
                    config[key] = value.isEmpty ? value : Redaction.placeholder
                }
            }
            return (task.id, config)
        }
    }

    public func topics(_ name: String) throws(HerderError) -> [String] { try existing(name).topics.sorted }

    /// Empties the connector's active-topic set (`PUT /connectors/{c}/topics/reset`).
    public func resetTopics(_ name: String) async throws {
        let holder = try existing(name)
        try await emit(
            "connector.topics.reset", connector: name, data: ["topics": .array(holder.topics.sorted.map(JSONValue.string))])
        holder.topics.reset()
        persist()
    }

    /// The raw config: placeholders unresolved, inline PASSWORD values hidden.
    public func config(_ name: String) throws(HerderError) -> [String: String] {
        let holder = try existing(name)
        return shown(holder.config.raw, plugin: holder.plugin)
    }

    /// The config exactly as stored (for merging a `PATCH`); never returned to a client.
    public func rawConfig(_ name: String) throws(HerderError) -> [String: String] { try existing(name).config.raw }

    /// The committed offsets of a connector (sources: its source partitions; sinks:
    /// `kafka_topic`/`kafka_partition` → `kafka_offset`).
    public func offsets(_ name: String) async throws -> [(partition: JSONObject, offset: JSONObject)] {
        _ = try existing(name)
        let offsets: [(partition: JSONObject, offset: JSONObject)] = try await store.offsets(connector: name).map {
            (partition: $0.key, offset: $0.value)
        }
        return offsets.sorted { JSONValue.object($0.partition).jsonString < JSONValue.object($1.partition).jsonString }
    }

    // MARK: Mutations

    /// Creates a connector (409 if it exists) and starts it in `initialState`.
    @discardableResult
    public func create(_ raw: [String: String], initialState: TargetState = .running) async throws -> ConnectorInfo {
        try await serialized {
            guard let name = raw["name"], !name.isEmpty else { throw ConfigException(key: "name", "name is required") }
            guard connectors[name] == nil else { throw HerderError.conflict("Connector \(name) already exists") }
            let admitted = try await admit(
                raw, event: "connector.created", before: nil, extra: ["initialState": .string(initialState.rawValue)])
            try await install(admitted, target: initialState)
            return try info(name)
        }
    }

    /// Creates or replaces a connector (`PUT /connectors/{c}/config`); `created` tells which.
    @discardableResult
    public func put(_ raw: [String: String]) async throws -> (created: Bool, info: ConnectorInfo) {
        try await serialized {
            guard let name = raw["name"], !name.isEmpty else { throw ConfigException(key: "name", "name is required") }
            let existing = connectors[name]
            var raw = raw
            if let existing {
                // A client that echoes back a hidden PASSWORD keeps the stored value.
                for key in definition(of: existing.plugin).passwordKeys where raw[key] == Redaction.placeholder {
                    raw[key] = existing.config.raw[key]
                }
            }
            // Validation, the residency gate and the audit event come first: a refused update
            // leaves the running connector untouched.
            let admitted = try await admit(
                raw, event: existing == nil ? "connector.created" : "connector.updated", before: existing?.config.raw)
            var target = TargetState.running
            if let existing {
                target = existing.target
                await shutDown(name)
                connectors[name] = nil
            }
            try await install(admitted, target: target, topics: existing?.topics.sorted ?? [])
            return (existing == nil, try info(name))
        }
    }

    /// Validates a connector config, checks it against the residency policy and writes its audit
    /// event (refused under `audit.failure.policy=block` when the trail cannot be written).
    func admit(
        _ raw: [String: String], event: String?, before: [String: String]?, extra: JSONObject = [:]
    ) async throws -> (ConnectorConfig, ConnectorPlugin) {
        let admitted = try await validate(raw)
        try await residencyGate(raw)
        if let event {
            var data = extra
            data["connector"] = .string(admitted.0.name)
            data["class"] = .string(admitted.1.className)
            data["configDigestBefore"] = AuditEvent.configDigest(before)
            data["configDigestAfter"] = AuditEvent.configDigest(raw)
            try await emit(event, connector: admitted.0.name, data: data)
        }
        return admitted
    }

    /// Writes one audit event about a connector (or one of its tasks).
    func emit(_ type: String, connector: String, task: Int? = nil, data: JSONObject = [:]) async throws {
        guard let audit else { return }
        var data = data
        data["connector"] = .string(connector)
        if let task { data["task"] = .int(Int64(task)) }
        try await audit.emit(
            type, subject: task.map { "connectors/\(connector)/tasks/\($0)" } ?? "connectors/\(connector)", data: data)
    }

    /// Stores and starts an admitted connector. The caller holds the mutation lock.
    func install(_ admitted: (ConnectorConfig, ConnectorPlugin), target: TargetState, topics: [String] = []) async throws {
        let (config, plugin) = admitted
        try await placer?.place(connector: config.raw)
        var holder = ConnectorHolder(
            config: config, plugin: plugin, connector: nil, machine: LifecycleStateMachine(), target: target, tasks: [],
            topics: TopicTracker(topics), reloader: nil)
        if target == .stopped { _ = try? holder.machine.handle(.stop) }
        connectors[config.name] = holder
        persist()
        if target != .stopped { await startConnector(config.name) }
        holder = connectors[config.name]!
        logger.info(
            "connector created",
            metadata: [
                "connector": "\(config.name)", "class": "\(plugin.className)", "target": "\(target.rawValue)",
                "tasks": "\(holder.tasks.count)",
            ])
    }

    /// Starts a connector's instance and tasks per its target state; a failure to start leaves
    /// the connector FAILED with the trace.
    func startConnector(_ name: String) async {
        guard var holder = connectors[name] else { return }
        holder.machine = LifecycleStateMachine()
        _ = try? holder.machine.handle(.start)
        let connector = holder.plugin.make()
        do {
            let context = RuntimeConnectorContext(connectorName: name, logger: logger)
            // Placeholders are resolved in memory only: the stored config (config.raw) keeps them,
            // and so do the task configs (each task resolves its own when it starts).
            let resolution = try await resolve(holder.config.raw)
            await audit?.secretsResolved(resolution, subject: "connectors/\(name)", connector: name, task: nil)
            try await connector.start(resolution.config, context: context)
            let taskConfigs = try await connector.taskConfigs(maxTasks: holder.config.tasksMax).map {
                Self.unresolved($0, raw: holder.config.raw, resolved: resolution.config)
            }
            holder.reloader = watchSecrets(name, resolution)
            _ = try? holder.machine.handle(.started)
            holder.connector = connector
            holder.tasks = taskConfigs.enumerated().map { index, config in
                TaskHolder(
                    id: TaskID(connector: name, task: index), config: config, restartOnFailure: worker.taskRestartEnabled)
            }
        } catch {
            _ = try? holder.machine.handle(.fail(String(describing: error)))
            logger.error("connector failed to start", metadata: ["connector": "\(name)", "error": "\(error)"])
            try? await connector.stop()
            connectors[name] = holder
            return
        }
        if holder.target == .paused { _ = try? holder.machine.handle(.pause) }
        connectors[name] = holder
        for task in holder.tasks { startTask(task, holder: holder) }
    }

    /// A task config with every value that came from a placeholder put back as the placeholder.
    static func unresolved(_ task: [String: String], raw: [String: String], resolved: [String: String]) -> [String: String] {
        var out = task
        for (key, value) in task {
            if let placeholder = raw[key], placeholder.contains("${"), resolved[key] == value { out[key] = placeholder }
        }
        return out
    }

    /// When the connector's secrets expire, resolves them again; if a value changed (a rotated
    /// secret), restarts the connector and its tasks with it (`config.action.reload=restart`,
    /// the default; `none` turns this off). Logs which reference changed, never a value.
    func watchSecrets(_ name: String, _ resolution: ConfigProviders.Resolution) -> Task<Void, Never>? {
        guard let ttl = resolution.ttl, !resolution.fingerprints.isEmpty,
            connectors[name]?.config.raw["config.action.reload"]?.lowercased() != "none"
        else { return nil }
        let providers = self.providers
        let logger = self.logger
        return Task { [weak self] in
            var current = resolution.fingerprints
            while !Task.isCancelled {
                try? await Task.sleep(for: ttl)
                guard !Task.isCancelled, let self, let raw = try? await self.rawConfig(name) else { return }
                do {
                    let fresh = try await providers.resolve(raw)
                    let changed = fresh.fingerprints.filter { current[$0.key] != $0.value }.map(\.key.description).sorted()
                    // Every TTL: debug only (a 1 s TTL would flood the log); a change is a notice below.
                    logger.debug(
                        "secrets re-resolved",
                        metadata: [
                            "connector": "\(name)",
                            "references": "\(fresh.fingerprints.keys.map(\.description).sorted().joined(separator: ","))",
                            "changed": "\(changed.count)",
                        ])
                    guard !changed.isEmpty else { continue }
                    current = fresh.fingerprints
                    logger.notice(
                        "a secret changed; restarting the connector and its tasks",
                        metadata: ["connector": "\(name)", "changed": "\(changed.joined(separator: ","))"])
                    // The restart cancels this watcher (shutDown); run it outside this task so the
                    // cancellation cannot reach the restart's own awaits (provider fetches, stops).
                    Task { [weak self] in
                        do {
                            try await self?.restart(name, includeTasks: true, onlyFailed: false)
                        } catch {
                            logger.error(
                                "restart after a secret change failed", metadata: ["connector": "\(name)", "error": "\(error)"])
                        }
                    }
                    return  // the restart starts a new watcher
                } catch {
                    logger.error("secrets could not be re-resolved", metadata: ["connector": "\(name)", "error": "\(error)"])
                }
            }
        }
    }

    func startTask(_ task: TaskHolder, holder: ConnectorHolder) {
        guard let connector = holder.connector else { return }
        if holder.target == .paused { task.control.set(.paused) }
        let environment = TaskEnvironment(
            worker: worker, registry: registry, store: store, producer: producer, kafka: kafka, providers: providers,
            placer: placer, audit: audit, logger: logger)
        let config = holder.config
        let plugin = holder.plugin
        let topics = holder.topics
        let supervisor = Task {
            await environment.supervise(
                task, taskConfig: task.config, config: config, plugin: plugin, connector: connector, topics: topics)
        }
        task.supervisor.withLock { $0 = supervisor }
    }

    /// Stops a connector's tasks (committing offsets) and its instance; the holder stays.
    func shutDown(_ name: String) async {
        guard let holder = connectors[name] else { return }
        for task in holder.tasks {
            task.control.set(.stopping)
            task.handle(.stop)
        }
        holder.reloader?.cancel()
        for task in holder.tasks { await task.stop() }
        if let connector = holder.connector { try? await connector.stop() }
        connectors[name]?.connector = nil
        connectors[name]?.tasks = []
    }

    /// Stops a connector's tasks (committing offsets) and removes it.
    public func delete(_ name: String) async throws {
        try await serialized {
            let holder = try existing(name)
            try await emit(
                "connector.deleted", connector: name, data: ["configDigestBefore": AuditEvent.configDigest(holder.config.raw)])
            await shutDown(name)
            connectors[name] = nil
            persist()
            logger.info("connector deleted", metadata: ["connector": "\(name)"])
        }
    }

    /// PAUSED: tasks stay assigned but stop polling (`PUT /connectors/{c}/pause`).
    public func pause(_ name: String) async throws {
        try await serialized {
            let holder = try existing(name)
            try await emit("connector.paused", connector: name)
            connectors[name]?.target = .paused
            if holder.connector == nil && holder.machine.state == .stopped {
                await startConnector(name)
            } else {
                for task in holder.tasks {
                    task.control.set(.paused)
                    task.handle(.pause)
                }
                connectors[name]?.machine = (try? holder.machine.applying(.pause)) ?? holder.machine
            }
            persist()
            logger.info("connector paused", metadata: ["connector": "\(name)"])
        }
    }

    /// RUNNING again, from PAUSED or STOPPED (`PUT /connectors/{c}/resume`).
    public func resume(_ name: String) async throws {
        try await serialized {
            let holder = try existing(name)
            try await emit("connector.resumed", connector: name)
            connectors[name]?.target = .running
            if holder.connector == nil && holder.machine.state == .stopped {
                await startConnector(name)
            } else {
                for task in holder.tasks {
                    task.control.set(.running)
                    task.handle(.resume)
                }
                connectors[name]?.machine = (try? holder.machine.applying(.resume)) ?? holder.machine
            }
            persist()
            logger.info("connector resumed", metadata: ["connector": "\(name)"])
        }
    }

    /// STOPPED: the connector and its tasks shut down (offsets committed); the config stays and
    /// offsets may be altered (`PUT /connectors/{c}/stop`).
    public func stop(_ name: String) async throws {
        try await serialized {
            _ = try existing(name)
            try await emit("connector.stopped", connector: name)
            await shutDown(name)
            connectors[name]?.target = .stopped
            if var machine = connectors[name]?.machine {
                if machine.state == .stopped || (try? machine.handle(.stop)) != nil {
                    connectors[name]?.machine = machine
                } else {
                    var fresh = LifecycleStateMachine()
                    _ = try? fresh.handle(.stop)
                    connectors[name]?.machine = fresh
                }
            }
            persist()
            logger.info("connector stopped", metadata: ["connector": "\(name)"])
        }
    }

    /// Restarts the connector instance and, with `includeTasks`, its tasks; with `onlyFailed`
    /// only FAILED units. Returns the units restarted.
    @discardableResult
    public func restart(_ name: String, includeTasks: Bool, onlyFailed: Bool) async throws -> (connector: Bool, tasks: [Int]) {
        try await serialized {
            let holder = try existing(name)
            guard holder.target != .stopped else {
                throw HerderError.conflict("Connector \(name) is STOPPED; resume it instead of restarting it")
            }
            let connectorFailed = holder.machine.state == .failed
            let restartConnector = !onlyFailed || connectorFailed
            try await emit(
                "connector.restarted", connector: name,
                data: ["includeTasks": .bool(includeTasks), "onlyFailed": .bool(onlyFailed)])
            if restartConnector && (includeTasks || holder.connector == nil) {
                await shutDown(name)
                await startConnector(name)
                let restarted = connectors[name]?.tasks.map(\.id.task) ?? []
                logger.info("connector restarted", metadata: ["connector": "\(name)", "tasks": "\(restarted.count)"])
                return (true, restarted)
            }
            if restartConnector, let connector = holder.connector {
                // The instance only: tasks keep running with their configs.
                try? await connector.stop()
                do {
                    try await connector.start(
                        try await resolve(holder.config.raw).config,
                        context: RuntimeConnectorContext(connectorName: name, logger: logger))
                } catch {
                    connectors[name]?.machine = (try? holder.machine.applying(.fail("\(error)"))) ?? holder.machine
                }
                logger.info("connector restarted", metadata: ["connector": "\(name)", "tasks": "0"])
            }
            guard includeTasks else { return (restartConnector, []) }
            let chosen = holder.tasks.filter { !onlyFailed || $0.status.0 == .failed }.map(\.id.task)
            for task in chosen { await replaceTask(name, task) }
            return (restartConnector, chosen)
        }
    }

    /// Restarts one task (`POST /connectors/{c}/tasks/{t}/restart`).
    public func restartTask(_ name: String, _ task: Int) async throws {
        try await serialized {
            let holder = try existing(name)
            guard holder.tasks.indices.contains(task) else { throw HerderError.notFound("Task \(name)-\(task) not found") }
            try await emit("task.restarted", connector: name, task: task)
            await replaceTask(name, task)
        }
    }

    func replaceTask(_ name: String, _ index: Int) async {
        guard let holder = connectors[name], holder.tasks.indices.contains(index) else { return }
        let old = holder.tasks[index]
        await old.stop()
        let fresh = TaskHolder(id: old.id, config: old.config, restartOnFailure: worker.taskRestartEnabled)
        connectors[name]?.tasks[index] = fresh
        startTask(fresh, holder: holder)
        logger.info("task restarted", metadata: ["task": "\(old.id)"])
    }

    /// Starts the connectors kept in the connector-config store (worker start).
    public func startStored() async throws {
        guard let configStore else { return }
        for stored in try configStore.load() {
            do {
                try await serialized {
                    let admitted = try await admit(stored.config, event: nil, before: nil)
                    try await install(admitted, target: stored.targetState, topics: stored.topics)
                }
            } catch {
                logger.error("stored connector not started", metadata: ["connector": "\(stored.name)", "error": "\(error)"])
            }
        }
    }

    /// Stops every connector (SIGTERM path): tasks stop and commit offsets; configs stay stored.
    public func stopAll() async {
        persist()
        for name in connectors.keys.sorted() { await shutDown(name) }
    }

    // MARK: Helpers

    func existing(_ name: String) throws(HerderError) -> ConnectorHolder {
        guard let holder = connectors[name] else { throw HerderError.notFound("Connector \(name) not found") }
        return holder
    }

    func stoppedConnector(_ name: String) throws(HerderError) -> ConnectorHolder {
        let holder = try existing(name)
        guard holder.target == .stopped, holder.tasks.isEmpty else {
            throw HerderError.badRequest(
                "Connectors must be in the STOPPED state before their offsets can be modified. "
                    + "Stop \(name) with PUT /connectors/\(name)/stop first.")
        }
        return holder
    }

    /// Inline PASSWORD values are never echoed; placeholders are shown as written.
    func shown(_ raw: [String: String], plugin: ConnectorPlugin) -> [String: String] {
        let passwords = definition(of: plugin).passwordKeys
        var config = raw
        for key in passwords {
            if let value = config[key], !value.contains("${"), !value.isEmpty { config[key] = Redaction.placeholder }
        }
        return config
    }

    func persist() {
        guard let configStore else { return }
        do {
            try configStore.save(connectors.values.map(\.stored))
        } catch {
            logger.error("cannot save connector configs", metadata: ["path": "\(configStore.path)", "error": "\(error)"])
        }
    }

    /// Runs `body` with no other mutation in flight.
    func serialized<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if mutating {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            mutating = true
        }
        defer {
            if waiting.isEmpty { mutating = false } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
