import Bus

/// One consumed message after decoding, in the order it was consumed: the record to publish
/// (its sequence and epoch are stamped when it is published), or why it cannot be.
enum DecodedMessage: Sendable {
    /// Decoded; `sequence` and `epoch` are still 0.
    case record(BusRecord)
    /// The key or value did not decode: counted and logged by the publishing thread, skipped.
    case failed(topic: String, partition: Int32, offset: Int64, reason: String)

    var topic: String {
        switch self {
        case .record(let record): record.topic
        case .failed(let topic, _, _, _): topic
        }
    }

    var partition: Int32 {
        switch self {
        case .record(let record): record.partition
        case .failed(_, let partition, _, _): partition
        }
    }

    var offset: Int64 {
        switch self {
        case .record(let record): record.offset
        case .failed(_, _, let offset, _): offset
        }
    }
}
