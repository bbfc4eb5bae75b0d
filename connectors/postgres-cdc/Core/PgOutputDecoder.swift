/// Decodes pgoutput logical replication messages (protocol version 1, non-streaming) — the
/// payload of each `XLogData` (`w`) message on a replication connection started with
/// `START_REPLICATION SLOT … LOGICAL … (proto_version '1', publication_names '…')`.
///
/// Stateless and pure: decoding one message never depends on an earlier one. Use
/// `RelationCache` to remember Relation messages and resolve tuples into named columns.
public struct PgOutputDecoder: Sendable {
    public init() {}

    /// Decodes one message. Truncated or malformed input, an unknown tag and trailing bytes all
    /// throw a `PgOutputDecodingError` naming the message and the byte offset.
    public func decode(_ bytes: [UInt8]) throws(PgOutputDecodingError) -> PgOutputMessage {
        var reader = PgOutputByteReader(bytes)
        guard !reader.isAtEnd else { throw reader.error(.empty) }
        let tag = try reader.readUInt8()
        let message: PgOutputMessage
        switch tag {
        case UInt8(ascii: "B"):
            reader.messageName = "Begin"
            message = .begin(
                .init(finalLSN: try reader.readUInt64(), commitTimestamp: try reader.readInt64(), xid: try reader.readUInt32()))
        case UInt8(ascii: "C"):
            reader.messageName = "Commit"
            message = .commit(
                .init(
                    flags: try reader.readUInt8(), commitLSN: try reader.readUInt64(), endLSN: try reader.readUInt64(),
                    commitTimestamp: try reader.readInt64()))
        case UInt8(ascii: "O"):
            reader.messageName = "Origin"
            message = .origin(.init(commitLSN: try reader.readUInt64(), name: try reader.readCString()))
        case UInt8(ascii: "R"):
            reader.messageName = "Relation"
            message = .relation(try Self.relation(&reader))
        case UInt8(ascii: "Y"):
            reader.messageName = "Type"
            message = .type(
                .init(id: try reader.readUInt32(), namespace: try reader.readCString(), name: try reader.readCString()))
        case UInt8(ascii: "I"):
            reader.messageName = "Insert"
            let relationId = try reader.readUInt32()
            try Self.expectMarker(&reader, allowed: [UInt8(ascii: "N")])
            message = .insert(.init(relationId: relationId, newTuple: try Self.tuple(&reader)))
        case UInt8(ascii: "U"):
            reader.messageName = "Update"
            message = .update(try Self.update(&reader))
        case UInt8(ascii: "D"):
            reader.messageName = "Delete"
            let relationId = try reader.readUInt32()
            let marker = try Self.expectMarker(&reader, allowed: [UInt8(ascii: "K"), UInt8(ascii: "O")])
            let old = PgOldTuple(kind: marker == UInt8(ascii: "K") ? .key : .full, tuple: try Self.tuple(&reader))
            message = .delete(.init(relationId: relationId, oldTuple: old))
        case UInt8(ascii: "T"):
            reader.messageName = "Truncate"
            message = .truncate(try Self.truncate(&reader))
        case UInt8(ascii: "M"):
            reader.messageName = "Message"
            message = .message(try Self.logicalMessage(&reader))
        default:
            throw reader.error(.unknownMessageType(tag), at: 0)
        }
        try reader.expectEnd()
        return message
    }

    private static func relation(_ reader: inout PgOutputByteReader) throws(PgOutputDecodingError) -> PgOutputMessage.Relation {
        let id = try reader.readUInt32()
        let namespace = try reader.readCString()
        let name = try reader.readCString()
        let identity = PgOutputMessage.ReplicaIdentity(byte: try reader.readUInt8())
        let countOffset = reader.offset
        let count = Int(try reader.readInt16())
        guard count >= 0 else { throw reader.error(.invalidLength(count), at: countOffset) }
        var columns: [PgOutputMessage.Column] = []
        columns.reserveCapacity(count)
        for _ in 0..<count {
            columns.append(
                .init(
                    flags: try reader.readUInt8(), name: try reader.readCString(), typeOid: try reader.readUInt32(),
                    typeModifier: try reader.readInt32()))
        }
        return .init(id: id, namespace: namespace, name: name, replicaIdentity: identity, columns: columns)
    }

    private static func update(_ reader: inout PgOutputByteReader) throws(PgOutputDecodingError) -> PgOutputMessage.Update {
        let relationId = try reader.readUInt32()
        let marker = try expectMarker(&reader, allowed: [UInt8(ascii: "K"), UInt8(ascii: "O"), UInt8(ascii: "N")])
        var old: PgOldTuple?
        if marker != UInt8(ascii: "N") {
            old = PgOldTuple(kind: marker == UInt8(ascii: "K") ? .key : .full, tuple: try tuple(&reader))
            try expectMarker(&reader, allowed: [UInt8(ascii: "N")])
        }
        return .init(relationId: relationId, oldTuple: old, newTuple: try tuple(&reader))
    }

    private static func truncate(_ reader: inout PgOutputByteReader) throws(PgOutputDecodingError) -> PgOutputMessage.Truncate {
        let countOffset = reader.offset
        let count = Int(try reader.readInt32())
        guard count >= 0 else { throw reader.error(.invalidLength(count), at: countOffset) }
        let options = try reader.readUInt8()
        // Check the length up front so a huge bogus count fails fast instead of looping.
        guard reader.remaining >= count * 4 else {
            throw reader.error(.truncated(needed: count * 4, available: reader.remaining))
        }
        var ids: [UInt32] = []
        ids.reserveCapacity(count)
        for _ in 0..<count { ids.append(try reader.readUInt32()) }
        return .init(options: options, relationIds: ids)
    }

    private static func logicalMessage(
        _ reader: inout PgOutputByteReader
    ) throws(PgOutputDecodingError) -> PgOutputMessage.LogicalMessage {
        let flags = try reader.readUInt8()
        let lsn = try reader.readUInt64()
        let prefix = try reader.readCString()
        let lengthOffset = reader.offset
        let length = Int(try reader.readInt32())
        guard length >= 0 else { throw reader.error(.invalidLength(length), at: lengthOffset) }
        return .init(flags: flags, lsn: lsn, prefix: prefix, content: try reader.readBytes(length))
    }

    /// Reads a tuple marker byte and checks it is one of `allowed`.
    @discardableResult
    private static func expectMarker(
        _ reader: inout PgOutputByteReader, allowed: [UInt8]
    ) throws(PgOutputDecodingError) -> UInt8 {
        let offset = reader.offset
        let marker = try reader.readUInt8()
        guard allowed.contains(marker) else { throw reader.error(.invalidTupleMarker(marker), at: offset) }
        return marker
    }

    /// TupleData: Int16 column count, then per column a kind byte and, for `t`/`b`, an Int32
    /// length and that many bytes.
    private static func tuple(_ reader: inout PgOutputByteReader) throws(PgOutputDecodingError) -> PgTuple {
        let countOffset = reader.offset
        let count = Int(try reader.readInt16())
        guard count >= 0 else { throw reader.error(.invalidLength(count), at: countOffset) }
        var values: [PgTupleValue] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            let kindOffset = reader.offset
            let kind = try reader.readUInt8()
            switch kind {
            case UInt8(ascii: "n"): values.append(.null)
            case UInt8(ascii: "u"): values.append(.unchangedToast)
            case UInt8(ascii: "t"), UInt8(ascii: "b"):
                let lengthOffset = reader.offset
                let length = Int(try reader.readInt32())
                guard length >= 0 else { throw reader.error(.invalidLength(length), at: lengthOffset) }
                let data = try reader.readBytes(length)
                values.append(kind == UInt8(ascii: "t") ? .text(String(decoding: data, as: UTF8.self)) : .binary(data))
            default:
                throw reader.error(.invalidColumnKind(kind), at: kindOffset)
            }
        }
        return PgTuple(values)
    }
}
