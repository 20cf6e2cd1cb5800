import Bus
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import ServiceSupport
import ZeroMQ

/// Wires exportd's services into one `ServiceGroup` that stops gracefully on SIGTERM/SIGINT.
public enum ExportApp {
    /// Sets up logging and metrics for the process (once), then runs until a signal arrives.
    /// A `DATA_DIR` that cannot be used stops exportd with status 2.
    public static func main(configuration: ExportConfiguration) async throws {
        let registry = ProcessObservability.bootstrap(loggingLevel: configuration.loggingLevel)
        // A write past the file size limit fails with EFBIG (handled, retried) instead of
        // killing the process.
        signal(SIGXFSZ, SIG_IGN)
        do {
            try await run(configuration: configuration, registry: registry, logger: Logger(label: "exportd"))
        } catch let error as ExportConfigurationError {
            FileHandle.standardError.write(Data("exportd: \(error)\n".utf8))
            exit(2)
        }
    }

    /// Runs exportd's services until a signal or a failing service stops them.
    public static func run(configuration: ExportConfiguration, registry: PrometheusCollectorRegistry,
                           logger: Logger) async throws {
        let store: ExportStore
        let files: ExportFileRegistry
        do {
            store = try ExportStore(directory: configuration.dataDirectory, topics: configuration.merchantTopics,
                                    maxRows: configuration.maxRows, logger: logger)
            files = try ExportFileRegistry(directory: configuration.dataDirectory + "/exports",
                                           ttl: .seconds(configuration.fileTTLSeconds), limits: configuration.limits)
        } catch {
            throw ExportConfigurationError("DATA_DIR", "\(error)")
        }
        let context = try ZMQContext()
        let status = ExportStatus(publishers: configuration.busConnect.count)
        let metrics = ExportMetrics()
        // One subscriber and follower per publisher (ingestd shard), all into the one store.
        var busServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for (index, (live, snapshot)) in zip(configuration.busConnect, configuration.busSnapshotConnect).enumerated() {
            let subscriber = try BusSubscriber(
                configuration: .init(publisherEndpoint: live, snapshotEndpoint: snapshot,
                                     topicPrefixes: configuration.merchantTopics, security: configuration.busSecurity),
                context: context, logger: logger)
            let follower = ExportBusFollower(subscriber: subscriber, publisher: index, store: store, status: status,
                                             metrics: metrics, logger: logger)
            busServices += [.init(service: subscriber), .init(service: follower)]
        }
        let janitor = ExportFileJanitor(files: files,
                                        interval: .milliseconds(min(60_000, max(200, configuration.fileTTLSeconds * 250))),
                                        logger: logger)
        let jwt = configuration.authMode == .jwt ? try await configuration.jwtKeys.load() : nil
        let http = ExportHTTPServer(configuration: configuration, store: store, files: files, status: status,
                                    metrics: metrics, registry: registry, jwt: jwt, logger: logger).application()
        let group = ServiceGroup(configuration: .init(
            services: busServices + [.init(service: janitor), .init(service: http)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger))
        logger.info("exportd starting: bus \(configuration.busConnect.joined(separator: ",")) / \(configuration.busSnapshotConnect.joined(separator: ",")), topics \(configuration.merchantTopics.joined(separator: ",")), data \(configuration.dataDirectory), HTTP \(configuration.host):\(configuration.port)")
        try await group.run()
        logger.info("exportd stopped")
    }
}
