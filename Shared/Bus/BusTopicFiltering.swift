/// Where a ``BusSubscriber`` applies its topic prefixes.
public enum BusTopicFiltering: Sendable, Hashable {
    /// Receive every message and filter in the subscriber. Sequence numbers are global per
    /// publisher, so only this mode sees every sequence and detects every gap. The default.
    case inProcess
    /// Filter in the publisher with SUB subscriptions, saving bandwidth. The subscriber then sees
    /// only some sequences, so it can detect epoch changes and reordering but not lost messages.
    case socket
}
