import SluiceConnectSDK
import Testing

@testable import PostgresCDCCore

@Suite("Timestamp text: the canonical fast path")
struct TemporalFastPathTests {
    typealias Text = PostgresTemporalText

    /// Valid and invalid variations of every field PostgreSQL writes.
    static let corpus: [String] = {
        var texts: [String] = []
        let dates = [
            "2024-01-02", "2024-02-29", "2023-02-29", "1970-01-01", "0000-03-01", "9999-12-31", "2024-13-01", "2024-00-10",
            "2024-04-31", "12345-01-01", "2024-1-02", "2024/01/02",
        ]
        let times = [
            "03:04:05", "00:00:00", "23:59:59", "24:00:00", "24:00:01", "12:60:00", "12:00:60", "03:04:05.1",
            "03:04:05.123456", "03:04:05.1234567", "03:04:05.", "3:04:05",
        ]
        let zones = ["", "+00", "-04", "+05:30", "+00:09:21", "-12:60", "+01:02:60", "+1", "+01:", "Z"]
        for date in dates {
            for time in times {
                for zone in zones {
                    texts.append("\(date) \(time)\(zone)")
                    texts.append("\(date) \(time)\(zone) BC")
                }
            }
        }
        return texts + ["infinity", "-infinity", "", "2024-01-02", "2024-01-02 03:04:05+00x", "２024-01-02 03:04:05+00"]
    }()

    @Test("agrees with the general parser wherever it answers, and answers for the canonical forms")
    func agreesWithGeneralParser() {
        var answered = 0
        for text in Self.corpus {
            if let fast = Text.canonicalTimestamp(text[...], zoned: true) {
                answered += 1
                #expect(fast == Text.generalTimestampWithZone(text[...]), "\(text)")
            }
            if let fast = Text.canonicalTimestamp(text[...], zoned: false) {
                answered += 1
                #expect(fast == Text.generalTimestamp(text[...]), "\(text)")
            }
            #expect(Text.timestampWithZone(text[...]) == Text.generalTimestampWithZone(text[...]), "\(text)")
            #expect(Text.timestamp(text[...]) == Text.generalTimestamp(text[...]), "\(text)")
        }
        #expect(answered == 5 * 6 * 5)  // valid dates × valid times × (four valid zones + none)
        #expect(Text.canonicalTimestamp("2024-01-02 03:04:05.123456+02", zoned: true) == 1_704_157_445_123_456)
        #expect(Text.canonicalTimestamp("2024-01-02 03:04:05", zoned: false) == 1_704_164_645_000_000)
    }
}

@Suite("Numeric text: the small-decimal fast path")
struct NumericFastPathTests {
    @Test("agrees with NumericText's rescale and Decimal bytes wherever it answers")
    func agreesWithNumericText() {
        let texts = [
            "0", "-0", "0.00", "-0.001", "12.34", "-12.34", "+7", "12.345", "12.355", "-12.345", "99.995", "-99.995", "0.5", ".5",
            "5.",
            "127", "128", "-128", "-129", "32767", "32768", "123456789012345678", "1234567890123456789", "12345678901234567.8",
            "999999999999999999", "1e5", "1.2.3", "", "-", ".", "NaN", "１２",
        ]
        var answered = 0
        for text in texts {
            for scale in 0...4 {
                guard let fast = NumericText.smallDecimal(text, scale: scale) else { continue }
                answered += 1
                #expect(fast == NumericText(text)?.rescaled(to: scale).connectDecimal, "\(text) at scale \(scale)")
            }
        }
        #expect(answered > 80)
        #expect(NumericText.smallDecimal("-12.345", scale: 2) == ConnectDecimal(unscaled: [0xFB, 0x2D], scale: 2))  // -1235
        #expect(NumericText.smallDecimal("1234567890123456789", scale: 0) == nil)  // 19 digits: the general path
    }
}
