import Bus
import Foundation
import Kafka
import Logging
import RecordDecoding
import ServiceSupport
import ZeroMQ

/// The consumer thread's work: follow the topic list, consume, have records decoded, cache,
/// publish.
///
/// Lives on one dedicated thread (it owns the Kafka consumer, the history reader and the PUB
/// socket, none of which is thread-safe) and blocks only there. Decoding runs on the
/// `DECODE_THREADS` threads of an ``IngestDecodePool`` while this thread consumes and publishes:
/// each poll's records are handed over, and what comes back decoded is published in the order it
/// was consumed, so every partition's records keep Kafka's order on the bus and in the cache.
/// A record's offset is stored for the next commit only once it is published (or skipped), so a
/// killed ingestd never loses a record it had consumed but not published.
final class IngestConsumerLoop {
    /// Records handed to the decode threads and not yet published, at most (then this thread
    /// waits for them before polling more).
    static let maximumOutstandingRecords = 8192
    /// A poll of at most this many records, with none in flight, is decoded on this thread (see
    /// ``IngestDecodePool/submit(_:)``): about 40 µs of Avro, against two thread hand-offs. Never
    /// a registry fetch: a record whose schema is not loaded yet sends the poll to the workers, so
    /// this thread keeps polling, heartbeating and reporting while the registry answers.
    static let inlineDecodeLimit = 64

    private let configuration: IngestConfiguration
    private let selector: TopicSelector
    private let decoder: IngestMessageDecoder
    private let decodePool: IngestDecodePool
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
    /// Decoded records waiting to go out as one bus message (`BUS_PACK_RECORDS`): consecutive
    /// records of one partition, sequences stamped.
    private var pack: [BusRecord] = []
    /// Key and value bytes in ``pack``, with each record's framing.
    private var packBytes = 0
    /// A pack goes out once it holds this many bytes, whatever `BUS_PACK_RECORDS` allows.
    private static let packByteLimit = 256 * 1024
    /// Set once the partitions found at start-up are assigned; partitions found later start
    /// from their beginning (or committed offset), not after their history.
    private var initiallyAssigned = false

    init(configuration: IngestConfiguration, decoder: RecordDecoder, cache: RecordCache, status: IngestStatus,
         context: ZMQContext, presence: BusPresenceTable = BusPresenceTable(), stop: StopSignal,
         logger: Logger) throws {
        self.configuration = configuration
        self.selector = try TopicSelector(pattern: configuration.allowedTopicsRegex)
        let messageDecoder = IngestMessageDecoder(decoder: decoder)
        self.decoder = messageDecoder
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
        // Last: nothing may throw once its threads run (``shutDown()`` ends them).
        decodePool = IngestDecodePool(threads: configuration.decodeThreads, inlineLimit: Self.inlineDecodeLimit,
                                      decodeChunk: { messageDecoder.decode($0, $1) },
                                      decodeInline: { messageDecoder.decodeWithoutLoading($0, $1) })
        logger.info("ingestd publishing on \(publisher.boundEndpoint), epoch \(epoch), \(configuration.decodeThreads) decode thread(s)\(shardNote)")
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
            // While records are being decoded, only look for more; otherwise wait for some.
            let decoding = decodePool.outstandingMessages > 0
            let (records, events) = consumer.pollBatch(maxEvents: 2000, timeout: decoding ? .zero : .milliseconds(100))
            handle(records, events)
            // Publish what is decoded; wait for it when there is nothing else to do, or when
            // enough is outstanding (that bounds memory and the records at risk in a crash).
            let wait = (records.count == 0 && events.isEmpty) || decodePool.outstandingMessages >= Self.maximumOutstandingRecords
            publishDecoded(decodePool.takeReady(waitingUpTo: wait ? .milliseconds(100) : nil))
            publishPresenceIfDue()
        }
        drainDecoded()
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
        // Assigning restarts every partition at its position: publish what is in flight first,
        // so the positions are those of the last records published, none twice.
        drainDecoded()
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
                switch decoder.decode(message) {
                case .record(var record):
                    record.epoch = publisher.epoch
                    records.append(record)
                case .failed(let topic, let partition, let offset, let reason):
                    decodeFailed(topic: topic, partition: partition, offset: offset, reason: reason)
                }
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

    /// Hands one poll's records to the decode threads and handles its other events. A partition
    /// whose position Kafka no longer holds is dealt with once every record consumed before it
    /// (and in the same poll) is published and cached: a partition rewound there must not get
    /// records back, and a reassignment restarts each partition after its last published record.
    private func handle(_ records: KafkaMessageBatch, _ events: [KafkaConsumerEvent]) {
        for entry in records.entries where entry.headersDropped > 0 {
            metrics.headersDropped.increment(by: entry.headersDropped)
            logLimiter.log(logger, level: .warning, key: "headers:\(entry.topic)",
                           "\(entry.topic)[\(entry.partition)]@\(entry.offset): \(entry.headersDropped) header(s) over RECORD_MAX_HEADERS / RECORD_MAX_HEADER_BYTES left out")
        }
        decodePool.submit(records)
        var outOfRange: [(PartitionKey, Int64)] = []
        for event in events {
            switch event {
            case .message(let message):  // pollBatch hands records over in the batch
                decodePool.submit([message])
            case .partitionEOF:
                break
            case let .offsetOutOfRange(topic, partition, offset):
                outOfRange.append((PartitionKey(topic: topic, partition: partition), offset))
            case .error(let error):
                kafkaError(error)
            }
        }
        guard !outOfRange.isEmpty else { return }
        drainDecoded()
        for (key, offset) in outOfRange { self.outOfRange(key, at: offset) }
    }

    /// Waits for every record handed to the decode threads and publishes them.
    private func drainDecoded() {
        while decodePool.outstandingMessages > 0 {
            publishDecoded(decodePool.takeReady(waitingUpTo: .seconds(1)))
        }
    }

    /// Publishes decoded chunks in order, stamping each record with the next sequence and the
    /// current epoch. Bookkeeping that needs a lock, a hash lookup or a librdkafka call (cache,
    /// positions, stored offsets, metrics) is done once for all of them, not per record.
    private func publishDecoded(_ chunks: [[DecodedMessage]]) {
        guard !chunks.isEmpty else { return }
        var batch = RecordBatch()
        var nextSequence = publisher.lastSequence &+ 1
        // Packs only while every subscriber reads them (the publisher checks again per pack).
        publisher.applySubscriptions()
        let packing = configuration.busPackRecords > 1 && publisher.everySubscriberReadsPacks
        for chunk in chunks {
            for decoded in chunk {
                // A pack holds consecutive records of one partition: the batch counts per run.
                if let last = pack.last, last.partition != decoded.partition || last.topic != decoded.topic {
                    sendPack(into: &batch, nextSequence: &nextSequence)
                }
                batch.consumed(topic: decoded.topic, partition: decoded.partition, offset: decoded.offset)
                switch decoded {
                case .record(var record):
                    record.sequence = nextSequence
                    record.epoch = publisher.epoch
                    nextSequence &+= 1
                    guard packing else {
                        publish(record, into: &batch, nextSequence: &nextSequence)
                        continue
                    }
                    packBytes += BusRecordPack.recordOverhead + (record.key?.count ?? 0) + (record.value?.count ?? 0)
                    pack.append(record)
                    if pack.count >= configuration.busPackRecords || packBytes >= Self.packByteLimit {
                        sendPack(into: &batch, nextSequence: &nextSequence)
                    }
                case let .failed(topic, partition, offset, reason):
                    decodeFailed(topic: topic, partition: partition, offset: offset, reason: reason)
                }
            }
        }
        sendPack(into: &batch, nextSequence: &nextSequence)
        guard !batch.isEmpty else { return }
        batch.finish()
        cache.insert(batch.records, lastPublishedSequence: batch.lastPublishedSequence)
        for (partition, next) in batch.nextOffsets { positions[partition] = next }
        storeOffsets(batch.nextOffsets)
        for (topic, count) in batch.consumedPerTopic { metrics.recordConsumed(topic, count: count) }
        for (topic, count) in batch.publishedPerTopic { metrics.recordPublished(topic, count: count) }
    }

    /// Publishes one record as its own message (bus protocol version 1 or 2) and tells `batch`.
    private func publish(_ record: BusRecord, into batch: inout RecordBatch, nextSequence: inout UInt64) {
        do {
            try publisher.publish(record)
            batch.published(record)
        } catch {
            publishFailed(CollectionOfOne(record), error, into: &batch, nextSequence: &nextSequence)
        }
    }

    /// Publishes the records gathered in ``pack`` as one version 3 pack (a lone record as it is)
    /// and tells `batch`.
    private func sendPack(into batch: inout RecordBatch, nextSequence: inout UInt64) {
        guard !pack.isEmpty else { return }
        defer {
            pack.removeAll(keepingCapacity: true)
            packBytes = 0
        }
        guard pack.count > 1 else {
            publish(pack[0], into: &batch, nextSequence: &nextSequence)
            return
        }
        do {
            try publisher.publish(packed: pack[...])
            for record in pack { batch.published(record) }
        } catch {
            // Sent one by one (a subscriber does not read packs), the records before the failing
            // one went out.
            let sent = pack.prefix { $0.sequence <= publisher.lastSequence && $0.epoch == publisher.epoch }
            for record in sent { batch.published(record) }
            publishFailed(pack.dropFirst(sent.count), error, into: &batch, nextSequence: &nextSequence)
        }
    }

    /// Records that did not go out: counted and logged; the next sequence goes back to the last
    /// one sent, so what follows continues without a gap.
    private func publishFailed(_ records: some Collection<BusRecord>, _ error: ZMQError, into batch: inout RecordBatch,
                               nextSequence: inout UInt64) {
        metrics.publishErrors.increment(by: records.count)
        for record in records { batch.unpublished(record) }
        nextSequence = publisher.lastSequence &+ 1
        logLimiter.log(logger, level: .error, key: "publish", "publishing on the bus failed: \(error)")
    }

    /// Marks the records before `offsets` done, for the next commit (ingestd stores offsets
    /// itself: a record polled but not yet published is never committed).
    private func storeOffsets(_ offsets: [PartitionKey: Int64]) {
        do {
            let refused = try consumer.storeOffsets(offsets.map {
                KafkaTopicPartition(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value)
            })
            for (partition, error) in refused {
                logLimiter.log(logger, level: .debug, key: "store:\(partition.topic)",
                               "offset \(partition.offset) of \(partition.topic)[\(partition.partition)] not stored: \(error)")
            }
        } catch {
            logLimiter.log(logger, level: .warning, key: "store", "storing consumed offsets failed: \(error)")
        }
    }

    /// A record whose key or value did not decode: counted, logged (rate-limited), skipped.
    private func decodeFailed(topic: String, partition: Int32, offset: Int64, reason: String) {
        metrics.recordFailed(topic, count: 1)
        logLimiter.log(logger, level: .warning, key: "decode:\(topic)",
                       "skipping record \(topic)[\(partition)]@\(offset): \(reason)")
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
        metrics.packsActive.record(configuration.busPackRecords > 1 && publisher.everySubscriberReadsPacks ? 1 : 0)
        metrics.recordMalformedSubscriptions(total: publisher.malformedSubscriptionMessages)
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
        decodePool.close()
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
