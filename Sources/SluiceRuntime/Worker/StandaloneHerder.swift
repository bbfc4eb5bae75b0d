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

/// Runs connectors and their tasks in one worker process (Kafka Connect's standalone mode):
/// instantiates connectors from the plugin registry, validates configs, creates task runners,
/// supervises them (automatic restart of failed tasks with capped backoff), and stops everything
/// on shutdown, committing offsets.
public actor StandaloneHerder {
    final class TaskHolder: Sendable {
        let id: TaskID
        let control = TaskControl()
        let machine: Mutex<LifecycleStateMachine>
        let supervisor = Mutex<Task<Void, Never>?>(nil)

        init(id: TaskID, restartOnFailure: Bool) {
            self.id = id
            machine = Mutex(LifecycleStateMachine(restartOnFailure: restartOnFailure))
        }

        func handle(_ event: LifecycleStateMachine.Event) {
            machine.withLock { _ = try? $0.handle(event) }
        }

        var status: (LifecycleState, String?) { machine.withLock { ($0.state, $0.trace) } }
    }

    struct ConnectorHolder {
        var config: ConnectorConfig
        var plugin: ConnectorPlugin
        var connector: any Connector
        var machine: LifecycleStateMachine
        var tasks: [TaskHolder]
    }

    let worker: WorkerConfig
    let registry: PluginRegistry
    let store: any CheckpointStore
    let producer: KafkaProducer
    let kafka: KafkaConfiguration
    let logger: Logger
    private var connectors: [String: ConnectorHolder] = [:]

    public init(
        worker: WorkerConfig, registry: PluginRegistry, store: any CheckpointStore, producer: KafkaProducer,
        kafka: KafkaConfiguration,
        logger: Logger
    ) {
        self.worker = worker
        self.registry = registry
        self.store = store
        self.producer = producer
        self.kafka = kafka
        self.logger = logger
    }

    /// Validates `raw` against the common keys and the connector's own definition; every problem
    /// names its key.
    public func validate(_ raw: [String: String]) throws -> (ConnectorConfig, ConnectorPlugin) {
        guard let className = raw["connector.class"], !className.isEmpty else {
            throw ConfigException(key: "connector.class", "connector.class is required")
        }
        let plugin = try registry.connector(className)
        let config = try ConnectorConfig(raw, sink: plugin.kind == .sink)
        let definition = plugin.configDef.merging(
            plugin.kind == .sink ? ConnectorConfig.sinkDefinition : ConnectorConfig.definition)
        _ = try definition.parse(try resolved(raw))
        _ = try TransformChain(config: config, registry: registry)
        _ = try RecordConverters(worker: worker, connector: config)
        return (config, plugin)
    }

    /// Creates (or replaces) a connector and starts its tasks.
    public func put(_ raw: [String: String]) async throws {
        let (config, plugin) = try validate(raw)
        if connectors[config.name] != nil { try await delete(config.name) }
        let connector = plugin.make()
        var machine = LifecycleStateMachine()
        _ = try machine.handle(.start)
        let context = RuntimeConnectorContext(connectorName: config.name, logger: logger)
        // Placeholders are resolved in memory only: the stored config (config.raw) keeps them.
        try await connector.start(try resolved(config.raw), context: context)
        _ = try machine.handle(.started)
        let taskConfigs = try await connector.taskConfigs(maxTasks: config.tasksMax)
        let tasks = taskConfigs.indices.map {
            TaskHolder(id: TaskID(connector: config.name, task: $0), restartOnFailure: worker.taskRestartEnabled)
        }
        connectors[config.name] = ConnectorHolder(
            config: config, plugin: plugin, connector: connector, machine: machine, tasks: tasks)
        logger.info(
            "connector started",
            metadata: ["connector": "\(config.name)", "class": "\(plugin.className)", "tasks": "\(tasks.count)"])
        for (holder, taskConfig) in zip(tasks, taskConfigs) {
            startSupervisor(holder, taskConfig: taskConfig, config: config, plugin: plugin, connector: connector)
        }
    }

    /// `${env:…}` placeholders resolved, when the worker enables the `env` config provider.
    func resolved(_ raw: [String: String]) throws -> [String: String] {
        guard worker.configProviders.contains("env") else { return raw }
        return try EnvironmentPlaceholders.resolve(raw, environment: ProcessInfo.processInfo.environment)
    }

    private func startSupervisor(
        _ holder: TaskHolder, taskConfig: [String: String], config: ConnectorConfig, plugin: ConnectorPlugin,
        connector: any Connector
    ) {
        let environment = TaskEnvironment(
            worker: worker, registry: registry, store: store, producer: producer, kafka: kafka, logger: logger)
        let supervisor = Task {
            await environment.supervise(holder, taskConfig: taskConfig, config: config, plugin: plugin, connector: connector)
        }
        holder.supervisor.withLock { $0 = supervisor }
    }

    /// Stops a connector's tasks (committing offsets) and removes it.
    public func delete(_ name: String) async throws {
        guard let holder = connectors.removeValue(forKey: name) else {
            throw ConnectException("Connector \(name) not found")
        }
        await stopTasks(holder.tasks)
        try? await holder.connector.stop()
        logger.info("connector stopped", metadata: ["connector": "\(name)"])
    }

    public func pause(_ name: String) throws {
        guard let holder = connectors[name] else { throw ConnectException("Connector \(name) not found") }
        for task in holder.tasks {
            task.control.set(.paused)
            task.handle(.pause)
        }
        connectors[name]?.machine = (try? holder.machine.applying(.pause)) ?? holder.machine
    }

    public func resume(_ name: String) throws {
        guard let holder = connectors[name] else { throw ConnectException("Connector \(name) not found") }
        for task in holder.tasks {
            task.control.set(.running)
            task.handle(.resume)
        }
        connectors[name]?.machine = (try? holder.machine.applying(.resume)) ?? holder.machine
    }

    /// Connector and task states.
    public func status(_ name: String) -> (connector: UnitStatus, tasks: [UnitStatus])? {
        guard let holder = connectors[name] else { return nil }
        return (
            UnitStatus(state: holder.machine.state, workerID: worker.workerID, trace: holder.machine.trace),
            holder.tasks.map { UnitStatus(state: $0.status.0, workerID: worker.workerID, trace: $0.status.1) }
        )
    }

    public var connectorNames: [String] { connectors.keys.sorted() }

    /// Stops every connector (SIGTERM path): tasks stop, commit offsets, and exit.
    public func stopAll() async {
        for name in connectors.keys.sorted() { try? await delete(name) }
    }

    private func stopTasks(_ tasks: [TaskHolder]) async {
        for task in tasks {
            task.control.set(.stopping)
            task.handle(.stop)
        }
        for task in tasks { await task.supervisor.withLock { $0 }?.value }
    }
}

extension LifecycleStateMachine {
    func applying(_ event: Event) throws -> LifecycleStateMachine {
        var copy = self
        _ = try copy.handle(event)
        return copy
    }
}

struct RuntimeConnectorContext: ConnectorContext {
    let connectorName: String
    let logger: Logger
    func requestTaskReconfiguration() {
        logger.info("task reconfiguration requested", metadata: ["connector": "\(connectorName)"])
    }
    func raiseError(_ error: any Error) {
        logger.error("connector raised an error", metadata: ["connector": "\(connectorName)", "error": "\(error)"])
    }
}

/// Everything a task supervisor needs, so it can run outside the herder's actor.
struct TaskEnvironment: Sendable {
    let worker: WorkerConfig
    let registry: PluginRegistry
    let store: any CheckpointStore
    let producer: KafkaProducer
    let kafka: KafkaConfiguration
    let logger: Logger

    /// Runs the task, restarting it with capped backoff when it fails (if enabled), until stopped.
    func supervise(
        _ holder: StandaloneHerder.TaskHolder, taskConfig: [String: String], config: ConnectorConfig, plugin: ConnectorPlugin,
        connector: any Connector
    ) async {
        let backoff = Backoff(
            base: worker.taskRestartInitialBackoff, cap: worker.taskRestartMaxBackoff, floor: worker.taskRestartInitialBackoff)
        var attempt = 0
        while holder.control.target != .stopping {
            holder.handle(.start)
            let began = ContinuousClock.now
            do {
                try await runOnce(holder, taskConfig: taskConfig, config: config, plugin: plugin, connector: connector)
                return
            } catch {
                let trace = String(describing: error)
                holder.handle(.fail(trace))
                logger.error("task failed", metadata: ["task": "\(holder.id)", "error": "\(trace)"])
                guard worker.taskRestartEnabled, holder.control.target != .stopping else { return }
                if ContinuousClock.now - began > .seconds(300) { attempt = 0 }
                let delay = backoff.ceiling(attempt: attempt)
                attempt += 1
                logger.info(
                    "restarting task",
                    metadata: ["task": "\(holder.id)", "attempt": "\(attempt)", "delay_ms": "\(delay.milliseconds)"])
                try? await Task.sleep(for: delay)
                holder.handle(.restart)
            }
        }
    }

    private func runOnce(
        _ holder: StandaloneHerder.TaskHolder, taskConfig: [String: String], config: ConnectorConfig, plugin: ConnectorPlugin,
        connector: any Connector
    ) async throws {
        let converters = try RecordConverters(worker: worker, connector: config)
        let transforms = try TransformChain(config: config, registry: registry)
        let errors = ErrorHandler(
            config: config, taskID: holder.id.task, deadLetter: config.deadLetterTopic == nil ? nil : producer, logger: logger)
        let started: @Sendable () -> Void = {
            holder.handle(.started)
            if holder.control.target == .paused { holder.handle(.pause) }
        }
        let context = TaskRunnerContext(
            id: holder.id, taskConfig: taskConfig, config: config, converters: converters, transforms: transforms, store: store,
            errors: errors, control: holder.control, commitInterval: worker.offsetFlushInterval, workerID: worker.workerID,
            logger: logger)
        switch plugin.kind {
        case .source:
            guard let source = connector as? any SourceConnector else {
                throw ConnectException("\(plugin.className) is not a source connector")
            }
            try await SourceTaskRunner(context: context, task: source.makeTask(), producer: producer).run(started: started)
        case .sink:
            guard let sink = connector as? any SinkConnector else {
                throw ConnectException("\(plugin.className) is not a sink connector")
            }
            var consumerSettings = worker.consumerSettings
            for (key, value) in config.settings(withPrefix: "consumer.override.") { consumerSettings[key] = value }
            let kafka = KafkaConfiguration(bootstrapServers: worker.bootstrapServers, settings: consumerSettings)
            try await SinkTaskRunner(context: context, task: sink.makeTask(), kafka: kafka).run(started: started)
        }
    }
}
