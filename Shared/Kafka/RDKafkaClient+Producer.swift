import CRdkafka

extension RDKafkaClient {
    /// Enqueues one record (copied by librdkafka). `partition` -1 lets the partitioner choose.
    /// Returns `false` when librdkafka's local queue is full (poll and retry).
    /// `headers` go with the record in order (names may repeat; a nil value is a null value).
    func produce(topic: String, partition: Int32, key: [UInt8]?, value: [UInt8]?, timestamp: Int64,
                 headers: [KafkaHeader] = []) throws(KafkaError) -> Bool {
        let list: OpaquePointer? = headers.isEmpty ? nil : rd_kafka_headers_new(headers.count)
        for header in headers {
            // An empty value needs a pointer (a null pointer is a null value).
            let value = header.value.map { $0.isEmpty ? [0] : $0 }
            let added = withOptionalBytes(value) { pointer, length in
                rd_kafka_header_add(list, header.name, -1, pointer, header.value?.count ?? 0)
            }
            if added != RD_KAFKA_RESP_ERR_NO_ERROR {
                rd_kafka_headers_destroy(list)
                try Self.check(added, "header \(header.name)")
            }
        }
        let err: rd_kafka_resp_err_t = topic.withCString { topicName in
            withOptionalBytes(key) { keyPointer, keyLength in
                withOptionalBytes(value) { valuePointer, valueLength in
                    list == nil
                        ? rd_kafka_produce_copy(handle, topicName, partition, valuePointer, valueLength,
                                                keyPointer, keyLength, timestamp)
                        : rd_kafka_produce_copy_headers(handle, topicName, partition, valuePointer, valueLength,
                                                        keyPointer, keyLength, timestamp, list)
                }
            }
        }
        // Owned by librdkafka once produced; ours to free otherwise.
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, let list { rd_kafka_headers_destroy(list) }
        if err == RD_KAFKA_RESP_ERR__QUEUE_FULL { return false }
        try Self.check(err, "produce to \(topic)")
        return true
    }

    /// Waits until every queued record is delivered, up to `timeoutMs`.
    func flush(timeoutMs: Int32) throws(KafkaError) {
        try Self.check(rd_kafka_flush(handle, timeoutMs), "flush")
    }

    /// Records still queued or in flight.
    var outQueueLength: Int32 { rd_kafka_outq_len(handle) }

    /// Creates topics with the admin API; topics that already exist are not an error.
    func createTopics(_ topics: [(name: String, partitions: Int32)], timeoutMs: Int32) throws(KafkaError) {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, 1, &errorBuffer, errorBuffer.count) else {
                throw KafkaError(message: "invalid topic \(topic.name)")
            }
            newTopics.append(newTopic)
        }
        try topicAdminRequest(RD_KAFKA_ADMIN_OP_CREATETOPICS, "create", timeoutMs: timeoutMs, tolerated: RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
                              start: { options, queue in
                                  newTopics.withUnsafeMutableBufferPointer { buffer in
                                      rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
                                  }
                              }, results: { event, count in
                                  rd_kafka_event_CreateTopics_result(event).flatMap { rd_kafka_CreateTopics_result_topics($0, &count) }
                              })
    }

    /// Runs one topic admin request (`start` sends it with the options and reply queue) and
    /// throws the first per-topic error other than `tolerated`.
    private func topicAdminRequest(
        _ operation: rd_kafka_admin_op_t, _ verb: String, timeoutMs: Int32, tolerated: rd_kafka_resp_err_t,
        start: (OpaquePointer?, OpaquePointer?) -> Void,
        results: (OpaquePointer, inout Int) -> UnsafeMutablePointer<OpaquePointer?>?
    ) throws(KafkaError) {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle, operation)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errorBuffer, errorBuffer.count)
        start(options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 1000) else {
            throw KafkaError(message: "\(verb) topics: no answer from the broker")
        }
        defer { rd_kafka_event_destroy(event) }
        try Self.check(rd_kafka_event_error(event), "\(verb) topics")
        var count = 0
        guard let topics = results(event, &count) else { return }
        for index in 0..<count {
            let err = rd_kafka_topic_result_error(topics[index])
            if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != tolerated {
                let name = String(cString: rd_kafka_topic_result_name(topics[index]))
                let text = rd_kafka_topic_result_error_string(topics[index]).map { String(cString: $0) }
                throw Self.error(err, "\(verb) topic \(name): \(text ?? String(cString: rd_kafka_err2str(err)))")
            }
        }
    }
}

/// Calls `body` with a pointer and length for optional bytes (null pointer for `nil`).
private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeMutableRawPointer?, Int) -> R) -> R {
    guard let bytes else { return body(nil, 0) }
    return bytes.withUnsafeBytes { raw in
        body(UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count)
    }
}
