import Foundation
import Kafka
import Testing
import TestSupport
import ZeroMQ

/// Issue 11: realtimed follows an ingestd whose bus requires CURVE keys when it is given them
/// (`BUS_CURVE_SERVER_KEY`, `BUS_CURVE_CLIENT_SECRET_KEY`); a replica without the keys gets
/// nothing from that bus.
@Suite(.serialized) struct RealtimeBusSecurityTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    @Test func aReplicaWithTheKeysIsServedOneWithoutIsNot() async throws {
        try #require(ZMQCurve.isAvailable, "libzmq without CURVE")
        let server = try ZMQCurve.keyPair()
        let client = try ZMQCurve.keyPair()
        try producer.createTopics(["locked"])
        let ingestd = try IngestdProcess(broker: broker, group: "curve-rt", environment: [
            "BUS_CURVE_SECRET_KEY": server.secretKey, "BUS_CURVE_CLIENT_KEYS": client.publicKey])
        try await ingestd.waitUntilReady()
        let keyed = try RealtimedProcess(ingestd: [ingestd], replica: "keyed", environment: [
            "BUS_CURVE_SERVER_KEY": server.publicKey, "BUS_CURVE_CLIENT_SECRET_KEY": client.secretKey])
        let stranger = try RealtimedProcess(ingestd: [ingestd], replica: "stranger")
        try await keyed.waitUntilReady()
        try await ingestd.waitForBusSubscribers(1)

        try producer.send(topic: "locked", value: Array(#"{"n":1}"#.utf8), timestamp: 1000)
        try producer.flush()
        func recordsSeen(_ realtimed: RealtimedProcess) async -> Int? {
            guard let body = await realtimed.get("/status")?.body,
                  let status = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                  let topic = status["locked"] as? [String: Any] else { return nil }
            return topic["records_seen"] as? Int
        }
        let delivered = await eventually(timeout: 20) { await recordsSeen(keyed) == 1 }
        #expect(delivered, "\(keyed.process.output.suffix(2000))")
        // By now the stranger had every chance to get the same record; it never completes the
        // CURVE handshake, so it has no snapshot (`/health` 503) and no record.
        let strangerAnswers = await eventually(timeout: 10) { await stranger.get("/health") != nil }
        #expect(strangerAnswers)
        #expect(await stranger.get("/health")?.status == 503)
        #expect(await recordsSeen(stranger) ?? 0 == 0)
        #expect(stranger.process.isRunning)
    }

    @Test func aMalformedKeyIsAConfigurationError() throws {
        let ingestd = try IngestdProcess(broker: broker, group: "curve-bad-rt")
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "bad-key",
                                             environment: ["BUS_CURVE_SERVER_KEY": "short"])
        #expect(realtimed.process.waitForExit(timeout: 10) == 2)
        #expect(realtimed.process.output.contains("BUS_CURVE_SERVER_KEY"))
    }
}
