import SluiceConnectSDK

/// A decimal number as sign, unscaled decimal digits and scale (value = ±digits × 10^-scale),
/// parsed from PostgreSQL `numeric` text and reshaped the way Debezium's `BigDecimal` handling
/// does (rescaling, `stripTrailingZeros`, `toString`).
struct NumericText: Equatable {
    var isNegative: Bool
    /// Unscaled magnitude digits, most significant first, no leading zeros ("0" for zero).
    var digits: String
    var scale: Int

    /// Parses `[+-]digits[.digits]` (PostgreSQL never uses an exponent in `numeric` output).
    init?(_ text: String) {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        guard !(integer.isEmpty && fraction.isEmpty),
            (integer + fraction).utf8.allSatisfy({ (48...57).contains($0) })
        else { return nil }
        self.init(isNegative: negative, digits: String(integer + fraction), scale: fraction.count)
    }

    init(isNegative: Bool, digits: String, scale: Int) {
        let trimmed = digits.drop { $0 == "0" }
        self.digits = trimmed.isEmpty ? "0" : String(trimmed)
        self.isNegative = isNegative && self.digits != "0"
        self.scale = scale
    }

    var isZero: Bool { digits == "0" }

    /// The common case, read without strings: `[+-]digits[.digits]` that fits in 18 digits at
    /// `scale` → the same value as `NumericText(text)?.rescaled(to: scale).connectDecimal`
    /// (half-up rounding, minimal two's-complement bytes). `nil` when it does not fit.
    static func smallDecimal(_ text: String, scale: Int) -> ConnectDecimal? {
        var text = text
        return text.withUTF8 { bytes -> ConnectDecimal? in
            var index = 0
            var negative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                negative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var magnitude: Int64 = 0
            var digitCount = 0
            var fractionDigits = 0
            var seenPoint = false
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "."), !seenPoint {
                    seenPoint = true
                    continue
                }
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10, digitCount < 18 else { return nil }
                magnitude = magnitude * 10 + Int64(digit)
                digitCount += 1
                if seenPoint { fractionDigits += 1 }
            }
            guard digitCount > 0, scale >= 0, scale <= 18 else { return nil }
            if scale >= fractionDigits {
                guard digitCount + scale - fractionDigits <= 18 else { return nil }
                magnitude *= PostgresTemporalText.pow10(scale - fractionDigits)
            } else {
                let divisor = PostgresTemporalText.pow10(fractionDigits - scale)
                let remainder = magnitude % divisor
                magnitude = magnitude / divisor + (remainder * 2 >= divisor ? 1 : 0)
            }
            var unscaled = withUnsafeBytes(of: (negative ? -magnitude : magnitude).bigEndian, Array.init)
            while unscaled.count > 1,
                (unscaled[0] == 0x00 && unscaled[1] & 0x80 == 0) || (unscaled[0] == 0xFF && unscaled[1] & 0x80 != 0)
            {
                unscaled.removeFirst()
            }
            return ConnectDecimal(unscaled: unscaled, scale: Int32(scale))
        }
    }

    /// This value at `newScale`; dropped digits are rounded half-up (away from zero on a tie),
    /// as `BigDecimal.setScale(n, HALF_UP)` does.
    func rescaled(to newScale: Int) -> NumericText {
        if newScale >= scale {
            return NumericText(
                isNegative: isNegative, digits: digits + String(repeating: "0", count: newScale - scale), scale: newScale)
        }
        let drop = scale - newScale
        let padded = drop >= digits.count ? String(repeating: "0", count: drop - digits.count + 1) + digits : digits
        var kept = Array(padded.utf8.dropLast(drop))
        if padded.utf8[padded.utf8.index(padded.utf8.endIndex, offsetBy: -drop)] >= UInt8(ascii: "5") {
            var index = kept.count - 1
            while index >= 0 {
                if kept[index] == UInt8(ascii: "9") {
                    kept[index] = UInt8(ascii: "0")
                    index -= 1
                } else {
                    kept[index] += 1
                    break
                }
            }
            if index < 0 { kept.insert(UInt8(ascii: "1"), at: 0) }
        }
        return NumericText(isNegative: isNegative, digits: String(decoding: kept, as: UTF8.self), scale: newScale)
    }

    /// `BigDecimal.stripTrailingZeros()` followed by Debezium's "negative scale → 0" fix-up.
    func strippingTrailingZeros() -> NumericText {
        var copy = self
        if copy.isZero { return NumericText(isNegative: false, digits: "0", scale: 0) }
        while copy.scale > 0, copy.digits.last == "0" {
            copy.digits.removeLast()
            copy.scale -= 1
        }
        return copy
    }

    /// Kafka Connect's Decimal encoding: minimal big-endian two's-complement unscaled bytes (as
    /// `BigInteger.toByteArray()` produces) and the scale.
    var connectDecimal: ConnectDecimal {
        guard let parsed = ConnectDecimal((isNegative ? "-" : "") + digits) else {
            preconditionFailure("NumericText holds only ASCII digits")
        }
        var bytes = parsed.unscaled
        while bytes.count > 1,
            (bytes[0] == 0x00 && bytes[1] & 0x80 == 0) || (bytes[0] == 0xFF && bytes[1] & 0x80 != 0)
        {
            bytes.removeFirst()
        }
        return ConnectDecimal(unscaled: bytes, scale: Int32(scale))
    }

    /// `BigDecimal.toString()`: plain notation unless the scale is negative or the adjusted
    /// exponent is below -6, then scientific (`1E-7`, `1.23E+5`).
    var javaString: String {
        let sign = isNegative ? "-" : ""
        let adjusted = digits.count - 1 - scale
        if scale >= 0 && adjusted >= -6 { return sign + plainDigits }
        var mantissa = digits
        if digits.count > 1 { mantissa.insert(".", at: mantissa.index(after: mantissa.startIndex)) }
        return sign + mantissa + "E" + (adjusted >= 0 ? "+" : "") + String(adjusted)
    }

    /// `BigDecimal.toPlainString()` without the sign.
    private var plainDigits: String {
        if scale <= 0 { return digits + String(repeating: "0", count: -scale) }
        let padded = digits.count <= scale ? String(repeating: "0", count: scale - digits.count + 1) + digits : digits
        var text = padded
        text.insert(".", at: text.index(text.endIndex, offsetBy: -scale))
        return text
    }
}
