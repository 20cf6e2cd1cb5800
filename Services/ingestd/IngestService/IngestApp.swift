import Bus
import Foundation
import Logging
import Metrics
import Prometheus
import RecordDecoding
import ServiceLifecycle
import ServiceSupport
import ZeroMQ

/// Wires ingestd's services into one `ServiceGroup` that stops gracefully on SIGTERM/SIGINT.
public enum IngestApp {
    /// Sets up logging and metrics for the process (once), then runs until a signal arrives.
    public static func main(configuration: IngestConfiguration) async throws {
        let registry = ProcessObservability.bootstrap(loggingLevel: configuration.loggingLevel)
        try await run(configuration: configuration, registry: registry, logger: Logger(label: "ingestd"))
    }

    /// Runs ingestd's services until a signal or a failing service stops them.
    public static func run(configuration: IngestConfiguration, registry: PrometheusCollectorRegistry,
                           logger: Logger) async throws {
        let rules = try TopicFormatRules(topicFormats: configuration.topicFormats, kafkaSchema: configuration.kafkaSchema)
        let decoder = try RecordDecoder(rules: rules, schemaRegistryURL: configuration.schemaRegistryURL.flatMap(URL.init(string:)),
                                        maximumAvroOutputBytes: configuration.avroMaxJSONBytes)
        let cache = RecordCache(historySize: configuration.historySize)
        let status = IngestStatus()
        let context = try ZMQContext()
        let presence = BusPresenceTable(maximumReplicas: configuration.busPresenceMaxReplicas,
                                        maximumClientsPerReplica: configuration.busPresenceMaxClients)
        let handler = try BusRequestHandler(configuration: configuration, decoder: decoder, cache: cache,
                                            presence: presence, logger: logger)
        // Bound before the CURVE sockets, so no handshake goes unchecked.
        let authenticator = configuration.busCurveClientKeys.isEmpty ? nil
            : try BusCurveAuthenticator(context: context, allowedClientKeys: configuration.busCurveClientKeys, logger: logger) {
                Counter(label: "ingest_bus_auth_refused_total").increment()
            }
        let snapshotServer = try BusSnapshotServer(endpoint: configuration.busSnapshotBind, context: context,
                                                   security: configuration.busSecurity, logger: logger) { request, reply in
            try await handler.handle(request, reply)
        }
        let ingestor = KafkaIngestor(configuration: configuration, decoder: decoder, cache: cache, status: status,
                                     context: context, presence: presence, logger: logger)
        let http = IngestHTTPServer.application(configuration: configuration, status: status, registry: registry,
                                                logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: ingestor), .init(service: snapshotServer), .init(service: http)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger))
        logger.info("ingestd starting: Kafka \(configuration.kafkaHosts), group \(configuration.consumerGroup), topics \(configuration.allowedTopicsRegex), snapshots on \(snapshotServer.boundEndpoint)")
        try await withThrowingDiscardingTaskGroup { tasks in
            if let authenticator { tasks.addTask { await authenticator.run() } }
            defer { authenticator?.stop() }
            try await group.run()
        }
        logger.info("ingestd stopped")
    }
}
