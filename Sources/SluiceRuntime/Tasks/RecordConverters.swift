import SluiceConnectSDK
import SluiceKafka

/// The key, value and header converters one connector uses (its own settings over the worker's).
public struct RecordConverters: Sendable {
    public let key: any Converter
    public let value: any Converter
    public let header: any HeaderConverter

    public init(worker: WorkerConfig, connector: ConnectorConfig) throws {
        key = try PluginRegistry.converter(
            named: connector.keyConverter ?? worker.keyConverter,
            configuration: connector.keyConverter == nil
                ? worker.keyConverterSettings : connector.settings(withPrefix: "key.converter."),
            isKey: true)
        value = try PluginRegistry.converter(
            named: connector.valueConverter ?? worker.valueConverter,
            configuration: connector.valueConverter == nil
                ? worker.valueConverterSettings : connector.settings(withPrefix: "value.converter."),
            isKey: false)
        header = try PluginRegistry.headerConverter(
            named: connector.headerConverter ?? worker.headerConverter,
            configuration: connector.headerConverter == nil
                ? worker.headerConverterSettings : connector.settings(withPrefix: "header.converter."))
    }

    /// Connect headers → Kafka headers.
    func kafkaHeaders(topic: String, _ headers: [ConnectHeader]) throws -> [KafkaHeader] {
        try headers.map {
            KafkaHeader(
                key: $0.key, value: try header.fromConnectHeader(topic: topic, key: $0.key, schema: $0.schema, value: $0.value))
        }
    }

    /// Kafka headers → Connect headers.
    func connectHeaders(topic: String, _ headers: [KafkaHeader]) throws -> [ConnectHeader] {
        try headers.map {
            let converted = try header.toConnectHeader(topic: topic, key: $0.key, bytes: $0.value)
            return ConnectHeader(key: $0.key, schema: converted.schema, value: converted.value)
        }
    }
}
