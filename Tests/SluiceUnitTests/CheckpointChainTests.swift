import Foundation
import SluiceConnectSDK
import SluiceRuntime
import Testing

@Suite("Checkpoint hash chain")
struct CheckpointChainTests {
    func chain(_ count: Int, connector: String = "c") -> [CheckpointEntry] {
        var chain = CheckpointChain()
        return (0..<count).map { index in
            chain.append(
                connector: connector, partition: ["table": .string("t\(index % 3)")], offset: ["lsn": .int(Int64(index))],
                provenance: .init(workerID: "w1", taskID: 0), time: 1_764_325_200_000 + Int64(index), location: "pg-eu")
        }
    }

    @Test("canonical JSON sorts keys everywhere and the hash is SHA-256 of it")
    func canonicalForm() {
        let entry = CheckpointEntry(
            connector: "c", partition: ["z": 1, "a": ["y": 2, "b": 3]], offset: ["lsn": 7], workerID: "w", taskID: nil,
            sequence: 1, time: 5, location: "l")
        #expect(
            CheckpointChain.canonicalJSON(of: entry)
                == #"{"connector":"c","location":"l","offset":{"lsn":7},"partition":{"a":{"b":3,"y":2},"z":1},"#
                + #""previousHash":"","sequence":1,"task":null,"time":5,"workerId":"w"}"#)
        // printf '%s' '<the JSON above>' | sha256sum
        #expect(CheckpointChain.hash(of: entry) == "c72d627abc50afb53285d031cc777e1e8e86bb29e6a636060f1d2b3490037eaf")
        var reordered = entry
        reordered.partition = ["a": ["b": 3, "y": 2], "z": 1]
        #expect(CheckpointChain.hash(of: reordered) == CheckpointChain.hash(of: entry), "key order does not matter")
    }

    @Test("a sealed chain verifies; sequences and links are continuous")
    func intact() {
        let entries = chain(10)
        #expect(entries.map(\.sequence) == Array(1...10))
        #expect(entries[0].previousHash == "")
        for index in 1..<entries.count { #expect(entries[index].previousHash == entries[index - 1].hash) }
        let report = CheckpointChain.verify(entries.shuffled())
        #expect(report.isIntact)
        #expect(report.head == entries.last?.hash)
        #expect(report.gaps.isEmpty)
    }

    @Test("a changed offset is reported at its entry; a re-hashed change at the next one")
    func tampering() throws {
        var entries = chain(6)
        entries[3].offset = ["lsn": 999]
        let report = CheckpointChain.verify(entries)
        let broken = try #require(report.broken)
        #expect(broken.sequence == 4)
        #expect(broken.partition == ["table": "t0"])
        #expect(broken.description.contains("sequence 4"))

        entries[3].hash = CheckpointChain.hash(of: entries[3])
        #expect(CheckpointChain.verify(entries).broken?.sequence == 5)
    }

    @Test("pruned history is a gap, not a break; a duplicate sequence is a break")
    func gaps() {
        let entries = chain(10)
        let pruned = Array(entries[0...1]) + Array(entries[5...])
        let report = CheckpointChain.verify(pruned)
        #expect(report.isIntact)
        #expect(report.gaps == [3...5])
        #expect(CheckpointChain.verify(entries + [entries[4]]).broken?.sequence == 5)
    }

    @Test("entries survive their JSON form")
    func jsonRoundTrip() {
        for entry in chain(3) { #expect(CheckpointEntry(json: entry.json) == entry) }
    }

    @Test("file store: chain across reopen, bounded history, import keeps hashes")
    func fileStoreChain() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("offsets.json").path
        let location = CheckpointLocation(name: "local", kind: "file")
        let store = try FileCheckpointStore(path: path, location: location, historyLimit: 5)
        for index in 0..<4 {
            try await store.commit(
                connector: "c", offsets: [(["p": .int(Int64(index % 2))], ["o": .int(Int64(index))])],
                provenance: .init(workerID: "w", taskID: 0))
        }
        let reopened = try FileCheckpointStore(path: path, location: location, historyLimit: 5)
        for index in 4..<8 {
            try await reopened.commit(
                connector: "c", offsets: [(["p": .int(Int64(index % 2))], ["o": .int(Int64(index))])],
                provenance: .init(workerID: "w", taskID: 0))
        }
        let history = await reopened.history(connector: "c")
        #expect(history.map(\.sequence) == [4, 5, 6, 7, 8])
        #expect(CheckpointChain.verify(history).isIntact)

        let copy = try FileCheckpointStore(path: directory.appendingPathComponent("copy.json").path, location: location)
        try await copy.importEntries(connector: "c", entries: history)
        #expect(await copy.history(connector: "c") == history)
        #expect(await copy.offsets(connector: "c") == (await reopened.offsets(connector: "c")))
        try await copy.commit(connector: "c", offsets: [(["p": 0], ["o": 100])], provenance: .init(workerID: "w", taskID: 0))
        let continued = await copy.history(connector: "c")
        #expect(continued.last?.sequence == 9)
        #expect(continued.last?.previousHash == history.last?.hash)
        await #expect(throws: CheckpointStoreError.self) { try await copy.importEntries(connector: "c", entries: history) }
    }
}
