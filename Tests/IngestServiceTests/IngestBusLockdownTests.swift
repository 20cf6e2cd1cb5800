import Bus
import Foundation
import Kafka
import Testing
import TestSupport
import ZeroMQ

/// Issue 11: the bus can be locked down: a maximum message size on its sockets, and CURVE
/// authentication of the peers.
@Suite(.serialized) struct IngestBusLockdownTests {
    let broker: TansuBroker
    let producer: KafkaProducer
    let context: ZMQContext

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
        context = try ZMQContext()
    }

    /// Sends one request on a raw DEALER and waits up to `timeout` for the first reply frame.
    func rawReply(_ frames: [[UInt8]], endpoint: String, timeout: Duration) async throws -> [[UInt8]]? {
        let context = self.context
        return try await DedicatedThread.run(name: "raw-dealer") {
            let socket = try ZMQSocket(context: context, type: .dealer)
            defer { socket.close() }
            try socket.connect(endpoint)
            _ = try socket.send(frames)
            return try socket.receiveMultipart(timeout: timeout)
        }
    }

    @Test func anOversizedRequestDisconnectsItsPeerAndOthersAreServed() async throws {
        try producer.createTopics(["m"])
        let ingestd = try IngestdProcess(broker: broker, group: "maxmsg", environment: ["BUS_MAX_MESSAGE_BYTES": "65536"])
        try await ingestd.waitUntilReady()
        // Well-formed but over the limit: libzmq drops the connection instead of reading it.
        let oversized = [Array("SNAPSHOT".utf8), [UInt8](repeating: UInt8(ascii: "x"), count: 100_000)]
        let reply = try await rawReply(oversized, endpoint: ingestd.snapshotEndpoint, timeout: .seconds(3))
        #expect(reply == nil, "an oversized request was answered")
        // Under the limit it is answered.
        let small = [Array("SNAPSHOT".utf8), [UInt8](repeating: UInt8(ascii: "x"), count: 1000)]
        #expect(try await rawReply(small, endpoint: ingestd.snapshotEndpoint, timeout: .seconds(10)) != nil)
        #expect(ingestd.process.isRunning)
    }

    @Test func curveAdmitsListedClientsAndRefusesPeersWithoutTheKey() async throws {
        try #require(ZMQCurve.isAvailable, "libzmq without CURVE")
        try producer.createTopics(["secure"])
        let server = try ZMQCurve.keyPair()
        let client = try ZMQCurve.keyPair()
        let stranger = try ZMQCurve.keyPair()
        let ingestd = try IngestdProcess(broker: broker, group: "curve", environment: [
            "BUS_CURVE_SECRET_KEY": server.secretKey, "BUS_CURVE_CLIENT_KEYS": client.publicKey])
        try await ingestd.waitUntilReady()
        let admitted = BusSocketSecurity(maximumMessageBytes: 1 << 20, curveServerPublicKey: server.publicKey,
                                         curveClientSecretKey: client.secretKey)
        let unlisted = BusSocketSecurity(curveServerPublicKey: server.publicKey, curveClientSecretKey: stranger.secretKey)

        // The side channel: only the listed client gets an answer.
        let snapshot = try await BusSnapshotClient.request(.snapshot(topicPrefix: ""), endpoint: ingestd.snapshotEndpoint,
                                                           context: context, security: admitted)
        #expect(snapshot.end.epoch != 0)
        for security in [BusSocketSecurity(), unlisted] {
            await #expect(throws: BusClientError.self) {
                try await BusSnapshotClient.request(.snapshot(topicPrefix: ""), endpoint: ingestd.snapshotEndpoint,
                                                    context: context, idleTimeout: .seconds(2), security: security)
            }
        }

        // The live stream: the listed subscriber receives records, the others nothing.
        let good = try BusTap(endpoint: ingestd.publishEndpoint, context: context, security: admitted)
        let plain = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        let wrongKey = try BusTap(endpoint: ingestd.publishEndpoint, context: context, security: unlisted)
        try await ingestd.waitForBusSubscribers(1)
        let producer = self.producer
        let received = try await good.collect { records in
            try? producer.send(topic: "secure", value: Array("{\"s\":1}".utf8))
            return !records.isEmpty
        }
        #expect(received.first?.topic == "secure")
        #expect(try await plain.collect(timeout: 1) { !$0.isEmpty }.isEmpty)
        #expect(try await wrongKey.collect(timeout: 1) { !$0.isEmpty }.isEmpty)
        let counted = await eventually(timeout: 5) { (await ingestd.metric("ingest_bus_auth_refused_total") ?? 0) >= 2 }
        #expect(counted)
        #expect(ingestd.process.isRunning)
    }

    @Test func badCurveKeysAreConfigurationErrors() throws {
        let ingestd = try IngestdProcess(broker: broker, group: "bad-curve", environment: ["BUS_CURVE_SECRET_KEY": "short"])
        #expect(ingestd.process.waitForExit(timeout: 10) == 2)
        #expect(ingestd.process.output.contains("BUS_CURVE_SECRET_KEY"))
    }
}
