import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka
import SluiceSupport
import Synchronization

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
    let providers: ConfigProviders
    let placer: CheckpointPlacer?
    let audit: AuditLog?
    let logger: Logger

    /// A task state change in the audit trail (the worker is the actor).
    func record(_ type: String, _ id: TaskID, _ data: JSONObject = [:], result: String = "success") async {
        guard let audit else { return }
        var data = data
        data["connector"] = .string(id.connector)
        data["task"] = .int(Int64(id.task))
        await audit.record(type, subject: "connectors/\(id.connector)/tasks/\(id.task)", data: data, result: result)
    }

    /// Runs the task, restarting it with capped backoff when it fails (if enabled), until stopped.
    func supervise(
        _ holder: StandaloneHerder.TaskHolder, taskConfig: [String: String], config: ConnectorConfig, plugin: ConnectorPlugin,
        connector: any Connector, topics: TopicTracker
    ) async {
        let backoff = Backoff(
            base: worker.taskRestartInitialBackoff, cap: worker.taskRestartMaxBackoff, floor: worker.taskRestartInitialBackoff)
        var attempt = 0
        while holder.control.target != .stopping {
            holder.handle(.start)
            let began = ContinuousClock.now
            do {
                try await runOnce(
                    holder, taskConfig: taskConfig, config: config, plugin: plugin, connector: connector, topics: topics)
                await record("task.stopped", holder.id)
                return
            } catch {
                let trace = String(describing: error)
                holder.handle(.fail(trace))
                await record("task.failed", holder.id, ["trace": .string(SecretRedactor.shared.redact(trace))], result: "failure")
                logger.error("task failed", metadata: ["task": "\(holder.id)", "error": "\(trace)"])
                guard worker.taskRestartEnabled, holder.control.target != .stopping else { return }
                if ContinuousClock.now - began > .seconds(300) { attempt = 0 }
                let delay = backoff.ceiling(attempt: attempt)
                attempt += 1
                logger.info(
                    "restarting task",
                    metadata: ["task": "\(holder.id)", "attempt": "\(attempt)", "delay_ms": "\(delay.milliseconds)"])
                try? await Task.sleep(for: delay)
                guard holder.control.target != .stopping else { return }
                holder.handle(.restart)
                await record("task.restarted", holder.id, ["attempt": .int(Int64(attempt)), "automatic": true])
            }
        }
    }

    private func runOnce(
        _ holder: StandaloneHerder.TaskHolder, taskConfig: [String: String], config: ConnectorConfig, plugin: ConnectorPlugin,
        connector: any Connector, topics: TopicTracker
    ) async throws {
        // Task start enforcement point: the checkpoint location must still verify.
        try await placer?.checkTaskStart(connector: config.name)
        // The task's own placeholders, resolved in memory for this run only.
        let resolution = try await providers.resolve(taskConfig)
        let taskConfig = resolution.config
        await audit?.secretsResolved(
            resolution, subject: "connectors/\(holder.id.connector)/tasks/\(holder.id.task)", connector: holder.id.connector,
            task: holder.id.task)
        // Converter and transform settings may hold placeholders too (Kafka Connect resolves the
        // whole connector config): they get the resolved config, in memory, for this run only.
        let resolved = try ConnectorConfig(try await providers.resolve(config.raw).config, sink: plugin.kind == .sink)
        let converters = try RecordConverters(worker: worker, connector: resolved)
        let transforms = try TransformChain(config: resolved, registry: registry)
        let errors = ErrorHandler(
            config: config, taskID: holder.id.task, deadLetter: config.deadLetterTopic == nil ? nil : producer, logger: logger)
        let audit = self.audit
        let started: @Sendable () -> Void = {
            if let audit {
                let id = holder.id
                Task {
                    await audit.record(
                        "task.started", subject: "connectors/\(id.connector)/tasks/\(id.task)",
                        data: ["connector": .string(id.connector), "task": .int(Int64(id.task))])
                }
            }
            holder.handle(.started)
            if holder.control.target == .paused { holder.handle(.pause) }
        }
        let context = TaskRunnerContext(
            id: holder.id, taskConfig: taskConfig, config: config, converters: converters, transforms: transforms, store: store,
            errors: errors, control: holder.control, commitInterval: worker.offsetFlushInterval, workerID: worker.workerID,
            logger: logger, topics: topics)
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
