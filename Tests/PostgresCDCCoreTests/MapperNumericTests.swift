import PostgresCDCCore
import SluiceConnectSDK
import Testing

@Suite("PostgresTypeMapper numeric")
struct MapperNumericTests {
    let numeric = PostgresTypeOID.numeric
    let asDouble = PostgresTypeMapper(decimalHandlingMode: .double)
    let asString = PostgresTypeMapper(decimalHandlingMode: .string)

    /// numeric(precision, scale) type modifier.
    private func typmod(_ precision: Int32, _ scale: Int32) -> Int32 { (precision << 16 | (scale & 0x7FF)) + 4 }

    private func decimal(_ value: ConnectValue) -> ConnectDecimal? {
        if case .decimal(let decimal) = value { decimal } else { nil }
    }

    @Test func preciseConstrainedSchema() throws {
        let schema = try #require(try mapped(numeric, typmod(10, 2), "1.00").schema)
        #expect(schema.type == .bytes)
        #expect(schema.name == LogicalType.decimalName)
        #expect(schema.parameters == ["scale": "2", "connect.decimal.precision": "10"])
        #expect(try mapped(numeric, typmod(10, 2), nil, nullable: true).schema?.isOptional == true)
    }

    @Test func preciseConstrainedValues() throws {
        let cases: [(String, [UInt8], String)] = [
            ("123.45", [0x30, 0x39], "123.45"),
            ("-0.50", [0xCE], "-0.50"),
            ("-128.00", [0xCE, 0x00], "-128.00"),
            ("1.5", [0x00, 0x96], "1.50"),  // rescaled to the column scale
            ("0", [0x00], "0.00"),
        ]
        for (text, bytes, shown) in cases {
            let value = try #require(decimal(try mapped(numeric, typmod(10, 2), text).value))
            #expect(value == ConnectDecimal(unscaled: bytes, scale: 2), "\(text)")
            #expect(value.description == shown)
        }
        #expect(decimal(try mapped(numeric, typmod(3, 0), "-128").value) == ConnectDecimal(unscaled: [0x80], scale: 0))
        #expect(
            decimal(try mapped(numeric, typmod(38, 10), "-98765432109876543210.0123456789").value)?.description
                == "-98765432109876543210.0123456789")
    }

    @Test func rescalingRoundsHalfUp() throws {
        #expect(decimal(try mapped(numeric, typmod(10, 1), "1.25").value)?.description == "1.3")
        #expect(decimal(try mapped(numeric, typmod(10, 1), "-1.25").value)?.description == "-1.3")
        #expect(decimal(try mapped(numeric, typmod(10, 1), "9.95").value)?.description == "10.0")
    }

    @Test func negativeScale() throws {
        let result = try mapped(numeric, typmod(2, -2), "1200")
        #expect(result.schema?.parameters["scale"] == "-2")
        #expect(decimal(result.value) == ConnectDecimal(unscaled: [12], scale: -2))
        #expect(try mapped(numeric, typmod(2, -2), "1200", mapper: asString).value == .string("1.2E+3"))
    }

    @Test func preciseUnconstrainedIsVariableScaleDecimal() throws {
        let result = try mapped(numeric, "1.500")
        let schema = try #require(result.schema)
        #expect(schema.type == .struct)
        #expect(schema.name == "io.debezium.data.VariableScaleDecimal")
        #expect(schema.version == 1)
        #expect(schema.doc == "Variable scaled decimal")
        #expect(schema.fields.map(\.name) == ["scale", "value"])
        #expect(schema.fields.map(\.schema) == [.int32, .bytes])
        #expect(result.value["scale"] == .int32(1))  // trailing zeros stripped
        #expect(result.value["value"] == .bytes([0x0F]))
        let negative = try mapped(numeric, "-1000", nullable: true)
        #expect(negative.schema?.isOptional == true)
        #expect(negative.value.structValue?.schema == negative.schema)
        #expect(negative.value["scale"] == .int32(0))
        #expect(negative.value["value"] == .bytes([0xFC, 0x18]))
        #expect(try mapped(numeric, "1200.00").value["value"] == .bytes([0x04, 0xB0]))
        #expect(try mapped(numeric, "0.000").value["scale"] == .int32(0))
        #expect(try mapped(numeric, "-0.001").value["value"] == .bytes([0xFF]))
    }

    @Test func specialValuesInPreciseModeAreNull() throws {
        for text in ["NaN", "Infinity", "-Infinity"] {
            #expect(try mapped(numeric, typmod(10, 2), text, nullable: true).value == .null)
            #expect(try mapped(numeric, text, nullable: true).value == .null)
        }
    }

    @Test func doubleMode() throws {
        #expect(
            try mapped(numeric, typmod(10, 2), "123.45", mapper: asDouble)
                == SchemaAndValue(schema: .float64, value: .float64(123.45)))
        #expect(
            try mapped(numeric, "-0.1", nullable: true, mapper: asDouble)
                == SchemaAndValue(schema: .optionalFloat64, value: .float64(-0.1)))
        #expect(try mapped(numeric, "Infinity", mapper: asDouble).value == .float64(.infinity))
        #expect(try mapped(numeric, "NaN", mapper: asDouble).value.doubleValue?.isNaN == true)
    }

    @Test func stringMode() throws {
        #expect(
            try mapped(numeric, typmod(10, 2), "5", mapper: asString) == SchemaAndValue(schema: .string, value: .string("5.00")))
        #expect(try mapped(numeric, "-12.50", mapper: asString).value == .string("-12.50"))
        #expect(try mapped(numeric, "0.000001", mapper: asString).value == .string("0.000001"))
        #expect(try mapped(numeric, "0.00000001", mapper: asString).value == .string("1E-8"))  // BigDecimal.toString
        #expect(try mapped(numeric, "-0.0000001234", mapper: asString).value == .string("-1.234E-7"))
        #expect(try mapped(numeric, "NaN", mapper: asString).value == .string("NAN"))
        #expect(try mapped(numeric, "Infinity", mapper: asString).value == .string("POSITIVE_INFINITY"))
        #expect(try mapped(numeric, "-Infinity", mapper: asString).value == .string("NEGATIVE_INFINITY"))
    }

    @Test func invalidNumericThrows() {
        #expect(throws: PostgresValueError.self) { try mapped(numeric, "1.2.3") }
        #expect(throws: PostgresValueError.self) { try mapped(numeric, "1e5") }
        #expect(throws: PostgresValueError.self) { try mapped(numeric, "") }
    }
}
