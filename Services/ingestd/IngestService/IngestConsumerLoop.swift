import Bus
import Foundation
import Kafka
import Logging
import RecordDecoding
import ServiceSupport
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
    private let presence: BusPresenceTable
    private let historyReader: KafkaPartitionReader
    private var consumer: KafkaConsumer!
    private let metrics = IngestMetrics()
    private var logLimiter = RateLimitedLog()
    /// Next offset to consume of every partition seen since this process started.
    private var positions: [PartitionKey: Int64] = [:]
    /// The partitions currently consumed.
    private var assigned: Set<PartitionKey> = []
    private var refreshBackoff: Duration = .zero
    /// Consumer lag per topic as of the last housekeeping, published with the presence table.
    private var topicLag: [String: Int] = [:]
    /// Set once the partitions found at start-up are assigned; partitions found later start
    /// from their beginning (or committed offset), not after their history.
    private var initiallyAssigned = false

    init(configuration: IngestConfiguration, decoder: RecordDecoder, cache: RecordCache, status: IngestStatus,
         context: ZMQContext, presence: BusPresenceTable = BusPresenceTable(), stop: StopSignal,
         logger: Logger) throws {
        self.configuration = configuration
        self.selector = try TopicSelector(pattern: configuration.allowedTopicsRegex)
        self.decoder = decoder
        self.cache = cache
        self.status = status
        self.logger = logger
        self.stop = stop
        self.presence = presence
        let epoch = cache.end.epoch
        publisher = try BusPublisher(endpoint: configuration.busPublishBind, context: context, epoch: epoch,
                                     security: configuration.busSecurity)
        historyReader = try KafkaPartitionReader(configuration: configuration.consumerConfiguration, logger: logger)
        consumer = try KafkaConsumer(configuration: configuration.consumerConfiguration, logger: logger)
        let shard = configuration.shard
        let shardNote = shard.isSharded ? ", shard \(shard): partitions p with p mod \(shard.count) = \(shard.index)" : ""
        logger.info("ingestd publishing on \(publisher.boundEndpoint), epoch \(epoch)\(shardNote)")
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
            handle(consumer.poll(maxEvents: 2000, timeout: .milliseconds(100)))
            publishPresenceIfDue()
        }
        shutDown()
    }

    // MARK: Topics and partitions

    /// Reads the topic list and consumes every partition of every selected topic.
    ///
    /// ingestd assigns partitions itself instead of joining a group rebalance: each ingestd is a
    /// full mirror (its cache must hold every topic), new topics start within one refresh
    /// interval, and no rebalance ever pauses the stream. The consumer group still stores the
    /// committed offsets.
    ///
    /// With `SHARD_COUNT` above 1, only this shard's partitions (``PartitionShard``) are
    /// wanted: the same rule on every refresh, so a topic that grows or appears is split the same
    /// way by every shard without any coordination, and no partition is consumed by two shards
    /// or by none. The shards share the consumer group's committed offsets, each committing only
    /// its own partitions.
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
        let shard = configuration.shard
        let selected = topics.filter { selector.accepts($0.name) && $0.error == nil && $0.partitions.contains(where: shard.owns) }
            .sorted { $0.name < $1.name }
        let wanted = Set(selected.flatMap { topic in
            topic.partitions.filter(shard.owns).map { PartitionKey(topic: topic.name, partition: $0) }
        })
        guard wanted != assigned || status.snapshot.phase != .ready else { return }
        assign(wanted, topics: selected.map(\.name))
    }

    /// Partitions seen before continue where they stopped. Partitions found by the first
    /// assignment first load their last `HISTORY_SIZE` records into the cache, then continue from
    /// the end found (`START_FROM=end`). Partitions that appear later (a topic created or grown
    /// while ingestd runs) hold only records nobody has seen yet: they are consumed from the
    /// group's committed offset, else from their beginning, and every record is published.
    private func assign(_ wanted: Set<PartitionKey>, topics: [String]) {
        let fresh = wanted.filter { positions[$0] == nil }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        if configuration.startFrom == .beginning {
            for partition in fresh { positions[partition] = KafkaOffset.beginning }
        } else if initiallyAssigned {
            guard startLatePartitions(fresh) else { return }  // retried at the next refresh
        } else if !fresh.isEmpty {
            status.update { if $0.phase == .connecting { $0.phase = .loadingHistory } }
            guard loadHistory(fresh) else { return }  // retried at the next refresh
        }
        let starts = wanted.map { KafkaTopicPartition(topic: $0.topic, partition: $0.partition, offset: positions[$0] ?? KafkaOffset.stored) }
        do {
            try consumer.assign(starts)
        } catch {
            logger.error("cannot assign \(starts.count) partition(s): \(error)")
            return
        }
        if Set(topics) != Set(status.snapshot.topics) {
            logger.info("consuming \(topics.count) topic(s): \(topics.joined(separator: ", "))")
        }
        logger.info("assigned \(wanted.count) partition(s), \(fresh.count) new")
        assigned = wanted
        initiallyAssigned = true
        status.update { state in
            state.topics = topics
            state.assignedPartitions = wanted.count
            state.phase = .ready
        }
    }

    /// Starts partitions that appeared after the first assignment at the group's committed
    /// offset, or at their beginning when none is committed. False when the broker could not say.
    private func startLatePartitions(_ partitions: [PartitionKey]) -> Bool {
        guard !partitions.isEmpty else { return true }
        let committed: [KafkaTopicPartition]
        do {
            committed = try consumer.committed(partitions.map { KafkaTopicPartition(topic: $0.topic, partition: $0.partition) },
                                               timeout: .seconds(5))
        } catch {
            logLimiter.log(logger, level: .warning, key: "committed",
                           "reading the committed offsets of \(partitions.count) new partition(s) failed: \(error); retrying")
            return false
        }
        for partition in committed {
            positions[PartitionKey(topic: partition.topic, partition: partition.partition)] =
                partition.offset >= 0 ? partition.offset : KafkaOffset.beginning
        }
        for partition in partitions where positions[partition] == nil { positions[partition] = KafkaOffset.beginning }
        logger.info("\(partitions.count) partition(s) appeared while running; consuming them from their committed offset or beginning")
        return true
    }

    /// Reads the last `HISTORY_SIZE` records of each partition into the cache and records where
    /// each partition's history ends (live consumption starts there). False when the broker
    /// could not be read.
    private func loadHistory(_ partitions: [PartitionKey]) -> Bool {
        var records: [BusRecord] = []
        let starts = partitions.map {
            KafkaTopicPartition(topic: $0.topic, partition: $0.partition, offset: KafkaOffset.tail(configuration.historySize))
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        do {
            let ends = try historyReader.read(starts, cutoffTimestamp: now, timeout: .seconds(10),
                                              shouldStop: { stop.isSet }) { message in
                if let record = decode(message, sequence: 0) { records.append(record) }
            }
            // Interleave partitions by time, as the records arrived at Kafka.
            records.sort { ($0.timestamp, $0.partition, $0.offset) < ($1.timestamp, $1.partition, $1.offset) }
            cache.insertHistory(records)
            for end in ends {
                // Nothing read and no end known: continue from the committed offset.
                positions[PartitionKey(topic: end.topic, partition: end.partition)] =
                    end.offset >= 0 ? end.offset : KafkaOffset.stored
            }
            return true
        } catch {
            logger.error("loading the history of \(partitions.count) partition(s) failed: \(error); retrying")
            return false
        }
    }

    // MARK: Records

    /// Decodes and publishes one poll's worth of events. Bookkeeping that needs a lock or a
    /// hash lookup (cache, positions, metrics) is done once per batch, not per record.
    private func handle(_ events: [KafkaConsumerEvent]) {
        var batch = RecordBatch()
        var outOfRange: [(PartitionKey, Int64)] = []
        defer {
            // After the batch is cached: a partition rewound here must not get records back.
            for (key, offset) in outOfRange { self.outOfRange(key, at: offset) }
        }
        for event in events {
            switch event {
            case .message(let message):
                batch.consumed(message)
                guard let record = decode(message, sequence: publisher.lastSequence &+ 1) else { continue }
                do {
                    try publisher.publish(record)
                    batch.published(record)
                } catch {
                    metrics.publishErrors.increment()
                    batch.unpublished(record)
                    logLimiter.log(logger, level: .error, key: "publish", "publishing on the bus failed: \(error)")
                }
            case .partitionEOF:
                break
            case let .offsetOutOfRange(topic, partition, offset):
                outOfRange.append((PartitionKey(topic: topic, partition: partition), offset))
            case .error(let error):
                kafkaError(error)
            }
        }
        guard !batch.isEmpty else { return }
        batch.finish()
        cache.insert(batch.records, lastPublishedSequence: batch.lastPublishedSequence)
        for (partition, next) in batch.nextOffsets { positions[partition] = next }
        for (topic, count) in batch.consumedPerTopic { metrics.recordConsumed(topic, count: count) }
        for (topic, count) in batch.publishedPerTopic { metrics.recordPublished(topic, count: count) }
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
            if message.headersDropped > 0 {
                metrics.headersDropped.increment(by: message.headersDropped)
                logLimiter.log(logger, level: .warning, key: "headers:\(message.topic)",
                               "\(message.topic)[\(message.partition)]@\(message.offset): \(message.headersDropped) header(s) over RECORD_MAX_HEADERS / RECORD_MAX_HEADER_BYTES left out")
            }
            return BusRecord(topic: message.topic, partition: message.partition, offset: message.offset,
                             timestamp: message.timestamp, key: key, value: value,
                             sequence: sequence, epoch: publisher.epoch, headers: message.busHeaders)
        } catch {
            metrics.recordFailed(message.topic, count: 1)
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

    /// Kafka no longer holds the partition's position. Records before its log start were deleted
    /// (retention while ingestd was down or behind): consumption resumes at the log start, and
    /// the loss is counted and logged. A position past its end means the topic was recreated or
    /// truncated: it is read again from its beginning, also counted and logged, and subscribers
    /// are told (``rewind(_:from:to:)``). Never a silent jump to the end.
    private func outOfRange(_ key: PartitionKey, at offset: Int64) {
        let restart: Int64
        do {
            let (low, high) = try consumer.watermarks(topic: key.topic, partition: key.partition)
            if offset < low {
                restart = low
                metrics.positionsDeleted.increment()
                metrics.deletedOffsets.increment(by: low - offset)
                logger.warning("\(key): offsets \(offset)..<\(low) were deleted from Kafka before ingestd read them; continuing at \(low)")
            } else if offset > high {
                restart = KafkaOffset.beginning
                metrics.positionsRewound.increment()
                logger.error("\(key): ends at \(high), before ingestd's position \(offset) (topic recreated or truncated); reading it again from its beginning")
                rewind(key, from: offset, to: low)
            } else {
                restart = offset  // the log moved meanwhile: try the same position again
            }
        } catch {
            logLimiter.log(logger, level: .warning, key: "watermarks", "\(key): position \(offset) out of range and its watermarks unknown: \(error); retrying")
            restart = offset
        }
        positions[key] = restart
        do {
            try consumer.seek([KafkaTopicPartition(topic: key.topic, partition: key.partition, offset: restart)])
        } catch {
            logLimiter.log(logger, level: .warning, key: "seek", "\(key): seek to \(restart) failed: \(error); reassigning")
            let starts = assigned.map { KafkaTopicPartition(topic: $0.topic, partition: $0.partition, offset: positions[$0] ?? KafkaOffset.beginning) }
            try? consumer.assign(starts)
        }
    }

    /// Subscribers delivered (or stored) the partition's old offsets, so the new log's records,
    /// which reuse them, would look like duplicates. The cache drops the old records and moves
    /// to a new epoch in one step, and the publisher follows: every subscriber resynchronises, and
    /// its snapshot names the partition in a *rewound* GAP, so realtimed and exportd ask Kafka
    /// (REPLAY) where it stands and take its records from its start again.
    private func rewind(_ key: PartitionKey, from position: Int64, to start: Int64) {
        var newEpoch = UInt64.random(in: 1...UInt64.max)
        while newEpoch == publisher.epoch { newEpoch = UInt64.random(in: 1...UInt64.max) }
        cache.rewind(BusReplayGap(topic: key.topic, partition: key.partition, requested: position,
                                  available: max(start, 0), kind: .rewound), newEpoch: newEpoch)
        publisher.startEpoch(newEpoch)
        logger.warning("\(key): subscribers resynchronise (epoch \(newEpoch)) to take the partition from its start again")
    }

    private func kafkaError(_ error: KafkaError) {
        let name = error.name ?? "\(error.code ?? 0)"
        if error.isBrokerUnreachable {
            status.update { $0.brokerReachable = false; $0.lastBrokerError = error.description }
        }
        logLimiter.log(logger, level: .warning, key: "kafka:\(name)", "Kafka: \(error)")
    }

    /// Every second: subscriber count, consumer lag (in the metrics, and to every subscriber
    /// with the presence table, so realtimed's `/status` and dashboard can show it).
    private func housekeeping() {
        publisher.processEvents()
        metrics.subscribers.record(publisher.subscriberCount)
        var lagByTopic: [String: Int] = [:]
        for lag in consumer.lag() {
            metrics.setLag(topic: lag.topic, partition: lag.partition, lag.offset)
            lagByTopic[lag.topic, default: 0] += Int(lag.offset)
        }
        topicLag = lagByTopic
        publishPresence(presence.current())
    }

    /// Publishes the replicas' client counts when they changed.
    private func publishPresenceIfDue() {
        guard let table = presence.due() else { return }
        publishPresence(table)
    }

    private func publishPresence(_ table: BusPresence) {
        var table = table
        table.lag = topicLag
        if configuration.shard.isSharded { table.shard = configuration.shard.description }
        do {
            try publisher.publishPresence(table)
        } catch {
            logLimiter.log(logger, level: .warning, key: "presence", "presence publish failed: \(error)")
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
