import SluiceConnectSDK
import SluiceKafka

/// Inside the runtime, `TopicPartition` is the SDK's (what tasks see); the Kafka client's is
/// spelled `KafkaPartition`.
typealias TopicPartition = SluiceConnectSDK.TopicPartition
typealias KafkaPartition = SluiceKafka.TopicPartition

extension SluiceConnectSDK.TopicPartition {
    var kafka: KafkaPartition { KafkaPartition(topic: topic, partition: partition) }
}

extension SluiceKafka.TopicPartition {
    var connect: SluiceConnectSDK.TopicPartition { SluiceConnectSDK.TopicPartition(topic: topic, partition: partition) }
}
