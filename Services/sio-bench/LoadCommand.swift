import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `sio-bench load`: N WebSocket Socket.IO clients against a server; the first asks it to start
/// broadcasting (`42["start",{…}]`, unless `--passive`: then events come from elsewhere, e.g.
/// Kafka records through realtimed, matched by `--event` and `--timestamp-field`); the command prints one JSON object with the measured
/// deliveries/s and latency quantiles (after a `started` line when all clients are connected). With `--idle-seconds` it only connects the clients,
/// prints `{"connected":n}` and holds them that long (for the idle-memory figure). `--token` gives
/// the clients tokens (realtimed's `AUTH_MODE=token`), `--subscribe-filter` / `--subscribe-topic`
/// make each emit `subscribe` after connecting (client i takes the (i mod n)-th of each list), and
/// `--per-client` adds each client's delivery count, so a driver can check who got what.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Run the load generator against a Socket.IO server.")

    @Option(help: "Server address.") var host = "127.0.0.1"
    @Option(help: "Server port.") var port = 3000
    @Option(help: "WebSocket clients.") var clients = 1000
    @Option(help: "Target deliveries per second over all clients (0: as fast as the server can).")
    var rate: Double = 200_000
    @Option(help: "Measured seconds.") var seconds: Double = 5
    @Option(help: "Seconds of broadcasting before measuring.") var warmup: Double = 1
    @Option(help: "Seconds the clients stay connected after the measured window (late deliveries still count in all_deliveries).")
    var linger: Double = 0.7
    @Option(help: "Most events per emit(batch:) on the server.") var batch = 16
    @Option(help: "Milliseconds between the paced server's emits (events due meanwhile go in one batch).")
    var tick: Double = 1
    @Option(help: "Event loop threads of the load generator.") var threads = 1
    @Option(help: "Spread the clients over this many loopback source addresses (127.0.0.1 to 127.0.0.N), so per-address caps and the ephemeral port range allow more clients; 1 binds nothing.")
    var sourceAddresses = 1
    @Option(help: "The event counted as a delivery.") var event = "tick"
    @Option(help: "The payload field holding the send time.") var timestampField = "t"
    @Option(help: "Unit of the send time: us or ms since the Unix epoch.") var timestampUnit = "us"
    @Flag(help: "Do not ask the server to start broadcasting; measure the events it sends anyway.")
    var passive = false
    @Option(help: "Only connect, print {\"connected\":n} and hold the clients this many seconds.")
    var idleSeconds: Double?
    @Option(name: .customLong("token"), help: "A client token (repeatable; client i presents the (i mod n)-th).")
    var tokens: [String] = []
    @Option(help: "Where clients present their token: auth (CONNECT payload), query (?token=) or both.")
    var tokenIn = LoadTokenPlacement.auth.rawValue
    @Option(name: .customLong("subscribe-topic"), help: "A topic or pattern clients subscribe to after connecting (repeatable; default: --event when a filter is given).")
    var subscribeTopics: [String] = []
    @Option(name: .customLong("subscribe-filter"), help: "A filter (text form) of the clients' subscribe (repeatable; client i takes the (i mod n)-th).")
    var subscribeFilters: [String] = []
    @Flag(help: "Add per_client_all_deliveries (every client's count, in connection order) to the output.")
    var perClient = false
    @Option(help: "Share of the clients (0 to 1, spread evenly) that speak Engine.IO v3 / Socket.IO protocol v4, as socket.io 2.x clients do.")
    var eio3Share: Double = 0

    func validate() throws {
        guard clients >= 1, clients <= 100_000 else { throw ValidationError("clients must be 1...100000") }
        guard rate >= 0, rate.isFinite else { throw ValidationError("rate must be >= 0") }
        guard seconds > 0, warmup >= 0, linger >= 0 else {
            throw ValidationError("seconds must be > 0, warmup and linger >= 0")
        }
        guard batch >= 1, batch <= 10_000 else { throw ValidationError("batch must be 1...10000") }
        guard tick >= 0.1, tick <= 1_000 else { throw ValidationError("tick must be 0.1...1000 ms") }
        guard threads >= 1, threads <= 64 else { throw ValidationError("threads must be 1...64") }
        guard (1...254).contains(sourceAddresses) else { throw ValidationError("source-addresses must be 1...254") }
        guard LoadEventMatcher.Unit(rawValue: timestampUnit) != nil else {
            throw ValidationError("timestamp-unit must be one of: us, ms")
        }
        guard !event.isEmpty, !event.contains("\""), !timestampField.contains("\"") else {
            throw ValidationError("event and timestamp-field must be non-empty and without quotes")
        }
        guard LoadTokenPlacement(rawValue: tokenIn) != nil else {
            throw ValidationError("token-in must be one of: auth, query, both")
        }
        guard (0...1).contains(eio3Share) else { throw ValidationError("eio3-share must be 0...1") }
        guard !tokens.contains(where: \.isEmpty), !subscribeTopics.contains(where: \.isEmpty) else {
            throw ValidationError("tokens and subscribe topics must be non-empty")
        }
    }

    /// What client `index` presents and subscribes to.
    func setup(ofClient index: Int) -> LoadClientSetup {
        var setup = LoadClientSetup.plain
        setup.engineIOv3 = Int(Double(index + 1) * eio3Share) > Int(Double(index) * eio3Share)
        if !tokens.isEmpty {
            setup.token = tokens[index % tokens.count]
            setup.tokenPlacement = LoadTokenPlacement(rawValue: tokenIn)!
        }
        if !subscribeFilters.isEmpty || !subscribeTopics.isEmpty {
            setup.subscribeTopics = subscribeTopics.isEmpty ? [event] : subscribeTopics
            setup.subscribeFilter = subscribeFilters.isEmpty ? nil : subscribeFilters[index % subscribeFilters.count]
        }
        return setup
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let counters = LoadCounters()
        var statistics: [LoadClientStatistics] = []
        var connectSeconds = 0.0
        var channels: [any Channel] = []
        let matcher = LoadEventMatcher(
            event: event, timestampField: timestampField, unit: LoadEventMatcher.Unit(rawValue: timestampUnit)!)
        do {
            let connectStart = ContinuousClock.now
            // Connect in waves so the server's accept backlog is not overrun.
            var next = 0
            while next < clients {
                let wave = min(250, clients - next)
                var futures: [EventLoopFuture<any Channel>] = []
                for index in next..<(next + wave) {
                    let clientStatistics = LoadClientStatistics()
                    statistics.append(clientStatistics)
                    let host = self.host
                    let clientSetup = setup(ofClient: index)
                    var bootstrap = ClientBootstrap(group: group)
                    if sourceAddresses > 1 {
                        bootstrap = bootstrap.bind(
                            to: try SocketAddress(ipAddress: "127.0.0.\(1 + index % sourceAddresses)", port: 0))
                    }
                    futures.append(
                        bootstrap
                            .channelOption(.socketOption(.tcp_nodelay), value: 1)
                            .channelInitializer { channel in
                                channel.eventLoop.makeCompletedFuture {
                                    try channel.pipeline.syncOperations.addHandler(
                                        LoadClient(
                                            host: host, matcher: matcher, counters: counters,
                                            statistics: clientStatistics, setup: clientSetup))
                                }
                            }
                            .connect(host: host, port: port))
                }
                for future in futures { channels.append(try await future.get()) }
                next += wave
            }
            let deadline = ContinuousClock.now + .seconds(120)
            while counters.connected.load(ordering: .relaxed) < clients {
                let refused = counters.refused.load(ordering: .relaxed)
                guard refused == 0 else {
                    throw ValidationError("the server refused \(refused) clients (connect_error or subscribe error)")
                }
                guard ContinuousClock.now < deadline else {
                    throw ValidationError(
                        "only \(counters.connected.load(ordering: .relaxed)) of \(clients) clients connected within 120 s"
                            + " (dropped \(counters.dropped.load(ordering: .relaxed)))")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let connected = ContinuousClock.now - connectStart
            connectSeconds = Double(connected.components.seconds) + Double(connected.components.attoseconds) / 1e18
            let connectFigures = #""connected":\#(counters.connected.load(ordering: .relaxed)),"#
                + #""connected_eio3":\#(counters.connectedEIO3.load(ordering: .relaxed)),"connect_seconds":\#(String(format: "%.3f", connectSeconds))"#
            if let idleSeconds {
                StandardOutput.writeLine("{" + connectFigures + "}")
                try await Task.sleep(for: .milliseconds(Int64(idleSeconds * 1000)))
                counters.stopping.store(true, ordering: .relaxed)
                try await closeAll(channels)
                try await group.shutdownGracefully()
                return
            }
            // Ask the server to broadcast: events/s = deliveries/s ÷ clients.
            let eventsPerSecond = rate / Double(clients)
            let start = #"42["start",{"rate":\#(eventsPerSecond),"seconds":\#(warmup + seconds + 0.5),"batch":\#(batch),"tick":\#(tick)}]"#
            // Tells a driver the clients are connected and the broadcast starts now.
            StandardOutput.writeLine("started {" + connectFigures + "}")
            if !passive { try await channels[0].writeAndFlush(LoadClient.maskedTextFrame(start)) }
            let from = WallClock.microseconds() + Int64(warmup * 1_000_000)
            let until = from + Int64(seconds * 1_000_000)
            counters.windowFrom.store(from, ordering: .relaxed)
            counters.windowUntil.store(until, ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(Int64((warmup + seconds + linger) * 1000)))
            counters.stopping.store(true, ordering: .relaxed)
            try await closeAll(channels)
            try await group.shutdownGracefully()
        } catch {
            counters.stopping.store(true, ordering: .relaxed)
            try? await closeAll(channels)
            try? await group.shutdownGracefully()
            throw error
        }

        var histogram = LatencyHistogram()
        var deliveries = 0
        var allDeliveries = 0
        for clientStatistics in statistics {
            deliveries += clientStatistics.deliveries
            allDeliveries += clientStatistics.allDeliveries
            if let clientHistogram = clientStatistics.histogram { histogram.merge(clientHistogram) }
        }
        let perClientFigures = perClient
            ? #","per_client_all_deliveries":["# + statistics.map { String($0.allDeliveries) }.joined(separator: ",") + "]"
            : ""
        func ms(_ microseconds: Int64) -> String { String(format: "%.3f", Double(microseconds) / 1000) }
        StandardOutput.writeLine(
            "{" + #""clients":\#(clients),"target_deliveries_per_s":\#(Int(rate)),"#
                + #""deliveries_per_s":\#(Int(Double(deliveries) / seconds)),"deliveries":\#(deliveries),"#
                + #""all_deliveries":\#(allDeliveries),"#
                + #""p50_ms":\#(ms(histogram.quantile(0.5))),"p99_ms":\#(ms(histogram.quantile(0.99))),"#
                + #""max_ms":\#(ms(histogram.maximum)),"#
                + #""dropped":\#(counters.dropped.load(ordering: .relaxed)),"#
                + #""malformed":\#(counters.malformed.load(ordering: .relaxed)),"seconds":\#(seconds),"#
                + #""connect_seconds":\#(String(format: "%.3f", connectSeconds))"#
                + perClientFigures + "}")
    }

    private func closeAll(_ channels: [any Channel]) async throws {
        for channel in channels { channel.close(promise: nil) }
        for channel in channels { try? await channel.closeFuture.get() }
    }
}
