import Bus
import Kafka
import Logging
import Metrics
import ServiceSupport
import RecordDecoding

/// Answers the bus side channel: snapshots from the cache, replays read from Kafka.
public struct BusRequestHandler: Sendable {
    let configuration: IngestConfiguration
    let selector: TopicSelector
    let decoder: RecordDecoder
    let cache: RecordCache
    let presence: BusPresenceTable
    let replays: ReplayLimiter
    let refusalLog = SharedRateLimitedLog()
    let logger: Logger

    public init(configuration: IngestConfiguration, decoder: RecordDecoder, cache: RecordCache,
                presence: BusPresenceTable = BusPresenceTable(), logger: Logger) throws(IngestConfigurationError) {
        self.configuration = configuration
        self.selector = try TopicSelector(pattern: configuration.allowedTopicsRegex)
        self.decoder = decoder
        self.cache = cache
        self.presence = presence
        self.replays = ReplayLimiter(maximumRunning: configuration.busMaxConcurrentReplays,
                                     maximumQueued: configuration.busMaxQueuedReplays)
        self.logger = logger
    }

    public func handle(_ request: BusRequest, _ reply: BusReplyWriter) async throws {
        defer {
            let kind = switch request {
            case .snapshot: "snapshot"
            case .replay: "replay"
            case .presence: "presence"
            }
            Counter(label: "ingest_bus_requests_served_total", dimensions: [("kind", kind)]).increment()
        }
        switch request {
        case .snapshot(let prefix):
            let snapshot = cache.snapshot(topicPrefix: prefix)
            for gap in snapshot.gaps { try await reply.send(gap) }
            for record in snapshot.records { try await reply.send(record) }
            try await reply.finish(snapshot.end)
        case .replay(let offsets):
            try await replay(offsets, reply)
        case .presence(let report):
            do {
                try presence.report(report)
            } catch {
                try await refuse(error, reply)
                return
            }
            try await reply.finish(cache.end)
        }
    }

    /// Answers ERROR with the refusal's reason, counts it by limit and logs it (rate-limited).
    private func refuse(_ refusal: BusRequestRefusal, _ reply: BusReplyWriter) async throws {
        Counter(label: "ingest_bus_requests_refused_total", dimensions: [("limit", refusal.limit)]).increment()
        refusalLog.log(logger, level: .warning, key: refusal.limit, "bus request refused: \(refusal.reason)")
        try await reply.fail(.limitReached, refusal.reason)
    }

    private func replay(_ offsets: BusReplayOffsets, _ reply: BusReplyWriter) async throws {
        if let refused = offsets.topics.keys.sorted().first(where: { !selector.accepts($0) }) {
            try await reply.fail(.topicNotServed,
                                 "topic '\(refused)' is not served by this ingestd (ALLOWED_TOPICS_REGEX \(selector.pattern))")
            return
        }
        do {
            try await replays.acquire()
        } catch {
            try await refuse(error, reply)
            return
        }
        defer { replays.release() }
        let scan = ReplayScan(configuration: configuration.consumerConfiguration, shard: configuration.shard, logger: logger)
        do {
            try await replay(offsets, with: scan, reply)
        } catch {
            await scan.close()
            throw error
        }
        await scan.close()
    }

    private func replay(_ offsets: BusReplayOffsets, with scan: ReplayScan, _ reply: BusReplyWriter) async throws {
        let starts: [KafkaTopicPartition]
        do {
            starts = try await scan.resolve(offsets)
        } catch let error as BusServerError {
            try await reply.fail(error)
            return
        } catch {
            try await reply.fail(.kafkaFailed, "\(error)")
            return
        }
        guard !starts.isEmpty else {
            // A shard that owns none of the topics' partitions: the other shards replay them.
            try await reply.finish(cache.end)
            return
        }
        let epoch = cache.end.epoch
        let clock = ContinuousClock()
        var idleSince = clock.now
        while let (gaps, batch) = try await scan.next() {
            for found in gaps {
                // Said, counted and logged: never a replay that pretends to be complete.
                let gap = BusReplayGap(topic: found.topic, partition: found.partition, requested: found.requested,
                                       available: found.available, kind: found.kind == .deleted ? .deleted : .rewound)
                Counter(label: "ingest_replay_gaps_total", dimensions: [("kind", gap.kind.name)]).increment()
                logger.warning("replay gap: \(gap)")
                try await reply.send(gap)
            }
            if batch.isEmpty {
                if clock.now - idleSince > .seconds(30) {
                    try await reply.fail(.replayStalled, "replay stalled: Kafka did not deliver the rest within 30 s")
                    return
                }
                continue
            }
            idleSince = clock.now
            for message in batch {
                do {
                    let key = try await decoder.decodeKeyFetchingSchemas(message.key, topic: message.topic)
                    let value = try await decoder.decodeValueFetchingSchemas(message.value, topic: message.topic)
                    try await reply.send(BusRecord(topic: message.topic, partition: message.partition,
                                                   offset: message.offset, timestamp: message.timestamp,
                                                   key: key, value: value, sequence: 0, epoch: epoch,
                                                   headers: message.headers.busHeaders))
                } catch let error as RecordDecodingError {
                    logger.debug("replay skips \(message.topic)[\(message.partition)]@\(message.offset): \(error)")
                }
            }
        }
        logger.debug("replayed \(starts.count) partition(s)")
        try await reply.finish(cache.end)
    }
}
