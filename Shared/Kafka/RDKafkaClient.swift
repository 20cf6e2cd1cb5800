import CRdkafka

/// Owns an `rd_kafka_t` handle (consumer or producer) and holds every librdkafka call that the
/// higher-level types need. Not thread-safe beyond what librdkafka guarantees; the owners
/// (`KafkaConsumer`, `KafkaPartitionReader`, `KafkaProducer`) use it from one thread at a time.
final class RDKafkaClient {
    enum Kind { case consumer, producer }

    let handle: OpaquePointer
    /// The consumer queue (consumers only), for batch polling.
    private let consumerQueue: OpaquePointer?
    /// Keeps the callback context alive for the client's lifetime.
    private let callbacks: RDKafkaCallbacks
    /// Bounds on the headers copied out of each consumed record.
    var headerLimits = KafkaHeaderLimits()

    init(kind: Kind, properties: [String: String], callbacks: RDKafkaCallbacks = RDKafkaCallbacks()) throws(KafkaError) {
        let config = RDKafkaConfig()
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            try config.set(name, value)
        }
        self.callbacks = callbacks
        let opaque = Unmanaged.passUnretained(callbacks).toOpaque()
        rd_kafka_conf_set_opaque(config.pointer, opaque)
        rd_kafka_conf_set_error_cb(config.pointer) { _, code, reason, opaque in
            guard let opaque else { return }
            let callbacks = Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
            callbacks.onError?(RDKafkaClient.error(rd_kafka_resp_err_t(code), reason.map { String(cString: $0) }))
        }
        rd_kafka_conf_set_log_cb(config.pointer) { rk, level, facility, message in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            let callbacks = Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
            callbacks.onLog?(level, facility.map { String(cString: $0) } ?? "", message.map { String(cString: $0) } ?? "")
        }
        if callbacks.onDeliveryFailure != nil {
            rd_kafka_conf_set_dr_msg_cb(config.pointer) { rk, message, opaque in
                guard let opaque, let message, message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
                let callbacks = Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
                callbacks.onDeliveryFailure?(RDKafkaClient.error(message.pointee.err, nil))
            }
        }
        if callbacks.onRebalance != nil {
            rd_kafka_conf_set_rebalance_cb(config.pointer) { rk, err, partitions, opaque in
                guard let rk, let opaque else { return }
                let callbacks = Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
                let list = RDKafkaClient.topicPartitions(partitions)
                let assigned = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
                // The handler decides the start offsets of assigned partitions.
                let decided = callbacks.onRebalance?(assigned, list) ?? list
                if assigned {
                    let native = RDKafkaClient.nativeList(decided)
                    defer { rd_kafka_topic_partition_list_destroy(native) }
                    rd_kafka_assign(rk, native)
                } else {
                    rd_kafka_assign(rk, nil)
                }
            }
        }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let type = kind == .consumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER
        guard let handle = rd_kafka_new(type, config.pointer, &errorBuffer, errorBuffer.count) else {
            let text = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw KafkaError(message: "could not create Kafka client: \(text)")
        }
        _ = config.release()
        self.handle = handle
        if kind == .consumer {
            rd_kafka_poll_set_consumer(handle)
            consumerQueue = rd_kafka_queue_get_consumer(handle)
        } else {
            consumerQueue = nil
        }
    }

    /// Set when the consumer must not try to leave its group on destroy (broker unreachable:
    /// leaving would wait for it).
    var skipsConsumerCloseOnDestroy = false

    deinit {
        if let consumerQueue { rd_kafka_queue_destroy(consumerQueue) }
        if skipsConsumerCloseOnDestroy {
            rd_kafka_destroy_flags(handle, Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE))
        } else {
            rd_kafka_destroy(handle)
        }
    }

    // MARK: Consuming

    /// Subscribes the group consumer to exactly these topics (replacing the previous set).
    func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        }
        let err = topics.isEmpty ? rd_kafka_unsubscribe(handle) : rd_kafka_subscribe(handle, list)
        try Self.check(err, "subscribe")
    }

    /// Assigns partitions directly (no group), starting at their offsets.
    func assign(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        let list = Self.nativeList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try Self.check(rd_kafka_assign(handle, list), "assign")
    }

    /// Waits up to `timeoutMs` for up to `maxEvents` events and copies them out.
    /// Blocks the calling thread: call it from a dedicated thread only.
    func poll(maxEvents: Int, timeoutMs: Int32) -> [KafkaConsumerEvent] {
        var events: [KafkaConsumerEvent] = []
        var topics = TopicNames()
        consume(maxEvents: maxEvents, timeoutMs: timeoutMs) { message in
            events.append(Self.event(message, topic: topics.name(of: message), headerLimits: headerLimits))
            rd_kafka_message_destroy(message)
        }
        return events
    }

    /// What polls gathered for one ``KafkaMessageBatch``: the records (their bytes still in
    /// librdkafka's buffers) and every other event.
    struct PolledRecords {
        var natives: [UnsafeMutablePointer<rd_kafka_message_t>] = []
        var entries: [KafkaMessageBatch.Entry] = []
        var events: [KafkaConsumerEvent] = []

        /// The records as a batch that owns them (and keeps `client` alive until released).
        func batch(of client: RDKafkaClient) -> KafkaMessageBatch {
            KafkaMessageBatch(natives: natives, entries: entries, client: client)
        }
    }

    /// Waits up to `timeoutMs` for up to `maxEvents` events and adds them to `polled`. Returns how
    /// many events there were. Blocks the calling thread.
    @discardableResult
    func pollRecords(maxEvents: Int, timeoutMs: Int32, into polled: inout PolledRecords) -> Int {
        var topics = TopicNames()
        return consume(maxEvents: maxEvents, timeoutMs: timeoutMs) { message in
            let m = message.pointee
            let topic = topics.name(of: message)
            guard m.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                polled.events.append(Self.event(message, topic: topic, headerLimits: headerLimits))
                rd_kafka_message_destroy(message)
                return
            }
            var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let timestamp = rd_kafka_message_timestamp(message, &timestampType)
            let (headers, dropped) = Self.headers(of: message, limits: headerLimits)
            polled.natives.append(message)
            polled.entries.append(KafkaMessageBatch.Entry(
                topic: topic, partition: m.partition, offset: m.offset,
                timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : timestamp,
                headers: headers, headersDropped: dropped))
        }
    }

    /// Hands each consumed message to `take`, which owns it from then on. Returns how many.
    @discardableResult
    private func consume(maxEvents: Int, timeoutMs: Int32,
                         _ take: (UnsafeMutablePointer<rd_kafka_message_t>) -> Void) -> Int {
        guard let consumerQueue else { return 0 }
        let buffer = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: maxEvents)
        defer { buffer.deallocate() }
        let count = rd_kafka_consume_batch_queue(consumerQueue, Int32(timeoutMs), buffer, maxEvents)
        guard count > 0 else { return 0 }
        for index in 0..<count {
            if let message = buffer[index] { take(message) }
        }
        return count
    }

    /// Topic names of consumed messages: messages come in runs of one topic, so a name is read
    /// once per run.
    private struct TopicNames {
        private var handle: OpaquePointer?
        private var known = false
        private var topic = ""

        mutating func name(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> String {
            let rkt = message.pointee.rkt
            if !known || rkt != handle {
                handle = rkt
                known = true
                topic = rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            }
            return topic
        }
    }

    /// Serves callbacks (errors, logs, rebalances) without consuming records.
    func serveCallbacks(timeoutMs: Int32 = 0) {
        rd_kafka_poll(handle, timeoutMs)
    }

    /// Commits the current positions synchronously. "No offset" is not an error.
    func commit() throws(KafkaError) {
        let err = rd_kafka_commit(handle, nil, 0)
        if err == RD_KAFKA_RESP_ERR__NO_OFFSET { return }
        try Self.check(err, "commit")
    }

    /// Commits `offsets` for the group, synchronously.
    func commit(_ offsets: [KafkaTopicPartition]) throws(KafkaError) {
        let list = Self.nativeList(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try Self.check(rd_kafka_commit(handle, list, 0), "commit")
    }

    /// Stores `offsets` (each partition's next offset to consume) for the next commit, automatic
    /// or explicit (`enable.auto.offset.store=false`). Never blocks. Partitions librdkafka refuses
    /// (no longer assigned) are returned with their error; the rest are stored.
    func storeOffsets(_ offsets: [KafkaTopicPartition]) throws(KafkaError) -> [(KafkaTopicPartition, KafkaError)] {
        let list = Self.nativeList(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_offsets_store(handle, list)
        var refused: [(KafkaTopicPartition, KafkaError)] = []
        for index in 0..<Int(list.pointee.cnt) where list.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            refused.append((offsets[index], Self.error(list.pointee.elems[index].err, nil)))
        }
        if refused.isEmpty && err != RD_KAFKA_RESP_ERR_NO_ERROR { try Self.check(err, "store offsets") }
        return refused
    }

    /// Leaves the group and stops consuming.
    func closeConsumer() {
        rd_kafka_consumer_close(handle)
    }

    /// The current assignment.
    func assignment() -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return Self.topicPartitions(list)
    }

    /// The group's committed offsets for these partitions (`KafkaOffset.invalid`, -1001, where
    /// none is committed). Blocks up to `timeoutMs`.
    func committed(_ partitions: [KafkaTopicPartition], timeoutMs: Int32) throws(KafkaError) -> [KafkaTopicPartition] {
        let list = Self.nativeList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try Self.check(rd_kafka_committed(handle, list, timeoutMs), "committed")
        return Self.topicPartitions(list)
    }

    /// Positions (next offset to consume) for these partitions.
    func positions(_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition] {
        let list = Self.nativeList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard rd_kafka_position(handle, list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [] }
        return Self.topicPartitions(list)
    }

    /// The last known high watermark of a partition, from fetch responses (no network call).
    func cachedHighWatermark(topic: String, partition: Int32) -> Int64? {
        var low: Int64 = -1
        var high: Int64 = -1
        guard rd_kafka_get_watermark_offsets(handle, topic, partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
              high >= 0 else { return nil }
        return high
    }

    /// Moves the consumption of assigned partitions to their offsets (real or logical). Blocks up
    /// to `timeoutMs`.
    func seek(_ partitions: [KafkaTopicPartition], timeoutMs: Int32) throws(KafkaError) {
        let list = Self.nativeList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(handle, list, timeoutMs) {
            defer { rd_kafka_error_destroy(error) }
            throw KafkaError(code: rd_kafka_error_code(error).rawValue, name: String(cString: rd_kafka_error_name(error)),
                             message: "seek: \(String(cString: rd_kafka_error_string(error)))")
        }
        for index in 0..<Int(list.pointee.cnt) where list.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            try Self.check(list.pointee.elems[index].err, "seek \(partitions[index])")
        }
    }

    /// The partition's low and high watermarks, asked from its leader (ListOffsets). Blocks up
    /// to `timeoutMs`: call from a dedicated thread.
    func queryWatermarks(topic: String, partition: Int32, timeoutMs: Int32) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        try Self.check(rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high, timeoutMs), "query watermarks")
        return (low, high)
    }

    // MARK: Metadata

    /// All topics of the cluster. Blocks up to `timeoutMs`: call from a dedicated thread.
    func topics(timeoutMs: Int32) throws(KafkaError) -> [KafkaTopicMetadata] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        try Self.check(rd_kafka_metadata(handle, 1, nil, &metadata, Int32(timeoutMs)), "metadata")
        guard let metadata else { return [] }
        defer { rd_kafka_metadata_destroy(metadata) }
        var result: [KafkaTopicMetadata] = []
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            let name = String(cString: topic.topic)
            var partitions: [Int32] = []
            for p in 0..<Int(topic.partition_cnt) { partitions.append(topic.partitions[p].id) }
            let error = topic.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : Self.error(topic.err, nil)
            result.append(KafkaTopicMetadata(name: name, partitions: partitions.sorted(), error: error))
        }
        return result
    }

    // MARK: Helpers

    static func check(_ err: rd_kafka_resp_err_t, _ operation: String) throws(KafkaError) {
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        var error = Self.error(err, nil)
        error.message = "\(operation): \(error.message)"
        throw error
    }

    static func error(_ err: rd_kafka_resp_err_t, _ reason: String?) -> KafkaError {
        KafkaError(code: err.rawValue, name: String(cString: rd_kafka_err2name(err)),
                   message: reason ?? String(cString: rd_kafka_err2str(err)))
    }

    /// The event of one consumed message; `topic` is the name of its topic handle (`rkt`).
    static func event(_ message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String,
                      headerLimits: KafkaHeaderLimits) -> KafkaConsumerEvent {
        let m = message.pointee
        if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            return .partitionEOF(topic: topic, partition: m.partition, offset: m.offset)
        }
        if m.err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET, !topic.isEmpty {
            return .offsetOutOfRange(topic: topic, partition: m.partition, offset: m.offset)
        }
        if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            var reason: String? = nil
            if let payload = m.payload, m.len > 0 {
                reason = String(decoding: UnsafeRawBufferPointer(start: payload, count: m.len), as: UTF8.self)
            }
            var error = Self.error(m.err, reason)
            if !topic.isEmpty { error.message = "\(topic)[\(m.partition)]: \(error.message)" }
            return .error(error)
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        let key: [UInt8]? = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        let value: [UInt8]? = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) }
        let (headers, dropped) = Self.headers(of: message, limits: headerLimits)
        return .message(KafkaMessage(topic: topic, partition: m.partition, offset: m.offset,
                                     timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : timestamp,
                                     key: key, value: value, headers: headers, headersDropped: dropped))
    }

    /// The message's headers in order while `limits` hold, and how many were left out.
    static func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>,
                        limits: KafkaHeaderLimits) -> (headers: [KafkaHeader], dropped: Int) {
        var list: OpaquePointer?
        // The list belongs to the message (freed with it); NOENT when the record has none.
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return ([], 0) }
        let count = rd_kafka_header_cnt(list)
        var headers: [KafkaHeader] = []
        var bytes = 0
        for index in 0..<count {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR,
                  let name else { return (headers, count - index) }
            guard headers.count < limits.maximumCount, bytes + size <= limits.maximumBytes else {
                return (headers, count - index)
            }
            let header = KafkaHeader(name: String(cString: name), value: nil)
            guard bytes + header.byteCount + size <= limits.maximumBytes else { return (headers, count - index) }
            bytes += header.byteCount + size
            headers.append(KafkaHeader(name: header.name,
                                       value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
        }
        return (headers, 0)
    }

    static func nativeList(_ partitions: [KafkaTopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        for p in partitions {
            let element = rd_kafka_topic_partition_list_add(list, p.topic, p.partition)
            element?.pointee.offset = p.offset
        }
        return list
    }

    static func topicPartitions(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartition] {
        guard let list else { return [] }
        var result: [KafkaTopicPartition] = []
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            result.append(KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition,
                                              offset: element.offset))
        }
        return result
    }
}
