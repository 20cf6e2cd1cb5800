import Crypto
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Foundation
import Kafka
import Testing
import TestSupport
import Visibility

/// Issue 18, `AUTH_MODE=token`: against a real ingestd and reference clients, each merchant
/// client gets exactly the public records and its own, never another merchant's: in the history
/// on connect, live, and in `/status`; an operator token sees everything; a client without a
/// token is refused with `unauthorized` and gets nothing.
@Suite(.serialized) struct RealtimeAccessTests {
    enum Owner: CaseIterable { case a, b, unclaimed, publicRecord, notAString }

    let broker: TansuBroker
    let producer: KafkaProducer
    let tokens = (a: "tok-a-\(UInt64.random(in: 0...UInt64.max))", b: "tok-b-\(UInt64.random(in: 0...UInt64.max))",
                  unclaimed: "tok-c-\(UInt64.random(in: 0...UInt64.max))", op: "op-\(UInt64.random(in: 0...UInt64.max))")

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    func value(_ n: Int, _ owner: Owner) -> String {
        switch owner {
        case .a: #"{"n":\#(n),"merchant_id":"\#(MerchantIdentity.merchantID(token: tokens.a))"}"#
        case .b: #"{"n":\#(n),"merchant_id":"\#(MerchantIdentity.merchantID(token: tokens.b))"}"#
        case .unclaimed: #"{"n":\#(n),"merchant_id":"\#(MerchantIdentity.merchantID(token: tokens.unclaimed))"}"#
        case .publicRecord: #"{"n":\#(n),"price":1.5}"#
        case .notAString: #"{"n":\#(n),"merchant_id":42}"#
        }
    }

    /// The `n` of Price Wars payloads.
    static func numbers(_ payloads: [Any]) -> [Int] {
        payloads.compactMap { RealtimeTestClient.record($0)?["value"] as? [String: Any] }.compactMap { $0["n"] as? Int }
    }

    @Test func eachClientSeesPublicRecordsAndItsOwnInHistoryLiveAndStatus() async throws {
        try producer.createTopics(["buyOffer"])
        let ingestd = try IngestdProcess(broker: broker, group: "access", environment: ["TOPIC_FORMATS": ".*=json"])
        try await ingestd.waitUntilReady()
        var owners: [Owner] = []
        func produce(_ range: Range<Int>) throws {
            for n in range {
                let owner = Owner.allCases.randomElement()!
                owners.append(owner)
                try producer.send(topic: "buyOffer", value: Array(value(n, owner).utf8), timestamp: 1000 + Int64(n))
            }
            try producer.flush()
        }
        try produce(0..<30)
        let operators = FileManager.default.temporaryDirectory.appendingPathComponent("operators-\(UUID().uuidString)")
        try "# operators\n\(MerchantIdentity.tokenDigest(tokens.op))\n".write(to: operators, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: operators) }
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "access", environment: [
            "AUTH_MODE": "token", "OPERATOR_TOKENS_FILE": operators.path, "PRICEWARS_TOPICS": "buyOffer",
        ].merging(RealtimeTestClient.browserEnvironment) { $1 })
        try await realtimed.waitUntilReady()
        let loaded = await eventually(timeout: 20) {
            guard let body = await realtimed.get("/status?token=\(tokens.op)")?.body,
                  let status = try? JSONSerialization.jsonObject(with: body) as? [String: [String: Any]] else { return false }
            return status["buyOffer"]?["records_seen"] as? Int == 30
        }
        #expect(loaded)

        let events = ["buyOffer"]
        let merchantA = try RealtimeTestClient(.python5, url: realtimed.url, events: events, auth: ["token": tokens.a])
        let merchantB = try RealtimeTestClient(.python4, url: realtimed.url + "?token=\(tokens.b)", events: events)
        let merchantAInJS = try RealtimeTestClient(.javascript, url: realtimed.url, events: events, auth: ["token": tokens.a])
        let merchantBInChromium = try RealtimeTestClient(.chromium, url: realtimed.url, events: events, auth: ["token": tokens.b])
        let operatorClient = try RealtimeTestClient(.python5, url: realtimed.url, events: events, auth: ["token": tokens.op])
        let conflatedA = try RealtimeTestClient(.python5, url: realtimed.url, events: events, actions: [
            ["emit": "subscribe", "args": [["topics": ["buyOffer"], "conflate": ["everyMs": 50]]]]], auth: ["token": tokens.a])
        let anonymous = try RealtimeTestClient(.python5, url: realtimed.url, events: events)
        let anonymousJS = try RealtimeTestClient(.javascript, url: realtimed.url, events: events)
        let viewers: [(RealtimeTestClient, Set<Owner>)] = [
            (merchantA, [.a, .publicRecord]), (merchantB, [.b, .publicRecord]), (merchantAInJS, [.a, .publicRecord]),
            (merchantBInChromium, [.b, .publicRecord]), (operatorClient, Set(Owner.allCases)),
        ]
        for (client, _) in viewers { try await client.waitUntilConnected() }
        for client in [anonymous, anonymousJS] {
            let refused = try await client.waitFor("refusal") { $0.contains { $0.event == "$connect_error" } }
            let text = refused.first { $0.event == "$connect_error" }.map { "\($0.raw)" } ?? ""
            #expect(text.contains("unauthorized"), "\(client.kind): \(text)")
        }

        // History on connect: what each may see among the 30.
        for (client, visible) in viewers {
            let history = try await client.waitFor("history") { $0.contains { $0.event == "buyOffer" } }
            let first = history.first { $0.event == "buyOffer" }?.payload as? [Any] ?? []
            #expect(Self.numbers(first) == (0..<30).filter { visible.contains(owners[$0]) }, "\(client.kind) \(visible)")
        }

        // Live: exactly what each may see, once.
        try produce(30..<80)
        for (client, visible) in viewers {
            let expected = (30..<80).filter { visible.contains(owners[$0]) }
            try await client.waitFor("live records") { _ in
                Self.numbers(client.payloads("buyOffer").dropFirst().map { $0 }) == expected
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        for (client, visible) in viewers {
            #expect(Self.numbers(client.payloads("buyOffer").dropFirst().map { $0 })
                == (30..<80).filter { visible.contains(owners[$0]) })
        }
        for client in [anonymous, anonymousJS] { #expect(client.payloads("buyOffer").isEmpty) }
        // A conflated merchant (one group per identity) ends on its newest visible record and
        // never gets another merchant's.
        let visibleToA = Set((0..<80).filter { [.a, .publicRecord].contains(owners[$0]) })
        try await conflatedA.waitFor("the newest visible record") { _ in
            Self.numbers(conflatedA.payloads("buyOffer").dropFirst().map { $0 }).last == visibleToA.max()
        }
        let conflatedNumbers = Self.numbers(conflatedA.payloads("buyOffer").dropFirst().map { $0 })
        #expect(conflatedNumbers.allSatisfy(visibleToA.contains), "\(conflatedNumbers)")

        // /status per token; none without one; /metrics for operators only.
        let statusA = try #require(await realtimed.get("/status?token=\(tokens.a)"))
        let topic = try #require((try JSONSerialization.jsonObject(with: statusA.body) as? [String: [String: Any]])?["buyOffer"])
        let visibleA = (0..<80).filter { [.a, .publicRecord].contains(owners[$0]) }
        #expect(topic["records_seen"] as? Int == visibleA.count)
        #expect(((topic["last_record"] as? [String: Any])?["value"] as? [String: Any])?["n"] as? Int == visibleA.last)
        #expect(await realtimed.get("/status")?.status == 401)
        #expect(await realtimed.get("/metrics?token=\(tokens.a)")?.status == 403)
        let metrics = try #require(await realtimed.get("/metrics?token=\(tokens.op)"))
        #expect(metrics.status == 200)
        #expect(String(decoding: metrics.body, as: UTF8.self).contains("realtime_clients_refused_total 2"))
    }

    /// A merchant client that drops and recovers its session gets, of what it missed, only what
    /// it may see, in order (its scope rooms are part of the recovered session), then live.
    @Test func aRecoveredMerchantGetsOnlyItsMissedRecords() async throws {
        try producer.createTopics(["buyOffer"])
        let ingestd = try IngestdProcess(broker: broker, group: "access-recovery", environment: ["TOPIC_FORMATS": ".*=json"])
        try await ingestd.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "access-recovery", environment: [
            "AUTH_MODE": "token", "RECOVERY_SECONDS": "60", "PRICEWARS_TOPICS": "buyOffer"])
        try await realtimed.waitUntilReady()
        try await ingestd.waitForBusSubscribers(1)
        let client = try RealtimeTestClient(.javascript, url: realtimed.url, events: [],
                                            actions: [["emit": "$drop", "args": []]], auth: ["token": tokens.a])
        try await client.waitFor("the drop") { $0.contains { $0.event == "$disconnected" } }
        var owners: [Owner] = []
        for n in 0..<40 {
            let owner = Owner.allCases.randomElement()!
            owners.append(owner)
            try producer.send(topic: "buyOffer", value: Array(value(n, owner).utf8), timestamp: 1000 + Int64(n))
        }
        try producer.flush()
        let expected = (0..<40).filter { [.a, .publicRecord].contains(owners[$0]) }
        let observations = try await client.waitFor("the missed records") { _ in
            Self.numbers(client.payloads("buyOffer").dropFirst().map { $0 }) == expected
        }
        #expect(observations.last { $0.event == "$connected" }?.raw["recovered"] as? Bool == true, "\(client.process.output)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(Self.numbers(client.payloads("buyOffer").dropFirst().map { $0 }) == expected)
    }

    /// `AUTH_MODE=jwt`: a signed token names the merchant (or an operator) and the topics it may
    /// see; an expired, tampered or unsigned token is refused; a connection closes when its token
    /// expires unless a `refresh` brought a new one.
    @Test func jwtClientsSeeTheirRowsOfTheirTopicsAndExpireUnlessRefreshed() async throws {
        try producer.createTopics(["buyOffer", "secretTopic"])
        let ingestd = try IngestdProcess(broker: broker, group: "access-jwt", environment: ["TOPIC_FORMATS": ".*=json"])
        try await ingestd.waitUntilReady()
        var owners: [Owner] = []
        for n in 0..<30 {
            let owner = Owner.allCases.randomElement()!
            owners.append(owner)
            try producer.send(topic: "buyOffer", value: Array(value(n, owner).utf8), timestamp: 1000 + Int64(n))
            try producer.send(topic: "secretTopic", value: Array(#"{"n":\#(n)}"#.utf8), timestamp: 1000 + Int64(n))
        }
        try producer.flush()
        let key = P256.Signing.PrivateKey()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "access-jwt", environment: [
            "AUTH_MODE": "jwt", "JWT_PUBLIC_KEY_FILE": try TestJWT.file(key.publicKey.pemRepresentation),
            "PRICEWARS_TOPICS": "buyOffer"])
        try await realtimed.waitUntilReady()
        let merchantA = MerchantIdentity.merchantID(token: tokens.a)
        func token(exp: TimeInterval, merchant: String = merchantA, topics: [String: [String]] = ["deny": ["secret*"]]) throws -> String {
            try TestJWT.token(["merchant_id": merchant, "exp": TestJWT.time(exp), "topics": topics], key: .es256(key))
        }
        let operatorToken = try TestJWT.token(["operator": true], key: .es256(key))
        let loaded = await eventually(timeout: 20) {
            guard let body = await realtimed.get("/status?token=\(operatorToken)")?.body,
                  let status = try? JSONSerialization.jsonObject(with: body) as? [String: [String: Any]] else { return false }
            return status["buyOffer"]?["records_seen"] as? Int == 30 && status["secretTopic"]?["records_seen"] as? Int == 30
        }
        #expect(loaded)

        let events = ["buyOffer", "secretTopic"]
        let limited = try RealtimeTestClient(.python5, url: realtimed.url, events: events, auth: ["token": try token(exp: 120)])
        let expiring = try RealtimeTestClient(.javascript, url: realtimed.url, events: events, auth: ["token": try token(exp: 8)])
        let globbing = try RealtimeTestClient(.python5, url: realtimed.url, events: events,
                                              actions: [["emit": "subscribe", "args": ["*"]]], auth: ["token": try token(exp: 120)])
        let refreshed = try RealtimeTestClient(.python5, url: realtimed.url, events: events,
                                               actions: [["emit": "refresh", "args": [["token": try token(exp: 120)]]]],
                                               auth: ["token": try token(exp: 8)])
        let flooding = try RealtimeTestClient(.python5, url: realtimed.url, events: events,
                                              actions: try (0..<5).map { _ in ["emit": "refresh", "args": [["token": try token(exp: 120)]]] },
                                              auth: ["token": try token(exp: 120)])
        let expired = try RealtimeTestClient(.python4, url: realtimed.url + "?token=\(try token(exp: -5))", events: events)
        var tampered = try token(exp: 120).split(separator: ".").map(String.init)
        tampered[1] = TestJWT.base64URL(Data(#"{"operator":true}"#.utf8))
        let forged = try RealtimeTestClient(.python5, url: realtimed.url, events: events,
                                            auth: ["token": tampered.joined(separator: ".")])
        let unsigned = try RealtimeTestClient(.javascript, url: realtimed.url, events: events,
                                              auth: ["token": try TestJWT.token(["operator": true], key: .unsigned)])
        for client in [expired, forged, unsigned] {
            let refused = try await client.waitFor("refusal") { $0.contains { $0.event == "$connect_error" } }
            #expect("\(refused.first { $0.event == "$connect_error" }?.raw ?? [:])".contains("unauthorized"), "\(client.kind)")
        }

        // History: A's rows of buyOffer only; nothing of the denied topic.
        let visibleA: Set<Owner> = [.a, .publicRecord]
        let history = try await limited.waitFor("history") { $0.contains { $0.event == "buyOffer" } }
        #expect(Self.numbers(history.first { $0.event == "buyOffer" }?.payload as? [Any] ?? [])
            == (0..<30).filter { visibleA.contains(owners[$0]) })
        // A glob never reaches a denied topic.
        let globAck = try await globbing.waitFor("subscribe ack") { $0.contains { $0.event == "$ack" } }
        let subscribed = globAck.first { $0.event == "$ack" }?.payload as? [String: Any]
        #expect(subscribed?["topics"] as? [String] == ["buyOffer"], "\(String(describing: subscribed))")
        #expect((subscribed?["state"] as? [String: Any]).map { Set($0.keys) } == ["buyOffer"])
        let refreshAck = try await refreshed.waitFor("refresh ack") { $0.contains { $0.event == "$ack" } }
        let ack = refreshAck.first { $0.event == "$ack" }?.payload as? [String: Any]
        #expect((ack?["expires"] as? Int).map { $0 > TestJWT.time(100) } == true, "\(String(describing: ack))")
        // Refreshes past the allowance (3 per 10 s) are refused unread.
        let floodAcks = try await flooding.waitFor("five refresh acks") { $0.filter { $0.event == "$ack" }.count == 5 }
            .filter { $0.event == "$ack" }.map { "\($0.payload ?? "")" }
        #expect(floodAcks.filter { $0.contains("expires") }.count == 3, "\(floodAcks)")
        #expect(floodAcks.filter { $0.contains("too_many_refreshes") }.count == 2, "\(floodAcks)")

        // Live, past the 8 s expiry (long enough for a client to start on a loaded machine): the
        // unrefreshed connection is closed.
        for n in 30..<60 {
            let owner = Owner.allCases.randomElement()!
            owners.append(owner)
            try producer.send(topic: "buyOffer", value: Array(value(n, owner).utf8), timestamp: 1000 + Int64(n))
            try producer.send(topic: "secretTopic", value: Array(#"{"n":\#(n)}"#.utf8), timestamp: 1000 + Int64(n))
        }
        try producer.flush()
        let expected = (30..<60).filter { visibleA.contains(owners[$0]) }
        try await limited.waitFor("live rows") { _ in
            Self.numbers(limited.payloads("buyOffer").dropFirst().map { $0 }) == expected
        }
        try await expiring.waitFor("the expiry", timeout: 20) { $0.contains { $0.event == "$disconnected" } }
        try await Task.sleep(for: .seconds(1))
        #expect(!refreshed.observations.contains { $0.event == "$disconnected" }, "a refreshed token keeps its connection")
        for client in [limited, refreshed, globbing, flooding] { #expect(client.payloads("secretTopic").isEmpty, "\(client.kind)") }
        let status = try #require(await realtimed.get("/status?token=\(try token(exp: 60))"))
        let topics = try #require(try JSONSerialization.jsonObject(with: status.body) as? [String: Any])
        #expect(Set(topics.keys) == ["buyOffer"])
        let metrics = String(decoding: try #require(await realtimed.get("/metrics?token=\(operatorToken)")).body, as: UTF8.self)
        #expect(metrics.contains("realtime_refreshes_refused_total 2"), "\(metrics.split(separator: "\n").filter { $0.contains("refresh") })")
        #expect(metrics.contains("realtime_tokens_expired_total 1"), "\(metrics.split(separator: "\n").filter { $0.contains("token") })")
    }

    /// `METRICS_PORT`: `/metrics` on a listener of its own, and 404 on the public port (where a
    /// proxy would expose it).
    @Test func metricsCanMoveToAPortOfTheirOwn() async throws {
        let ingestd = try IngestdProcess(broker: broker, group: "access-metrics")
        try await ingestd.waitUntilReady()
        let metricsPort = freeLoopbackPort()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "metrics", environment: [
            "METRICS_PORT": String(metricsPort), "METRICS_HOST": "127.0.0.1"])
        try await realtimed.waitUntilReady()
        #expect(await realtimed.get("/metrics")?.status == 404)
        let (body, response) = try await URLSession.shared.data(from: try #require(URL(string: "http://127.0.0.1:\(metricsPort)/metrics")))
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: body, as: UTF8.self).contains("realtime_clients"))
        let (_, other) = try await URLSession.shared.data(from: try #require(URL(string: "http://127.0.0.1:\(metricsPort)/status")))
        #expect((other as? HTTPURLResponse)?.statusCode == 404, "only /metrics there")
    }

    @Test func anUnreadableOperatorFileOrATokenFileWithoutTokenModeStopsRealtimed() async throws {
        let ingestd = try IngestdProcess(broker: broker, group: "access-config")
        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("operators-\(UUID().uuidString)")
        try "not a digest\n".write(to: garbage, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: garbage) }
        for environment in [["AUTH_MODE": "token", "OPERATOR_TOKENS_FILE": garbage.path],
                            ["AUTH_MODE": "token", "OPERATOR_TOKENS_FILE": "/nonexistent/operators"],
                            ["OPERATOR_TOKENS_FILE": garbage.path], ["AUTH_MODE": "jwt"]] {
            let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "bad", environment: environment)
            #expect(realtimed.process.waitForExit(timeout: 10) == 2, "\(environment): \(realtimed.process.output.suffix(500))")
        }
    }
}
