import Bus
import Kafka
import Testing
@testable import IngestService

@Suite struct RecordBatchTests {
    func message(_ topic: String, _ partition: Int32, _ offset: Int64) -> KafkaMessage {
        KafkaMessage(topic: topic, partition: partition, offset: offset, timestamp: 0, key: nil, value: [])
    }

    func record(_ message: KafkaMessage, _ sequence: UInt64) -> BusRecord {
        BusRecord(topic: message.topic, partition: message.partition, offset: message.offset, key: nil, value: nil, sequence: sequence)
    }

    @Test func foldsRunsIntoPerTopicAndPerPartitionTables() {
        var batch = RecordBatch()
        let messages = [message("a", 0, 5), message("a", 0, 6), message("b", 1, 9), message("a", 0, 7), message("a", 1, 2)]
        for (index, message) in messages.enumerated() {
            batch.consumed(message)
            if index != 2 { batch.published(record(message, UInt64(index + 1))) } else { batch.unpublished(record(message, 0)) }
        }
        batch.finish()
        #expect(batch.nextOffsets == [PartitionKey(topic: "a", partition: 0): 8, PartitionKey(topic: "b", partition: 1): 10,
                                      PartitionKey(topic: "a", partition: 1): 3])
        #expect(batch.consumedPerTopic == ["a": 4, "b": 1])
        #expect(batch.publishedPerTopic == ["a": 4])
        #expect(batch.records.count == 5)
        #expect(batch.lastPublishedSequence == 5)
    }
}
