import SluiceConnectSDK

extension PostgresTypeMapper {
    /// numeric text → the value for `decimalHandlingMode`, following Debezium's
    /// `PostgresValueConverter.convertDecimal`:
    /// - a constrained column's value is brought to the column scale (`setScale`; Debezium would
    ///   fail where rounding is needed — PostgreSQL never sends such values — here it rounds
    ///   half-up);
    /// - precise + unconstrained → `VariableScaleDecimal` with trailing zeros stripped (scale ≥ 0);
    /// - string → `BigDecimal.toString()` (which switches to `1E-7` style for tiny values);
    /// - `NaN` / `±Infinity` → precise: `null`; double: IEEE values; string: Debezium's names.
    func numeric(_ text: String, constrainedScale: Int?, schema: @autoclosure () -> Schema) throws(ConversionFailure)
        -> ConnectValue
    {
        if let special = Self.specialNumeric(text) {
            switch decimalHandlingMode {
            case .precise: return .null
            case .double: return .float64(special.double)
            case .string: return .string(special.debeziumName)
            }
        }
        if decimalHandlingMode == .precise, let scale = constrainedScale, let small = NumericText.smallDecimal(text, scale: scale)
        {
            return .decimal(small)
        }
        guard let parsed = NumericText(text) else { throw ConversionFailure("not a numeric") }
        let adjusted = constrainedScale.map { parsed.rescaled(to: $0) } ?? parsed
        switch decimalHandlingMode {
        case .double:
            guard let value = Double(text) else { throw ConversionFailure("not a numeric") }
            return .float64(value)
        case .string:
            return .string(adjusted.javaString)
        case .precise:
            if constrainedScale != nil { return .decimal(adjusted.connectDecimal) }
            let stripped = adjusted.strippingTrailingZeros().connectDecimal
            var value = ConnectStruct(schema: schema())
            value["scale"] = .int32(stripped.scale)
            value["value"] = .bytes(stripped.unscaled)
            return .struct(value)
        }
    }

    /// PostgreSQL's special numeric values.
    enum SpecialNumeric {
        case notANumber
        case positiveInfinity
        case negativeInfinity

        var double: Double {
            switch self {
            case .notANumber: .nan
            case .positiveInfinity: .infinity
            case .negativeInfinity: -.infinity
            }
        }

        /// `SpecialValueDecimal.toString()`: the Java enum constant's name.
        var debeziumName: String {
            switch self {
            case .notANumber: "NAN"
            case .positiveInfinity: "POSITIVE_INFINITY"
            case .negativeInfinity: "NEGATIVE_INFINITY"
            }
        }
    }

    static func specialNumeric(_ text: String) -> SpecialNumeric? {
        switch text {
        case "NaN": .notANumber
        case "Infinity": .positiveInfinity
        case "-Infinity": .negativeInfinity
        default: nil
        }
    }
}
