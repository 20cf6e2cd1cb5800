import CRdkafka

extension RDKafkaClient {
    /// Enqueues one record (copied by librdkafka). `partition` -1 lets the partitioner choose.
    /// Returns `false` when librdkafka's local queue is full (poll and retry).
    func produce(topic: String, partition: Int32, key: [UInt8]?, value: [UInt8]?, timestamp: Int64) throws(KafkaError) -> Bool {
        let err: rd_kafka_resp_err_t = topic.withCString { topicName in
            withOptionalBytes(key) { keyPointer, keyLength in
                withOptionalBytes(value) { valuePointer, valueLength in
                    rd_kafka_produce_copy(handle, topicName, partition, valuePointer, valueLength,
                                          keyPointer, keyLength, timestamp)
                }
            }
        }
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
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errorBuffer, errorBuffer.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 1000) else {
            throw KafkaError(message: "create topics: no answer from the broker")
        }
        defer { rd_kafka_event_destroy(event) }
        try Self.check(rd_kafka_event_error(event), "create topics")
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let err = rd_kafka_topic_result_error(results[index])
            if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let name = String(cString: rd_kafka_topic_result_name(results[index]))
                let text = rd_kafka_topic_result_error_string(results[index]).map { String(cString: $0) }
                throw Self.error(err, "create topic \(name): \(text ?? String(cString: rd_kafka_err2str(err)))")
            }
        }
    }
}

extension RDKafkaClient {
    /// Deletes topics with the admin API; topics that do not exist are not an error.
    func deleteTopics(_ names: [String], timeoutMs: Int32) throws(KafkaError) {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var deletions: [OpaquePointer?] = names.map { rd_kafka_DeleteTopic_new($0) }
        defer { for deletion in deletions { rd_kafka_DeleteTopic_destroy(deletion) } }
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_DELETETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errorBuffer, errorBuffer.count)
        deletions.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_DeleteTopics(handle, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 1000) else {
            throw KafkaError(message: "delete topics: no answer from the broker")
        }
        defer { rd_kafka_event_destroy(event) }
        try Self.check(rd_kafka_event_error(event), "delete topics")
        guard let result = rd_kafka_event_DeleteTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_DeleteTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let err = rd_kafka_topic_result_error(results[index])
            if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART {
                let name = String(cString: rd_kafka_topic_result_name(results[index]))
                throw Self.error(err, "delete topic \(name)")
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
