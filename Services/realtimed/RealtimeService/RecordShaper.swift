import Bus
import NIOCore
import JSON
import SocketIO

/// Turns a bus record into the JSON payloads of both event families, once per record.
///
/// - Solar: `{"topic", "timestamp", "data"}`. When the value is an object with a `data`
///   member, `data` is that member and `timestamp` the value's `timestamp` member; otherwise
///   `data` is the whole value and `timestamp` the key's `timestamp` / 1000 when the key is an
///   object with a numeric `timestamp`, else the Kafka timestamp in seconds (null when absent).
///   Empty data (null, `{}`, `[]`, `""`) gives no payload.
/// - Price Wars: `{"topic", "timestamp" (Kafka ms, null when absent), "value"}`; values with an
///   `http_code` other than 200 give no payload when the filter is on. Tombstones give none.
public struct RecordShaper: Sendable {
    /// Whether Price Wars payloads leave out values whose `http_code` is not 200.
    public var filterHTTPCode: Bool
    /// Which payloads to build.
    public var families: Set<APIFamily>
    /// Whether payloads end with `partition` and `offset` (solar ones with `kafka_timestamp` too).
    public var kafkaMetadata: Bool

    public init(filterHTTPCode: Bool = true, families: Set<APIFamily> = Set(APIFamily.allCases), kafkaMetadata: Bool = false) {
        self.filterHTTPCode = filterHTTPCode
        self.families = families
        self.kafkaMetadata = kafkaMetadata
    }

    /// `,"partition":p,"offset":o` (and `,"kafka_timestamp":t` with `timestamp`), when asked for.
    private func appendKafkaMetadata(_ record: BusRecord, timestamp: Bool, to output: inout [UInt8]) {
        guard kafkaMetadata else { return }
        output.append(contentsOf: #","partition":"#.utf8)
        JSONText.appendInteger(Int64(record.partition), to: &output)
        output.append(contentsOf: #","offset":"#.utf8)
        JSONText.appendInteger(record.offset, to: &output)
        if timestamp {
            output.append(contentsOf: #","kafka_timestamp":"#.utf8)
            if record.timestamp >= 0 {
                JSONText.appendInteger(record.timestamp, to: &output)
            } else {
                output.append(contentsOf: JSONText.nullLiteral)
            }
        }
    }

    /// The payloads of one record; nil where a family does not send it.
    public struct Payloads: Sendable, Equatable {
        /// The `sensor_values` payload (JSON text).
        public var solar: [UInt8]?
        /// The Price Wars payload (JSON text), also kept in the topic's history.
        public var priceWars: [UInt8]?
        /// The value was not JSON under ``JSONPolicy`` (neither payload is built; counted).
        public var unparsable: Bool

        public init(solar: [UInt8]?, priceWars: [UInt8]?, unparsable: Bool = false) {
            self.solar = solar
            self.priceWars = priceWars
            self.unparsable = unparsable
        }
    }

    /// Both payloads of `record`. A value that is not JSON gives none and is marked
    /// ``Payloads/unparsable`` (ingestd publishes only values its validator, which reads the same
    /// grammar, accepted).
    public func shape(_ record: BusRecord) -> Payloads {
        shape(record, families: families)
    }

    /// The payloads of `record` for `families` (those of its topic; see ``TopicFamilyScope``),
    /// within the families this shaper builds.
    public func shape(_ record: BusRecord, families topicFamilies: Set<APIFamily>) -> Payloads {
        let families = families.intersection(topicFamilies)
        guard !families.isEmpty else { return Payloads(solar: nil, priceWars: nil) }
        guard let valueText = record.value else { return Payloads(solar: nil, priceWars: nil) }
        guard let value = try? JSONParser().parse(valueText) else { return Payloads(solar: nil, priceWars: nil, unparsable: true) }
        var payloads = Payloads(solar: nil, priceWars: nil)
        if families.contains(.solar) { payloads.solar = solarPayload(record, value: value, valueText: valueText) }
        if families.contains(.pricewars) { payloads.priceWars = priceWarsPayload(record, value: value, valueText: valueText) }
        return payloads
    }

    func solarPayload(_ record: BusRecord, value: JSONValue, valueText: [UInt8]) -> [UInt8]? {
        var attachments: [ByteBuffer] = []
        var output: [UInt8] = []
        output.reserveCapacity(valueText.count + record.topic.utf8.count + 48)
        output.append(contentsOf: #"{"topic":"#.utf8)
        JSONValue.string(record.topic).serialize(into: &output, attachments: &attachments)
        output.append(contentsOf: #","timestamp":"#.utf8)
        if case .object = value, let data = value["data"] {
            guard !Self.isEmpty(data) else { return nil }
            (value["timestamp"] ?? .null).serialize(into: &output, attachments: &attachments)
            output.append(contentsOf: #","data":"#.utf8)
            data.serialize(into: &output, attachments: &attachments)
        } else {
            guard !Self.isEmpty(value) else { return nil }
            Self.fallbackTimestamp(record).serialize(into: &output, attachments: &attachments)
            output.append(contentsOf: #","data":"#.utf8)
            output.append(contentsOf: valueText)
        }
        appendKafkaMetadata(record, timestamp: true, to: &output)
        output.append(UInt8(ascii: "}"))
        return output
    }

    func priceWarsPayload(_ record: BusRecord, value: JSONValue, valueText: [UInt8]) -> [UInt8]? {
        if filterHTTPCode, case .object = value, let code = value["http_code"] {
            guard code.intValue == 200 || code.doubleValue == 200 else { return nil }
        }
        var attachments: [ByteBuffer] = []
        var output: [UInt8] = []
        output.reserveCapacity(valueText.count + record.topic.utf8.count + 48)
        output.append(contentsOf: #"{"topic":"#.utf8)
        JSONValue.string(record.topic).serialize(into: &output, attachments: &attachments)
        output.append(contentsOf: #","timestamp":"#.utf8)
        (record.timestamp >= 0 ? JSONValue.int(record.timestamp) : .null).serialize(into: &output, attachments: &attachments)
        output.append(contentsOf: #","value":"#.utf8)
        output.append(contentsOf: valueText)
        appendKafkaMetadata(record, timestamp: false, to: &output)
        output.append(UInt8(ascii: "}"))
        return output
    }

    /// The key's `timestamp` / 1000 when the key is an object with a numeric one, else the Kafka
    /// timestamp in seconds, else null.
    static func fallbackTimestamp(_ record: BusRecord) -> JSONValue {
        if let keyText = record.key, let key = try? JSONParser().parse(keyText), case .object = key,
           let stamp = key["timestamp"]?.doubleValue {
            return .double(stamp / 1000)
        }
        return record.timestamp >= 0 ? .double(Double(record.timestamp) / 1000) : .null
    }

    /// null, `{}`, `[]` and `""`.
    static func isEmpty(_ value: JSONValue) -> Bool {
        switch value {
        case .null: true
        case .object(let members): members.isEmpty
        case .array(let elements): elements.isEmpty
        case .string(let text): text.isEmpty
        default: false
        }
    }
}
