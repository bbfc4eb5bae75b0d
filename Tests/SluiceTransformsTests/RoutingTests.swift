import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("RegexRouter, Filter, TimestampRouter")
struct RoutingTests {
    @Test func regexRouterRewritesMatchingTopics() throws {
        let router = try RegexRouter(configuration: ["regex": "(.*)-(raw)", "replacement": "$1-clean"])
        #expect(try applied(router, sourceRecord(value: .null, topic: "orders-raw")).topic == "orders-clean")
        #expect(try applied(router, sourceRecord(value: .null, topic: "orders-raw-x")).topic == "orders-raw-x")
        #expect(try applied(router, sinkRecord(value: .null)).topic == "orders")
    }

    @Test func regexRouterBadConfig() {
        expectConfigError("regex") { _ = try RegexRouter(configuration: [:]) }
        expectConfigError("regex") { _ = try RegexRouter(configuration: ["regex": "(unclosed"]) }
    }

    @Test func filterDropsEverything() throws {
        let filter = try Filter(configuration: [:])
        #expect(try filter.apply(sourceRecord(value: .string("x"))) == nil)
        #expect(try filter.apply(sinkRecord(value: .null)) == nil)
    }

    @Test func timestampRouterDefaults() throws {
        let router = try TimestampRouter(configuration: [:])
        // 2024-02-29T23:59:59.999Z
        let record = try applied(router, sourceRecord(value: .null, timestamp: 1_709_251_199_999))
        #expect(record.topic == "orders-20240229")
    }

    @Test func timestampRouterCustomFormats() throws {
        let router = try TimestampRouter(configuration: [
            "topic.format": "${timestamp}_${topic}", "timestamp.format": "yyyy-MM'w'dd_HH",
        ])
        let record = try applied(router, sinkRecord(value: .null, timestamp: 0))
        #expect(record.topic == "1970-01w01_00_orders")
    }

    @Test func timestampRouterNeedsATimestamp() throws {
        let router = try TimestampRouter(configuration: [:])
        expectDataError("Timestamp missing") { _ = try router.apply(sourceRecord(value: .null)) }
    }

    @Test func timestampRouterBadConfig() {
        expectConfigError("timestamp.format") { _ = try TimestampRouter(configuration: ["timestamp.format": "yyyyQQ"]) }
        expectConfigError("topic.format") { _ = try TimestampRouter(configuration: ["topic.format": ""]) }
    }
}

@Suite("Predicates")
struct PredicateTests {
    @Test func topicNameMatchesWholeTopic() throws {
        let predicate = try TopicNameMatches(configuration: ["pattern": "ord.*"])
        #expect(predicate.test(sourceRecord(value: .null, topic: "orders")))
        #expect(!predicate.test(sourceRecord(value: .null, topic: "reorders")))
        #expect(try !TopicNameMatches(configuration: ["pattern": "ord"]).test(sinkRecord(value: .null)))
    }

    @Test func topicNameMatchesBadConfig() {
        expectConfigError("pattern") { _ = try TopicNameMatches(configuration: [:]) }
        expectConfigError("pattern") { _ = try TopicNameMatches(configuration: ["pattern": "[a-"]) }
    }

    @Test func hasHeaderKey() throws {
        let predicate = try HasHeaderKey(configuration: ["name": "trace"])
        #expect(predicate.test(sourceRecord(value: .null, headers: [ConnectHeader(key: "trace", value: .string("1"))])))
        #expect(!predicate.test(sourceRecord(value: .null, headers: [ConnectHeader(key: "other", value: .null)])))
        #expect(!predicate.test(sinkRecord(value: .null)))
        expectConfigError("name") { _ = try HasHeaderKey(configuration: [:]) }
    }

    @Test func recordIsTombstone() throws {
        let predicate = try RecordIsTombstone(configuration: [:])
        #expect(predicate.test(sinkRecord(key: .string("k"), value: .null)))
        #expect(!predicate.test(sinkRecord(value: .string("v"))))
        #expect(!predicate.test(sourceRecord(valueSchema: personSchema, value: alice)))
    }

    /// Negation is the runtime's job: the predicate itself only reports its plain result, and the
    /// registered plugin builds the same predicate.
    @Test func registeredPredicatesArePlainTests() throws {
        let plugin = try #require(BuiltinTransforms.manifest.predicates.first { $0.aliases == ["RecordIsTombstone"] })
        let predicate = try plugin.make(["negate": "true"])
        #expect(predicate.test(sinkRecord(value: .null)))
        #expect(!predicate.test(sinkRecord(value: .int32(1))))
    }
}
