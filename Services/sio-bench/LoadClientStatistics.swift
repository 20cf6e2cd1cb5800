/// One client's figures. Written only on its channel's event loop; read by the load command
/// after the event loop group has shut down (which orders the reads after the writes).
final class LoadClientStatistics: @unchecked Sendable {
    /// `tick` events that arrived in the measurement window.
    var deliveries = 0
    /// `tick` events that arrived at all.
    var allDeliveries = 0
    /// Latencies of the deliveries in the window; allocated at the first one.
    var histogram: LatencyHistogram?
}
