import Logging
import SluiceKafka
import Testing

@Suite("Kafka client without a broker")
struct KafkaUnitTests {
    @Test("librdkafka below 2.1 is refused with a fix in the message")
    func versionGate() throws {
        #expect(!Librdkafka.isSupported(0x0200_02ff))  // Debian bookworm's 2.0.2
        #expect(Librdkafka.isSupported(0x0201_0000))  // 2.1.0 pre-release
        #expect(Librdkafka.isSupported(0x0210_00ff))
        let error = #expect(throws: KafkaError.self) { try Librdkafka.check(version: 0x0200_02ff, versionString: "2.0.2") }
        #expect(error?.code == .unsupportedVersion)
        #expect(error?.message.contains("2.0.2") == true)
        #expect(error?.message.contains("LD_LIBRARY_PATH") == true)
    }

    @Test("the loaded librdkafka is the ≥ 2.1 runtime the scripts provide")
    func loadedVersion() throws {
        try Librdkafka.check(logger: Logger(label: "test"))
    }

    @Test("an invalid client setting names the key and hides secret values")
    func invalidSetting() async {
        let configuration = KafkaConfiguration(
            bootstrapServers: "127.0.0.1:1", settings: ["sasl.password": "kafka-secret-xyz", "not.a.setting": "1"])
        let error = await #expect(throws: KafkaError.self) {
            _ = try await KafkaProducer(configuration: configuration, logger: Logger(label: "test"))
        }
        #expect(error?.code == .configuration)
        #expect(error?.message.contains("not.a.setting") == true)
        #expect(error.map { "\($0)".contains("kafka-secret-xyz") } == false)
        #expect(!"\(configuration)".contains("kafka-secret-xyz"))
    }
}
