import Bus
import Kafka
import Logging
import RecordDecoding
import ZeroMQ

/// The consumer thread's work: follow the topic list, consume, decode, cache, publish.
///
/// Lives on one dedicated thread (it owns the Kafka consumer, the history reader and the PUB
/// socket, none of which is thread-safe) and blocks only there.
final class IngestConsumerLoop {
    private let configuration: IngestConfiguration
    private let selector: TopicSelector
    private let decoder: RecordDecoder
    private let cache: RecordCache
    private let status: IngestStatus
    private let logger: Logger
    private let stop: StopSignal
    private let publisher: BusPublisher
    private let historyReader: KafkaPartitionReader
    private var consumer: KafkaConsumer!
    private let metrics = IngestMetrics()
    private var logLimiter = RateLimitedLog()
    /// Next offset to consume of every partition seen since this process started.
    private var positions: [PartitionKey: Int64] = [:]
    private var refreshBackoff: Duration = .zero

    init(configuration: IngestConfiguration, decoder: RecordDecoder, cache: RecordCache, status: IngestStatus,
         context: ZMQContext, epoch: UInt64, stop: StopSignal, logger: Logger) throws {
        self.configuration = configuration
        self.selector = try TopicSelector(pattern: configuration.allowedTopicsRegex)
        self.decoder = decoder
        self.cache = cache
        self.status = status
        self.logger = logger
        self.stop = stop
        publisher = try BusPublisher(endpoint: configuration.busPublishBind, context: context, epoch: epoch)
        historyReader = try KafkaPartitionReader(configuration: configuration.consumerConfiguration, logger: logger)
        consumer = try KafkaConsumer(
            configuration: configuration.consumerConfiguration, logger: logger,
            onAssign: { [unowned self] in self.assigned($0) },
            onRevoke: { [unowned self] in self.revoked($0) },
            onError: { [unowned self] in self.kafkaError($0) })
        logger.info("ingestd publishing on \(publisher.boundEndpoint), epoch \(epoch)")
    }

    /// Runs until the stop signal is set, then commits and leaves the group.
    func run() {
        let clock = ContinuousClock()
        var nextRefresh = clock.now
        var nextHousekeeping = clock.now
        while !stop.isSet {
            if clock.now >= nextRefresh {
                refreshTopics()
                nextRefresh = clock.now.advanced(by: refreshBackoff > .zero
                    ? refreshBackoff : .milliseconds(configuration.topicRefreshIntervalMilliseconds))
            }
            if clock.now >= nextHousekeeping {
                housekeeping()
                nextHousekeeping = clock.now.advanced(by: .seconds(1))
            }
            let events = consumer.poll(maxEvents: 2000, timeout: .milliseconds(100))
            for event in events { handle(event) }
        }
        shutDown()
    }

    // MARK: Topics

    private func refreshTopics() {
        let topics: [KafkaTopicMetadata]
        do {
            topics = try consumer.topics(timeout: .seconds(2))
        } catch {
            refreshBackoff = min(max(refreshBackoff * 2, .seconds(1)), .seconds(30))
            status.update { $0.brokerReachable = false; $0.lastBrokerError = error.description }
            logLimiter.log(logger, level: .warning, key: "metadata",
                           "Kafka at \(configuration.kafkaHosts) unreachable (\(error)); retrying in \(refreshBackoff)")
            return
        }
        if refreshBackoff > .zero { logger.info("Kafka at \(configuration.kafkaHosts) reachable again") }
        refreshBackoff = .zero
        status.update { $0.brokerReachable = true }
        let selected = topics.filter { selector.accepts($0.name) && $0.error == nil && !$0.partitions.isEmpty }
            .map(\.name).sorted()
        guard selected != consumer.subscription else { return }
        do {
            try consumer.subscribe(selected)
            logger.info("consuming \(selected.count) topic(s): \(selected.joined(separator: ", "))")
            status.update { state in
                state.topics = selected
                if selected.isEmpty { state.phase = .ready } else if state.phase != .ready { state.phase = .joining }
            }
        } catch {
            logger.error("cannot subscribe to \(selected): \(error)")
        }
    }

    // MARK: Rebalances

    /// Partitions seen before continue where they stopped; new ones first load their last
    /// `HISTORY_SIZE` records into the cache, then continue from the end found.
    private func assigned(_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition] {
        var starts: [KafkaTopicPartition] = []
        var toLoad: [KafkaTopicPartition] = []
        for partition in partitions {
            let key = PartitionKey(topic: partition.topic, partition: partition.partition)
            if let next = positions[key] {
                starts.append(KafkaTopicPartition(topic: partition.topic, partition: partition.partition, offset: next))
            } else {
                toLoad.append(KafkaTopicPartition(topic: partition.topic, partition: partition.partition,
                                                  offset: KafkaOffset.tail(configuration.historySize)))
            }
        }
        if !toLoad.isEmpty { starts.append(contentsOf: loadHistory(toLoad)) }
        logger.info("assigned \(partitions.count) partition(s); history loaded for \(toLoad.count)")
        status.update { $0.assignedPartitions = partitions.count; $0.phase = .ready }
        return starts
    }

    private func loadHistory(_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition] {
        var records: [BusRecord] = []
        do {
            let ends = try historyReader.read(partitions, timeout: .seconds(30), shouldStop: { stop.isSet }) { message in
                if let record = decode(message, sequence: 0) { records.append(record) }
            }
            // Interleave partitions by time, as the records arrived at Kafka.
            records.sort { ($0.timestamp, $0.partition, $0.offset) < ($1.timestamp, $1.partition, $1.offset) }
            cache.insertHistory(records)
            for end in ends { positions[PartitionKey(topic: end.topic, partition: end.partition)] = end.offset }
            return ends
        } catch {
            logger.error("loading history of \(partitions.count) partition(s) failed: \(error); continuing from the committed offsets")
            return partitions.map { KafkaTopicPartition(topic: $0.topic, partition: $0.partition, offset: KafkaOffset.stored) }
        }
    }

    private func revoked(_ partitions: [KafkaTopicPartition]) {
        logger.info("revoked \(partitions.count) partition(s)")
        status.update { state in
            state.assignedPartitions = 0
            if state.phase == .ready && !state.topics.isEmpty { state.phase = .joining }
        }
    }

    // MARK: Records

    private func handle(_ event: KafkaConsumerEvent) {
        switch event {
        case .message(let message):
            metrics.recordConsumed(message.topic)
            positions[PartitionKey(topic: message.topic, partition: message.partition)] = message.offset + 1
            guard let record = decode(message, sequence: publisher.lastSequence &+ 1) else { return }
            do {
                try publisher.publish(record)
                metrics.recordPublished(message.topic)
                cache.insert(record, published: true)
            } catch {
                metrics.publishErrors.increment()
                cache.insert(record, published: false)
                logLimiter.log(logger, level: .error, key: "publish", "publishing on the bus failed: \(error)")
            }
        case .partitionEOF:
            break
        case .error(let error):
            kafkaError(error)
        }
    }

    /// The record decoded, or nil (counted and logged) when its key or value does not decode.
    private func decode(_ message: KafkaMessage, sequence: UInt64) -> BusRecord? {
        do {
            let key = try decodeLoadingSchemas { () throws(RecordDecodingError) in
                try decoder.decodeKey(message.key, topic: message.topic)
            }
            let value = try decodeLoadingSchemas { () throws(RecordDecodingError) in
                try decoder.decodeValue(message.value, topic: message.topic)
            }
            return BusRecord(topic: message.topic, partition: message.partition, offset: message.offset,
                             timestamp: message.timestamp, key: key, value: value,
                             sequence: sequence, epoch: publisher.epoch)
        } catch {
            metrics.recordFailed(message.topic)
            logLimiter.log(logger, level: .warning, key: "decode:\(message.topic)",
                           "skipping record \(message.topic)[\(message.partition)]@\(message.offset): \(error)")
            return nil
        }
    }

    /// Runs `decode`; when it needs a registry schema not loaded yet, loads it (blocking this
    /// dedicated thread) and decodes again.
    private func decodeLoadingSchemas(_ decode: () throws(RecordDecodingError) -> [UInt8]?) throws -> [UInt8]? {
        do {
            return try decode()
        } catch .schemaNotLoaded(let id) {
            let decoder = self.decoder
            try blockingAwait { try await decoder.loadSchema(id: id) }
            return try decode()
        }
    }

    // MARK: Health

    private func kafkaError(_ error: KafkaError) {
        let name = error.name ?? ""
        if ["_ALL_BROKERS_DOWN", "_TRANSPORT", "_RESOLVE", "_TIMED_OUT"].contains(name) {
            status.update { $0.brokerReachable = false; $0.lastBrokerError = error.description }
        }
        logLimiter.log(logger, level: .warning, key: "kafka:\(name)", "Kafka: \(error)")
    }

    private func housekeeping() {
        publisher.processEvents()
        metrics.subscribers.record(publisher.subscriberCount)
        for lag in consumer.lag() {
            metrics.setLag(topic: lag.topic, partition: lag.partition, lag.offset)
        }
    }

    private func shutDown() {
        status.update { $0.phase = .stopping }
        if status.snapshot.brokerReachable {
            do { try consumer.commit() } catch { logger.warning("final commit failed: \(error)") }
            consumer.close()
        } else {
            consumer.abandon()
        }
        publisher.close()
        logger.info("consumer stopped")
    }
}
