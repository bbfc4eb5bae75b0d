import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("BuiltinTransforms.manifest")
struct ManifestTests {
    let classNames = Set(BuiltinTransforms.manifest.transformations.map(\.className))

    @Test func registersKafkaClassNames() {
        let package = "org.apache.kafka.connect.transforms."
        for name in ["RegexRouter", "Filter", "TimestampRouter", "ValueToKey", "InsertHeader", "DropHeaders"] {
            #expect(classNames.contains(package + name), "\(name)")
        }
        for name in [
            "InsertField", "ReplaceField", "MaskField", "ExtractField", "Cast", "TimestampConverter", "Flatten", "HoistField",
            "HeaderFrom",
        ] {
            #expect(classNames.contains(package + name + "$Key"), "\(name)$Key")
            #expect(classNames.contains(package + name + "$Value"), "\(name)$Value")
        }
        #expect(classNames.count == BuiltinTransforms.manifest.transformations.count)
        let predicates = BuiltinTransforms.manifest.predicates.map(\.className)
        #expect(predicates.count == 3)
        #expect(predicates.allSatisfy { $0.hasPrefix(package + "predicates.") })
    }

    @Test func keyVariantOperatesOnTheKey() throws {
        let plugin = try #require(BuiltinTransforms.manifest.transformations.first { $0.aliases == ["HoistField$Key"] })
        let transform = try plugin.make(["field": "id"])
        let record = try #require(try transform.apply(sourceRecord(keySchema: .int64, key: .int64(7), value: .string("v"))))
        #expect(record.key == structValue(.struct([("id", .int64)]), ["id": .int64(7)]))
        #expect(record.value == .string("v"))
    }

    @Test func pluginsReportConfigErrors() throws {
        let plugin = try #require(BuiltinTransforms.manifest.transformations.first { $0.aliases == ["Cast$Value"] })
        expectConfigError("spec") { _ = try plugin.make([:]) }
    }
}
