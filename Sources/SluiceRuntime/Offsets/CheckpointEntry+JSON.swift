import SluiceConnectSDK

extension CheckpointEntry {
    /// The entry as stored by the file and S3 stores and in exports:
    /// `{"connector","partition","offset","sequence","task","time","workerId","location","previousHash","hash"}`.
    public var json: JSONValue {
        .object([
            "connector": .string(connector),
            "partition": .object(partition),
            "offset": offset.map { .object($0) } ?? .null,
            "sequence": .int(sequence),
            "task": taskID.map { .int(Int64($0)) } ?? .null,
            "time": .int(time),
            "workerId": .string(workerID),
            "location": .string(location),
            "previousHash": .string(previousHash),
            "hash": .string(hash),
        ])
    }

    /// Reads the shape `json` writes; `nil` when a required field is missing.
    public init?(json: JSONValue) {
        guard let connector = json["connector"]?.stringValue, let partition = json["partition"]?.objectValue,
            let sequence = json["sequence"]?.intValue
        else { return nil }
        self.init(
            connector: connector, partition: partition, offset: json["offset"]?.objectValue,
            workerID: json["workerId"]?.stringValue ?? "", taskID: json["task"]?.intValue.map { Int($0) },
            sequence: sequence, time: json["time"]?.intValue ?? 0, location: json["location"]?.stringValue ?? "",
            previousHash: json["previousHash"]?.stringValue ?? "", hash: json["hash"]?.stringValue ?? "")
    }
}

extension [CheckpointEntry] {
    /// Checks that `entries` (one connector, sorted by sequence) can be imported after `chain`:
    /// they must start after its last sequence and link to its head when contiguous.
    func checkImport(after chain: CheckpointChain, connector: String, location: String) throws {
        guard let first = self.first else { return }
        guard allSatisfy({ $0.connector == connector }) else {
            throw CheckpointStoreError(location: location, "import for \(connector) contains entries of other connectors")
        }
        if first.sequence <= chain.sequence {
            throw CheckpointStoreError(
                location: location,
                "cannot import \(connector) from sequence \(first.sequence): the store already holds its chain up to "
                    + "sequence \(chain.sequence)")
        }
        let verification = CheckpointChain.verify(self)
        if let broken = verification.broken {
            throw CheckpointStoreError(location: location, "refusing to import a broken chain for \(connector): \(broken)")
        }
    }
}

extension [CheckpointEntry] {
    /// The last `limit` entries (sorted by sequence), plus each partition's latest entry when it
    /// is older: a bounded history that still proves every current offset.
    func bounded(to limit: Int) -> [CheckpointEntry] {
        guard count > limit else { return self }
        var latest: [JSONObject: Int64] = [:]
        for entry in self { latest[entry.partition] = Swift.max(latest[entry.partition] ?? 0, entry.sequence) }
        let keep = Set(latest.values)
        let cut = count - limit
        return enumerated().filter { $0.offset >= cut || keep.contains($0.element.sequence) }.map(\.element)
    }
}
