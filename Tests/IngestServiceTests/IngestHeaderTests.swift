import Bus
import Foundation
import Kafka
import Testing
import TestSupport
import ZeroMQ

/// Kafka headers through ingestd (a process against Tansu): live records, the snapshot cache
/// and REPLAY carry them in order; over `RECORD_MAX_HEADERS` / `RECORD_MAX_HEADER_BYTES` the
/// excess is left out and counted, the record still published; `RECORD_MAX_HEADERS=0` publishes
/// version 1 records only.
@Suite(.serialized) struct IngestHeaderTests {
    let broker: TansuBroker
    let producer: KafkaProducer
    let context: ZMQContext

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
        context = try ZMQContext()
    }

    static let headers = [
        KafkaHeader(name: "source", value: Array("pos-7".utf8)), KafkaHeader(name: "trace", value: []),
        KafkaHeader(name: "trace", value: nil), KafkaHeader(name: "bin", value: [0x00, 0xff]),
    ]

    static func bus(_ headers: [KafkaHeader]) -> [BusRecordHeader] { headers.map { BusRecordHeader(name: $0.name, value: $0.value) } }

    @Test func headersReachLiveSnapshotAndReplayInOrderWithinTheBounds() async throws {
        try producer.createTopics(["hdr"])
        let ingestd = try IngestdProcess(broker: broker, group: "headers", environment: [
            "TOPIC_FORMATS": ".*=json", "RECORD_MAX_HEADERS": "4", "RECORD_MAX_HEADER_BYTES": "64"])
        try await ingestd.waitUntilReady()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        try await ingestd.waitForBusSubscribers(1)

        let many = (0..<6).map { KafkaHeader(name: "h\($0)", value: Array("v".utf8)) }
        let big = [KafkaHeader(name: "a", value: Array(repeating: 0x61, count: 40)), KafkaHeader(name: "b", value: Array(repeating: 0x62, count: 40))]
        let produced: [[KafkaHeader]] = [Self.headers, [], many, big]
        for (index, headers) in produced.enumerated() {
            try producer.send(topic: "hdr", value: Array("{\"n\":\(index)}".utf8), partition: 0, headers: headers)
        }
        try producer.flush()
        // Kept in order up to 4 headers and 64 bytes of names and values; the rest left out.
        let expected = [Self.bus(Self.headers), [], Self.bus(Array(many.prefix(4))), Self.bus(Array(big.prefix(1)))]

        let live = try await tap.collect { $0.count >= 4 }
        #expect(live.map(\.headers) == expected)
        let snapshot = try await BusSnapshotClient.request(.snapshot(topicPrefix: "hdr"), endpoint: ingestd.snapshotEndpoint, context: context)
        #expect(snapshot.records.map(\.headers) == expected)
        let replay = try await BusSnapshotClient.request(.replay(BusReplayOffsets(["hdr": [0: 0]])), endpoint: ingestd.snapshotEndpoint,
                                                         context: context)
        #expect(replay.records.map(\.headers) == expected)
        let counted = await eventually(timeout: 10) { await ingestd.metric("ingest_record_headers_dropped_total") == 3 }
        let dropped = await ingestd.metric("ingest_record_headers_dropped_total")
        #expect(counted, "\(dropped ?? -1)")
    }

    /// `RECORD_MAX_HEADERS=0`: every record is a version 1 record, for subscribers older than headers.
    @Test func noHeadersPublishesVersion1Records() async throws {
        try producer.createTopics(["hdr0"])
        let ingestd = try IngestdProcess(broker: broker, group: "headers0", environment: ["TOPIC_FORMATS": ".*=json", "RECORD_MAX_HEADERS": "0"])
        try await ingestd.waitUntilReady()
        let sub = try ZMQSocket(context: context, type: .sub)
        try sub.subscribe("hdr0")
        try sub.connect(ingestd.publishEndpoint)
        try await ingestd.waitForBusSubscribers(1)
        try producer.send(topic: "hdr0", value: Array("{}".utf8), partition: 0, headers: Self.headers)
        try producer.flush()
        // Polled without blocking a cooperative thread (other suites' servers share them).
        var frames: [[UInt8]]?
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while frames == nil && ContinuousClock.now < deadline {
            frames = try sub.receiveMultipart(dontWait: true)
            if frames == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let received = try #require(frames)
        #expect(received.count == 4 && received[1][0] == 1)
    }
}
