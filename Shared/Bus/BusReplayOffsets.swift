import JSON
import Foundation

/// The start positions of a REPLAY request: for each topic, the first offset wanted per partition.
/// On the wire: `{"<topic>": {"<partition>": <first offset>, ...}, ...}`.
public struct BusReplayOffsets: Sendable, Hashable {
    /// topic -> partition -> first offset (inclusive).
    public var topics: [String: [Int32: Int64]]

    public init(_ topics: [String: [Int32: Int64]]) {
        self.topics = topics
    }

    /// Parses and validates the JSON form: a non-empty object of non-empty topic names, each
    /// mapping decimal partition numbers (>= 0) to offsets (>= 0).
    public init(json: [UInt8]) throws(BusProtocolError) {
        let raw: [String: [String: Int64]]
        do {
            raw = try JSONDecoder().decode([String: [String: Int64]].self, from: Data(json))
        } catch {
            throw .malformedRequest(
                "REPLAY argument must be a JSON object {\"topic\": {\"partition\": offset}} (\(Self.describe(error)))")
        }
        guard !raw.isEmpty else { throw .malformedRequest("REPLAY names no topics") }
        var topics: [String: [Int32: Int64]] = [:]
        for (topic, partitions) in raw {
            guard !topic.isEmpty else { throw .malformedRequest("REPLAY topic name is empty") }
            guard !partitions.isEmpty else {
                throw .malformedRequest("REPLAY topic \(topic.debugDescription) names no partitions")
            }
            var offsets: [Int32: Int64] = [:]
            for (partitionText, offset) in partitions {
                guard let partition = Int32(partitionText), partition >= 0,
                    String(partition) == partitionText
                else {
                    throw .malformedRequest(
                        "REPLAY partition \(partitionText.debugDescription) of topic \(topic.debugDescription) is not a partition number")
                }
                guard offset >= 0 else {
                    throw .malformedRequest(
                        "REPLAY offset \(offset) for \(topic)/\(partition) is negative")
                }
                offsets[partition] = offset
            }
            topics[topic] = offsets
        }
        self.topics = topics
    }

    /// The JSON form, with topics and partitions in a stable (sorted) order.
    public var json: String {
        var text = "{"
        for (topicIndex, topic) in topics.keys.sorted().enumerated() {
            if topicIndex > 0 { text += "," }
            text += JSONText.quoted(topic) + ":{"
            let partitions = topics[topic] ?? [:]
            for (index, partition) in partitions.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                text += "\"\(partition)\":\(partitions[partition] ?? 0)"
            }
            text += "}"
        }
        return text + "}"
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.typeMismatch(_, let context): context.debugDescription
        case DecodingError.valueNotFound(_, let context): context.debugDescription
        case DecodingError.keyNotFound(_, let context): context.debugDescription
        default: "\(error)"
        }
    }
}
