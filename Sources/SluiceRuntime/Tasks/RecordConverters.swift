import SluiceConnectSDK
import SluiceKafka

/// The key, value and header converters one connector uses (its own settings over the worker's).
public struct RecordConverters: Sendable {
    /// A value's bytes (and its topic) → its compact JSON text, `nil` for a tombstone.
    typealias JSONText = @Sendable (_ topic: String, _ bytes: [UInt8]) throws -> [UInt8]?

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

    /// Turns a value's bytes straight into its compact JSON text (`nil` for a tombstone), where the
    /// value converter can: schemaless `JsonConverter` (`JsonConverter.schemalessText`).
    var valueJSONText: JSONText? {
        guard let json = value as? JsonConverter, !json.schemasEnabled else { return nil }
        return { topic, bytes in try JsonConverter.schemalessText(topic: topic, bytes: bytes) }
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
