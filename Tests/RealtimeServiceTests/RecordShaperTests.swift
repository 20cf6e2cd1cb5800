import Bus
import Foundation
import RealtimeService
import Testing

/// The payload rules of both event families.
struct RecordShaperTests {
    let shaper = RecordShaper()

    func record(_ value: String?, key: String? = nil, timestamp: Int64 = 1_700_000_000_123, topic: String = "t") -> BusRecord {
        BusRecord(topic: topic, partition: 0, offset: 0, timestamp: timestamp, key: key.map { Array($0.utf8) },
                  value: value.map { Array($0.utf8) })
    }

    func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    @Test func valueWithDataUsesItsDataAndTimestamp() {
        let payloads = shaper.shape(record(#"{"timestamp":1.5,"data":{"a":1,"b":"x"},"other":true}"#))
        #expect(text(payloads.solar) == #"{"topic":"t","timestamp":1.5,"data":{"a":1,"b":"x"}}"#)
    }

    @Test func valueWithoutDataUsesTheKeyTimestampInSeconds() {
        let payloads = shaper.shape(record(#"{"a":1}"#, key: #"{"timestamp":1521194460000,"id":"x"}"#))
        #expect(text(payloads.solar) == #"{"topic":"t","timestamp":1521194460,"data":{"a":1}}"#)
    }

    @Test func valueWithoutDataOrKeyTimestampUsesTheKafkaTimestampInSeconds() {
        let payloads = shaper.shape(record(#"[1,2]"#, key: #""merchant""#, timestamp: 1_521_194_460_500))
        #expect(text(payloads.solar) == #"{"topic":"t","timestamp":1521194460.5,"data":[1,2]}"#)
        let noTimestamp = shaper.shape(record("42", timestamp: -1))
        #expect(text(noTimestamp.solar) == #"{"topic":"t","timestamp":null,"data":42}"#)
    }

    @Test(arguments: [#"{"timestamp":1,"data":{}}"#, #"{"timestamp":1,"data":null}"#, #"{"data":[]}"#,
                      #"{"data":""}"#, "{}", "[]", #""""#, "null"])
    func emptyDataIsNotSent(value: String) {
        #expect(shaper.shape(record(value)).solar == nil)
    }

    @Test func tombstonesAndInvalidJSONGiveNothing() {
        #expect(shaper.shape(record(nil)) == .init(solar: nil, priceWars: nil))
        #expect(shaper.shape(record("{not json")) == .init(solar: nil, priceWars: nil, unparsable: true))
    }

    @Test func priceWarsPayloadCarriesTheKafkaTimestampAndTheValueVerbatim() {
        let value = #"{"amount": 1, "http_code": 200, "price": 35.0}"#
        let payloads = shaper.shape(record(value, topic: "buyOffer"))
        #expect(text(payloads.priceWars) == #"{"topic":"buyOffer","timestamp":1700000000123,"value":"# + value + "}")
    }

    /// `EVENT_KAFKA_METADATA`: payloads end with where the record is in Kafka (solar ones with
    /// its Kafka timestamp too); off, they are the seeds' payloads byte for byte.
    @Test func kafkaMetadataIsOptIn() {
        var located = record(#"{"data": {"v": 1}, "timestamp": 5}"#, topic: "buyOffer")
        located.partition = 3
        located.offset = 42
        let plain = shaper.shape(located)
        #expect(text(plain.priceWars) == #"{"topic":"buyOffer","timestamp":1700000000123,"value":{"data": {"v": 1}, "timestamp": 5}}"#)
        #expect(text(plain.solar) == #"{"topic":"buyOffer","timestamp":5,"data":{"v":1}}"#)
        let tagged = RecordShaper(kafkaMetadata: true).shape(located)
        #expect(text(tagged.priceWars)
            == #"{"topic":"buyOffer","timestamp":1700000000123,"value":{"data": {"v": 1}, "timestamp": 5},"partition":3,"offset":42}"#)
        #expect(text(tagged.solar) == #"{"topic":"buyOffer","timestamp":5,"data":{"v":1},"partition":3,"offset":42,"kafka_timestamp":1700000000123}"#)
        located.timestamp = -1
        #expect(text(RecordShaper(kafkaMetadata: true).shape(located).solar)?.hasSuffix(#""kafka_timestamp":null}"#) == true)
    }

    @Test func httpCodeFilterLeavesOutOtherCodesUnlessOff() {
        let failed = record(#"{"http_code": 500, "amount": 1}"#)
        #expect(shaper.shape(failed).priceWars == nil)
        #expect(shaper.shape(failed).solar != nil)
        #expect(shaper.shape(record(#"{"http_code": 200.0}"#)).priceWars != nil)
        #expect(shaper.shape(record(#"{"no_code": 1}"#)).priceWars != nil)
        let unfiltered = RecordShaper(filterHTTPCode: false)
        #expect(unfiltered.shape(failed).priceWars != nil)
    }

    @Test func familiesThatAreOffGetNoPayload() {
        let solarOnly = RecordShaper(families: [.solar])
        let payloads = solarOnly.shape(record(#"{"data":{"a":1}}"#))
        #expect(payloads.solar != nil && payloads.priceWars == nil)
    }

    @Test func topicNamesAreEscaped() {
        let payloads = shaper.shape(record(#"{"a":1}"#, topic: "a\"b"))
        #expect(text(payloads.solar)?.hasPrefix(#"{"topic":"a\"b","#) == true)
    }
}
