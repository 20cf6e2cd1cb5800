import Bus
import Foundation
import Kafka
import Testing
import TestSupport
import ZeroMQ

/// Each attack of issue 11 against the real processes (Tansu, ingestd, realtimed), while a
/// well-behaved python-socketio client follows a topic that receives records during the attack.
/// For every attack: realtimed lives, its and ingestd's `/health` answer within 1 s throughout, the well-behaved
/// client receives every record exactly once, and realtimed's RSS stays under
/// ``RealtimeAttackTests/rssBoundKiB`` (a debug build; a release build needs less than half).
@Suite(.serialized) struct RealtimeAttackTests {
    /// The memory bound every attack must keep realtimed under (debug build, default queues).
    static let rssBoundKiB = 400 * 1024
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    /// What one attack run observed.
    struct Outcome {
        var slowestHealth: Double
        var peakRSSKiB: Int
    }

    /// Starts ingestd and realtimed (`environment` over the defaults), connects the well-behaved
    /// client, then runs `attack` while producing 60 records (20/s) and probing `/health` every
    /// 100 ms; checks the guarantees and hands realtimed to `check` for the attack's own counters.
    func underAttack(_ name: String, environment: [String: String] = [:],
                     attack: @escaping @Sendable (RealtimedProcess, IngestdProcess) async throws -> Void,
                     check: (RealtimedProcess) async throws -> Void = { _ in }) async throws {
        let topic = "steady-\(name)"
        try producer.createTopics([topic])
        let ingestd = try IngestdProcess(broker: broker, group: "attack-\(name)")
        try await ingestd.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "attack-\(name)",
                                             environment: environment.merging(["LOGGING_LEVEL": "INFO"]) { old, _ in old })
        try await realtimed.waitUntilReady()
        try await ingestd.waitForBusSubscribers(1)
        let client = try RealtimeTestClient(.python5, url: realtimed.url, events: [topic])
        try await client.waitUntilConnected()

        let pid = realtimed.process.process.processIdentifier
        let records = 60
        let outcome = try await withThrowingTaskGroup(of: Outcome?.self) { group in
            let attacking = AttackFlag()
            group.addTask {
                defer { attacking.stop() }
                try await attack(realtimed, ingestd)
                return nil
            }
            group.addTask {
                var outcome = Outcome(slowestHealth: 0, peakRSSKiB: 0)
                repeat {
                    var start = Date()
                    let status = await realtimed.get("/health")?.status
                    outcome.slowestHealth = max(outcome.slowestHealth, status == nil ? .infinity : Date().timeIntervalSince(start))
                    start = Date()
                    let ingestStatus = await ingestd.get("/health")?.status
                    outcome.slowestHealth = max(outcome.slowestHealth,
                                                ingestStatus == nil ? .infinity : Date().timeIntervalSince(start))
                    outcome.peakRSSKiB = max(outcome.peakRSSKiB, ProcessStats.residentKiB(pid))
                    try? await Task.sleep(for: .milliseconds(100))
                } while attacking.isOn
                return outcome
            }
            for n in 0..<records {
                try producer.send(topic: topic, value: Array(#"{"n":\#(n)}"#.utf8), timestamp: 1_000 + Int64(n))
                try producer.flush()
                try await Task.sleep(for: .milliseconds(50))
            }
            var outcome: Outcome?
            for try await result in group { if let result { outcome = result } }
            return try #require(outcome)
        }
        #expect(realtimed.process.isRunning, "\(name): realtimed died\n\(realtimed.process.output.suffix(3000))")
        #expect(outcome.slowestHealth < 1, "\(name): /health took \(outcome.slowestHealth) s during the attack")
        #expect(outcome.peakRSSKiB < Self.rssBoundKiB, "\(name): RSS reached \(outcome.peakRSSKiB) KiB")
        func numbers(_ observations: [RealtimeTestClient.Observation]) -> [Int] {
            observations.filter { $0.event == topic }.compactMap {
                (RealtimeTestClient.record($0.payload)?["value"] as? [String: Any])?["n"] as? Int
            }
        }
        let received = numbers(try await client.waitFor("all \(records) records of \(topic)", timeout: 20) {
            numbers($0).count >= records
        })
        #expect(received == Array(0..<records), "\(name): the well-behaved client got \(received)")
        try await check(realtimed)
    }

    // MARK: - Attacks

    /// Slowloris (a head sent a byte at a time) and silence after a head with `Content-Length`:
    /// both cut off at the head / body deadline, counted.
    @Test func slowAndSilentHTTPPeersAreCutOff() async throws {
        try await underAttack("slow-http", environment: ["HTTP_HEAD_TIMEOUT_MS": "1000", "HTTP_BODY_TIMEOUT_MS": "1000"],
                              attack: { realtimed, _ in
            let port = realtimed.port
            let cutOff = try await RawConnection.onThread { () -> Int in
                var slow: [RawConnection] = []
                for index in 0..<200 {
                    let connection = try RawConnection(port: port, source: "127.0.0.2")
                    connection.send(index % 2 == 0 ? "GET /status HTTP/1.1\r\n"
                                                   : "POST /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
                    slow.append(connection)
                }
                // The slow heads keep sending; the server must close them all the same.
                let deadline = Date().addingTimeInterval(2.5)
                while Date() < deadline {
                    for (index, connection) in slow.enumerated() where index % 2 == 0 { connection.send("X: 1\r\n") }
                    usleep(100_000)
                }
                return slow.filter { $0.closedByPeer(within: 1) }.count
            }
            #expect(cutOff == 200)
        }, check: { realtimed in
            #expect(await realtimed.metric(#"realtime_http_timeouts_total{part="head"}"#) ?? 0 >= 100)
            #expect(await realtimed.metric(#"realtime_http_timeouts_total{part="body"}"#) ?? 0 >= 100)
        })
    }

    /// 1,000 connections from one address against a cap of 100 per address: 900 closed at once.
    @Test func aConnectionFloodFromOneAddressIsCapped() async throws {
        try await underAttack("connection-flood", environment: ["MAX_CONNECTIONS_PER_ADDRESS": "100"], attack: { realtimed, _ in
            let port = realtimed.port
            let refused = try await RawConnection.onThread { () -> Int in
                let flood = (0..<1000).compactMap { _ in try? RawConnection(port: port, source: "127.0.0.3") }
                return flood.filter { $0.closedByPeer(within: 0.05) }.count
            }
            #expect(refused >= 900)
        }, check: { realtimed in
            #expect(await realtimed.metric(#"realtime_connections_refused_total{limit="per_address"}"#) ?? 0 >= 900)
        })
    }

    /// 2,000 polling handshakes over keep-alive connections from one address against a cap of
    /// 100 sessions per address: the rest are answered 503.
    @Test func aHandshakeFloodIsCappedWith503() async throws {
        try await underAttack("session-flood", environment: ["MAX_SESSIONS_PER_ADDRESS": "100"], attack: { realtimed, _ in
            let port = realtimed.port
            let refused = try await RawConnection.onThread { () -> Int in
                var refused = 0
                for _ in 0..<20 {
                    let connection = try RawConnection(port: port, source: "127.0.0.4")
                    for _ in 0..<100 {
                        connection.send("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n")
                        guard let head = connection.readHead(timeout: 5) else { break }
                        if head.hasPrefix("HTTP/1.1 503") { refused += 1 }
                        // Skip the body: the next read starts with the next head.
                        _ = connection.read(timeout: 0.001)
                    }
                }
                return refused
            }
            #expect(refused >= 1500)
        }, check: { realtimed in
            #expect(await realtimed.metric("realtime_sessions_refused_total") ?? 0 >= 1500)
        })
    }

    /// WebSocket clients that ping without end and never read are dropped as slow consumers.
    @Test func pingingWithoutReadingIsDropped() async throws {
        try await underAttack("ping-flood", environment: ["CLIENT_QUEUE_BYTES": "262144"], attack: { realtimed, _ in
            let port = realtimed.port
            let dropped = try await RawConnection.onThread { () -> Int in
                var dropped = 0
                for _ in 0..<10 {
                    let connection = try RawConnection(port: port, source: "127.0.0.5", receiveBufferSize: 4096)
                    guard connection.upgrade("/socket.io/?EIO=4&transport=websocket") else { continue }
                    let payload = [UInt8](repeating: 0x61, count: 125)
                    var sent = 0
                    while sent < 100_000, connection.sendFrame(opcode: 0x9, payload: payload) { sent += 1 }
                    if sent < 100_000 || connection.closedByPeer(within: 2) { dropped += 1 }
                }
                return dropped
            }
            #expect(dropped == 10)
        })
    }

    /// Subscribing to 60,000 names and unsubscribing 60,000 others, twenty times, and garbage
    /// frames from 50 connections: refused with clear errors (or the connection closed), cheap.
    @Test func subscribeFloodsAndGarbageFramesAreRefusedCheaply() async throws {
        try await underAttack("subscribe-flood", attack: { realtimed, _ in
            let port = realtimed.port
            try await RawConnection.onThread {
                let connection = try RawConnection(port: port, source: "127.0.0.6")
                guard connection.upgrade("/socket.io/?EIO=4&transport=websocket") else { return }
                connection.sendFrame(opcode: 0x1, payload: Array("40".utf8))
                let subscribe = "[" + (0..<60_000).map { "\"s\($0)\"" }.joined(separator: ",") + "]"
                let unsubscribe = "[" + (0..<60_000).map { "\"u\($0)\"" }.joined(separator: ",") + "]"
                for round in 0..<20 {
                    connection.sendFrame(opcode: 0x1, payload: Array("42\(2 * round)[\"subscribe\",\(subscribe)]".utf8))
                    connection.sendFrame(opcode: 0x1, payload: Array("42\(2 * round + 1)[\"unsubscribe\",\(unsubscribe)]".utf8))
                }
                var generator = SplitMix64(seed: 11)
                for _ in 0..<50 {
                    let garbage = try RawConnection(port: port, source: "127.0.0.7")
                    guard garbage.upgrade("/socket.io/?EIO=4&transport=websocket") else { continue }
                    for _ in 0..<20 {
                        let bytes = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                        if !garbage.sendFrame(opcode: 0x1, payload: bytes) { break }
                    }
                    garbage.close()
                }
                _ = connection.read(timeout: 1)
            }
        }, check: { realtimed in
            #expect(await realtimed.metric("realtime_subscriptions_refused_total") ?? 0 >= 40)
        })
    }

    /// Bus peers: PRESENCE with `Int.max` clients from two replica ids (it overflowed every
    /// realtimed), then 300 concurrent REPLAYs of the steady topic: refused or served, counted.
    @Test func hostileBusPeersAreRefusedAndCounted() async throws {
        try await underAttack("bus-peers", attack: { _, ingestd in
            let context = try ZMQContext()
            for replica in ["evil-1", "evil-2"] {
                await #expect(throws: BusClientError.self) {
                    _ = try await ingestd.request(.presence(BusPresenceReport(replica: replica, clients: Int.max,
                                                                              ttlMilliseconds: 60_000)), context: context)
                }
            }
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<300 {
                    group.addTask {
                        _ = try? await ingestd.request(.replay(BusReplayOffsets(["steady-bus-peers": [0: 0]])), context: context)
                    }
                }
            }
        }, check: { realtimed in
            #expect(await realtimed.metric("realtime_presence_counts_clamped_total") ?? 0 == 0)
        })
    }
}
