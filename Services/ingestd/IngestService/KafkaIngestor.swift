import Bus
import Logging
import RecordDecoding
import ServiceLifecycle
import ZeroMQ

/// The service that consumes Kafka and publishes on the bus, on its own thread.
public final class KafkaIngestor: Service, Sendable {
    private let configuration: IngestConfiguration
    private let decoder: RecordDecoder
    private let cache: RecordCache
    private let status: IngestStatus
    private let context: ZMQContext
    private let presence: BusPresenceTable
    private let logger: Logger

    public init(configuration: IngestConfiguration, decoder: RecordDecoder, cache: RecordCache,
                status: IngestStatus, context: ZMQContext,
                presence: BusPresenceTable = BusPresenceTable(), logger: Logger) {
        self.configuration = configuration
        self.decoder = decoder
        self.cache = cache
        self.status = status
        self.context = context
        self.presence = presence
        self.logger = logger
    }

    public func run() async throws {
        let stop = StopSignal()
        let (configuration, decoder, cache, status, context, logger) =
            (self.configuration, self.decoder, self.cache, self.status, self.context, self.logger)
        let presence = self.presence
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await DedicatedThread.run(name: "ingest-consumer") {
                    let loop = try IngestConsumerLoop(configuration: configuration, decoder: decoder, cache: cache,
                                                      status: status, context: context,
                                                      presence: presence, stop: stop, logger: logger)
                    loop.run()
                }
            } onCancel: {
                stop.set()
            }
        } onGracefulShutdown: {
            stop.set()
        }
    }
}
