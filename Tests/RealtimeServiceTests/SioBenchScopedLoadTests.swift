import Foundation
import Kafka
import Testing
import TestSupport
import Visibility

/// `sio-bench load` as the scoped and filtered fan-out benchmark uses it (issues 18 and 19),
/// against a real ingestd and realtimed with `AUTH_MODE=token`: clients with `--token` get the
/// public records and their merchant's, `--per-client` counts them in connection order; a client
/// without a token, or with a filter realtimed refuses, fails the run (exit status, "refused")
/// instead of measuring nothing. The benchmark checks every client's count at full scale.
@Suite(.serialized) struct SioBenchScopedLoadTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
        try producer.createTopics(["buyOffer"])
    }

    /// The `sio-bench` built next to realtimed.
    var sioBench: String {
        get throws {
            let directory = URL(fileURLWithPath: RealtimedProcess.executable).deletingLastPathComponent()
            return try TestEnvironment.require(directory.appendingPathComponent("sio-bench").path)
        }
    }

    @Test func merchantClientsCountPublicRecordsAndTheirOwn() async throws {
        let ingestd = try IngestdProcess(broker: broker, group: "bench-scoped", environment: ["TOPIC_FORMATS": ".*=json"])
        try await ingestd.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "bench-scoped", environment: [
            "API_FAMILIES": "pricewars", "PRICEWARS_LIVE_OBJECTS": "true", "AUTH_MODE": "token", "LOGGING_LEVEL": "INFO",
        ])
        try await realtimed.waitUntilReady()
        let tokens = ["bench-merchant-a", "bench-merchant-b"]
        let load = try ChildProcess(try sioBench, [
            "load", "--port", String(realtimed.port), "--clients", "4", "--passive", "--event", "buyOffer",
            "--timestamp-field", "timestamp", "--timestamp-unit", "ms", "--seconds", "4", "--warmup", "0",
            "--linger", "1", "--per-client", "--token", tokens[0], "--token", tokens[1],
        ], label: "sio-bench-scoped")
        defer { load.stop(signal: SIGKILL) }
        try #require(await eventually(timeout: 30) { load.output.contains("started") }, "\(load.output)")
        // Records 0..<6: A's (n % 3 == 0), B's (1), public (2). Clients 0 and 2 are A's, 1 and 3 B's.
        for n in 0..<6 {
            let owner = n % 3 < 2 ? #","merchant_id":"\#(MerchantIdentity.merchantID(token: tokens[n % 3]))""# : ""
            try producer.send(topic: "buyOffer", value: Array(#"{"n":\#(n),"http_code":200\#(owner)}"#.utf8))
            try producer.flush()
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(load.waitForExit(timeout: 30) == 0, "\(load.output)")
        #expect(load.output.contains(#""per_client_all_deliveries":[4,4,4,4]"#), "\(load.output)")
    }

    /// The scale benchmark's mix (issue 17): Engine.IO v3 clients (`--eio3-share`) connect
    /// without a CONNECT and keep themselves alive with their own pings (a 300 ms interval here,
    /// so a client that did not ping would be dropped within the run), v4 clients answer pings;
    /// every client counts every record.
    @Test func engineIOv3AndV4ClientsStayConnectedAndCountEveryRecord() async throws {
        let ingestd = try IngestdProcess(broker: broker, group: "bench-mixed", environment: ["TOPIC_FORMATS": ".*=json"])
        try await ingestd.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "bench-mixed", environment: [
            "API_FAMILIES": "pricewars", "PRICEWARS_LIVE_OBJECTS": "true", "PING_INTERVAL_MS": "300",
            "PING_TIMEOUT_MS": "300", "LOGGING_LEVEL": "INFO",
        ])
        try await realtimed.waitUntilReady()
        let load = try ChildProcess(try sioBench, [
            "load", "--port", String(realtimed.port), "--clients", "6", "--passive", "--event", "buyOffer",
            "--timestamp-field", "timestamp", "--timestamp-unit", "ms", "--seconds", "3", "--warmup", "0",
            "--linger", "1", "--per-client", "--eio3-share", "0.5", "--source-addresses", "3",
        ], label: "sio-bench-mixed")
        defer { load.stop(signal: SIGKILL) }
        try #require(await eventually(timeout: 30) { load.output.contains("started") }, "\(load.output)")
        #expect(load.output.contains(#""connect_seconds":"#), "\(load.output)")
        for n in 0..<5 {
            try producer.send(topic: "buyOffer", value: Array(#"{"n":\#(n),"http_code":200}"#.utf8))
            try producer.flush()
            try await Task.sleep(for: .milliseconds(400))
        }
        #expect(load.waitForExit(timeout: 30) == 0, "\(load.output)")
        #expect(load.output.contains(#""per_client_all_deliveries":[5,5,5,5,5,5]"#), "\(load.output)")
        #expect(load.output.contains(#""dropped":0,"malformed":0"#), "\(load.output)")
        #expect(load.output.contains(#""connected":6,"connected_eio3":3"#), "\(load.output)")
    }

    @Test func aClientWithoutTokenOrWithARefusedFilterFailsTheRun() async throws {
        let ingestd = try IngestdProcess(broker: broker, group: "bench-refusals", environment: ["TOPIC_FORMATS": ".*=json"])
        try await ingestd.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "bench-refusals", environment: [
            "API_FAMILIES": "pricewars", "PRICEWARS_LIVE_OBJECTS": "true", "AUTH_MODE": "token", "LOGGING_LEVEL": "INFO",
        ])
        try await realtimed.waitUntilReady()
        for options in [[], ["--token", "bench-merchant-0", "--subscribe-filter", "value.shop ="]] {
            let load = try ChildProcess(try sioBench, [
                "load", "--port", String(realtimed.port), "--clients", "2", "--passive", "--event", "buyOffer",
                "--seconds", "1",
            ] + options, label: "sio-bench-refused")
            defer { load.stop(signal: SIGKILL) }
            let status = load.waitForExit(timeout: 30)
            #expect(status != nil && status != 0, "\(options): \(load.output)")
            #expect(load.output.contains("refused"), "\(options): \(load.output)")
        }
        // The same token and a valid filter connect and subscribe: the run completes.
        let load = try ChildProcess(try sioBench, [
            "load", "--port", String(realtimed.port), "--clients", "2", "--passive", "--event", "buyOffer",
            "--seconds", "0.5", "--warmup", "0", "--linger", "0", "--per-client",
            "--token", "bench-merchant-0", "--token-in", "query", "--subscribe-filter", #"value.shop = "s0""#,
        ], label: "sio-bench-admitted")
        defer { load.stop(signal: SIGKILL) }
        #expect(load.waitForExit(timeout: 30) == 0, "\(load.output)")
        #expect(load.output.contains(#""per_client_all_deliveries":[0,0]"#), "\(load.output)")
    }
}
