import Bus
import Foundation
import Testing
import TestSupport
import ZeroMQ

/// `docs/examples/bus_subscriber.py` implements the protocol from the document alone (pyzmq);
/// it must join and follow the Swift publisher and snapshot server, single records and packs.
@Suite("Bus protocol from Python")
struct BusPythonInteropTests {
    @Test func pythonReferenceSubscriberJoinsAndFollows() async throws {
        let python = try TestEnvironment.require(TestEnvironment.python)
        let script = TestEnvironment.packageRoot.appendingPathComponent("docs/examples/bus_subscriber.py").path
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context, heartbeatInterval: .milliseconds(50))
        let cache = InMemoryBusCache(epoch: publisher.epoch)
        func record(_ index: Int, sequence: UInt64) -> BusRecord {
            // Every fifth record carries headers (a version 2 record), the others are version 1.
            let headers = index % 5 == 0
                ? [BusRecordHeader(name: "src", value: Array("é".utf8)), BusRecordHeader(name: "bin", value: [0xff]),
                   BusRecordHeader(name: "none", value: nil)]
                : []
            return BusRecord(topic: "orders", partition: 0, offset: Int64(index), timestamp: 1_700_000_000_000 + Int64(index),
                             key: Array("\"k\(index)\"".utf8), value: index == 7 || index == 207 ? nil : Array("{\"n\":\(index),\"s\":\"é\"}".utf8),
                             sequence: sequence, epoch: publisher.epoch, headers: headers)
        }
        func publish(_ index: Int) throws {
            let single = record(index, sequence: publisher.lastSequence + 1)
            try publisher.publish(single)
            cache.add(single)
        }
        /// Records `indices` as one version 3 pack.
        func publishPack(_ indices: Range<Int>) throws {
            let first = publisher.lastSequence + 1
            let records = indices.map { record($0, sequence: first + UInt64($0 - indices.lowerBound)) }
            #expect(try publisher.publish(packed: records[...]), "the Python subscriber announced packs")
            records.forEach(cache.add)
        }
        for index in 0..<100 { try publish(index) }
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            let child = try ChildProcess(
                python, [script, publisher.boundEndpoint, server.boundEndpoint, "300"], label: "bus-python")
            defer { child.stop() }
            try await waitUntil("python to join") { child.output.contains("JOINED") || !child.isRunning }
            #expect(child.output.contains("JOINED 100"), "\(child.output)")
            try await waitUntil("its packs announcement") {
                publisher.applySubscriptions()
                return publisher.subscriptions.holders(of: []) == 1 && publisher.everySubscriberReadsPacks
            }
            // Live: packs of 10 (with headers, a null value) between runs of single records.
            for start in stride(from: 100, to: 300, by: 10) {
                if start % 20 == 0 {
                    try publishPack(start..<start + 10)
                } else {
                    for index in start..<start + 10 { try publish(index) }
                }
            }
            try await waitUntil("python to finish", timeout: .seconds(30)) {
                publisher.processEvents()  // heartbeats reveal anything it lost
                return !child.isRunning
            }
            #expect(child.process.terminationStatus == 0, "\(child.output)")
            let lines = child.output.split(separator: "\n")
            let summaryLine = try #require(lines.last(where: { $0.hasPrefix("{") }), "\(child.output)")
            let summary = try #require(
                try JSONSerialization.jsonObject(with: Data(summaryLine.utf8)) as? [String: Any])
            #expect(summary["last"] as? Int == 300)
            #expect(summary["state_size"] as? Int == 300)
            #expect(summary["live_contiguous"] as? Bool == true)
            #expect(summary["live"] as? Int == 200)
            #expect(summary["resyncs"] as? [String] == [])
            let packed = try #require(summary["packed_sample"] as? [String: Any])
            #expect(packed["key"] as? String == "k200" && packed["sequence"] as? Int == 201)
            #expect((packed["headers"] as? [[Any]])?.first as? [String] == ["src", "é"])
            #expect(summary["null_values"] as? Int == 2)  // records 7 (single) and 207 (packed)
            let sample = try #require(summary["sample"] as? [String: Any])
            #expect(sample["key"] as? String == "k5")
            #expect((sample["value"] as? [String: Any])?["s"] as? String == "é")
            #expect(sample["timestamp"] as? Int == 1_700_000_000_005)
            #expect(sample["sequence"] as? Int == 6)
            // Headers of a version 2 record: UTF-8 values as text, others as hex, null as null.
            #expect((sample["headers"] as? [[Any]])?.map { $0.map { $0 as? String ?? "<null>" } }
                    == [["src", "é"], ["bin", "ff"], ["none", "<null>"]])
        }
    }
}
