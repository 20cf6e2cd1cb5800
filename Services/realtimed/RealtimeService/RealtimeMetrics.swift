import Metrics

/// realtimed's metrics (swift-metrics; exported in Prometheus format on `/metrics`).
public struct RealtimeMetrics: Sendable {
    /// Socket.IO clients connected to this replica.
    let clients = Gauge(label: "realtime_clients")
    /// Socket.IO clients connected to all replicas on the bus.
    let clientsAllReplicas = Gauge(label: "realtime_clients_all_replicas")
    /// Events written to clients (one per event per client).
    let eventsSent = Counter(label: "realtime_events_sent_total")
    /// Clients dropped because their send queue overflowed.
    let slowClientsDropped = Counter(label: "realtime_slow_clients_dropped_total")
    /// `subscribe`/`unsubscribe` calls refused: too many patterns, a pattern too long, bad arguments.
    let subscriptionsRefused = Counter(label: "realtime_subscriptions_refused_total")
    /// Packets kept for connection state recovery (broadcasts only; with `RECOVERY_SECONDS` > 0).
    let recoveryBufferedPackets = Gauge(label: "realtime_recovery_buffered_packets")
    /// Client counts from other replicas (bus PRESENCE) outside 0...10^9, clamped.
    let presenceCountsClamped = Counter(label: "realtime_presence_counts_clamped_total")
    /// Records of conflated subscriptions replaced by a newer record of the same key before they
    /// went out (counted once per conflation group).
    let conflatedRecords = Counter(label: "realtime_conflated_records_total")
    /// Records that a subscription's `maxPerSecond` kept from going out when due (they are held,
    /// conflated per key, and go out when the cap allows).
    let rateCappedRecords = Counter(label: "realtime_rate_capped_records_total")
    /// Conflation windows flushed before their end because `CONFLATE_MAX_KEYS` keys were held.
    let conflationEarlyFlushes = Counter(label: "realtime_conflation_early_flushes_total")
    /// Held records dropped at `CONFLATE_MAX_KEYS` because the cap kept the early flush from freeing room.
    let conflationDropped = Counter(label: "realtime_conflation_dropped_total")
    /// Records applied from the bus (after deduplication).
    let recordsApplied = Counter(label: "realtime_bus_records_total")
    /// Records skipped as already delivered (another publisher, or a replay after a restart).
    let recordsDuplicate = Counter(label: "realtime_bus_duplicates_total")
    /// Records whose value is not JSON (only a bus peer other than ingestd can publish one): no
    /// event goes out for them.
    let recordsUnparsable = Counter(label: "realtime_bus_records_unparsable_total")
    /// Resynchronisations with a publisher.
    let resyncs = Counter(label: "realtime_bus_resyncs_total")
    /// Seconds from the Kafka timestamp of the newest live record to its arrival here.
    let busLag = Gauge(label: "realtime_bus_lag_seconds")

    /// Connections closed at once because `MAX_CONNECTIONS` or `MAX_CONNECTIONS_PER_ADDRESS` was reached.
    let connectionsRefusedTotal = Counter(label: "realtime_connections_refused_total", dimensions: [("limit", "total")])
    let connectionsRefusedPerAddress = Counter(
        label: "realtime_connections_refused_total", dimensions: [("limit", "per_address")])
    /// Engine.IO handshakes refused with 503 because `MAX_SESSIONS` or `MAX_SESSIONS_PER_ADDRESS` was reached.
    let sessionsRefused = Counter(label: "realtime_sessions_refused_total")
    /// Socket.IO clients refused by `AUTH_MODE` (no token, or another identity on recovery).
    let clientsRefused = Counter(label: "realtime_clients_refused_total")
    /// Clients disconnected because their JWT expired (no `refresh` in time).
    let tokensExpired = Counter(label: "realtime_tokens_expired_total")
    /// `refresh` events refused unread because their connection sent too many (``RefreshAllowance``).
    let refreshesRefused = Counter(label: "realtime_refreshes_refused_total")
    /// HTTP connections closed for not sending a request's head or body in time.
    let headTimeouts = Counter(label: "realtime_http_timeouts_total", dimensions: [("part", "head")])
    let bodyTimeouts = Counter(label: "realtime_http_timeouts_total", dimensions: [("part", "body")])

    public init() {}
}
