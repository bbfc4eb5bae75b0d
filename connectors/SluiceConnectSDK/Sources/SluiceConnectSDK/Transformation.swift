/// A single message transformation (Kafka Connect's `Transformation`): changes or drops one
/// record. Configured from the `transforms.<alias>.*` settings (prefix removed).
public protocol Transformation: Sendable {
    init(configuration: [String: String]) throws
    /// `nil` drops the record.
    func apply<R: ConnectRecord>(_ record: R) throws -> R?
}

/// A condition on a record (Kafka Connect's `Predicate`), used to apply a transformation only to
/// some records. `negate` on the transformation inverts it.
public protocol Predicate: Sendable {
    init(configuration: [String: String]) throws
    func test<R: ConnectRecord>(_ record: R) -> Bool
}

/// Which part of a record a `$Key`/`$Value` transformation works on.
public enum RecordPart: String, Sendable {
    case key = "Key"
    case value = "Value"

    public func schema<R: ConnectRecord>(of record: R) -> Schema? { self == .key ? record.keySchema : record.valueSchema }
    public func value<R: ConnectRecord>(of record: R) -> ConnectValue { self == .key ? record.key : record.value }

    /// The record with this part replaced.
    public func replacing<R: ConnectRecord>(in record: R, schema: Schema?, value: ConnectValue) -> R {
        record.with {
            if self == .key {
                $0.keySchema = schema
                $0.key = value
            } else {
                $0.valueSchema = schema
                $0.value = value
            }
        }
    }
}
