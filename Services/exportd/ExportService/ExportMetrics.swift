import Metrics
import Bus

/// exportd's metrics (swift-metrics; exported in Prometheus format on `/metrics`).
struct ExportMetrics: Sendable {
    let recordsStored = Counter(label: "export_records_stored_total")
    let recordsDuplicate = Counter(label: "export_records_duplicate_total")
    let recordsMalformed = Counter(label: "export_records_malformed_total")
    let rowsStored = Counter(label: "export_rows_stored_total")
    let replays = Counter(label: "export_replays_total")
    /// Records in the replay batch stored last (at most `ExportBusFollower.replayBatchSize`).
    let replayBatchRecords = Gauge(label: "export_replay_batch_records")
    /// Replay gaps: records a replay asked for that Kafka no longer holds, by kind.
    func replayGap(_ gap: BusReplayGap) {
        Counter(label: "export_replay_gaps_total", dimensions: [("kind", gap.kind.name)]).increment()
        replayLostOffsets.increment(by: gap.lostOffsets)
    }
    /// Offsets deleted from Kafka before exportd stored them (retention while it was down).
    let replayLostOffsets = Counter(label: "export_replay_lost_offsets_total")
    /// Merchant topics ingestd does not serve (their exports get no new rows).
    let unservedTopics = Gauge(label: "export_unserved_topics")
    let storageErrors = Counter(label: "export_storage_errors_total")
    /// Bytes of journal entries stored in memory but not on disk (a failing write).
    let unwrittenBytes = Gauge(label: "export_journal_unwritten_bytes")
    let exportsServed = Counter(label: "export_requests_total", dimensions: [("kind", "url")])
    let streamsServed = Counter(label: "export_requests_total", dimensions: [("kind", "stream")])
    let filesServed = Counter(label: "export_requests_total", dimensions: [("kind", "file")])
    /// `/data/<id>.csv` of a live pending export whose rows the store no longer holds (410).
    let filesGone = Counter(label: "export_files_gone_total")
    let exportDuration = Timer(label: "export_render_duration_seconds")
    /// Exports (streamed or files) asked with `?filter=`.
    let filteredRequests = Counter(label: "export_filtered_requests_total")
    /// `?filter=` values refused, by the filter error's code (too-long, too-deep, syntax, ...).
    func filterRefused(code: String) {
        Counter(label: "export_filters_refused_total", dimensions: [("code", code)]).increment()
    }
    /// `AUTH_MODE=jwt`: a request's token refused, by ``JWTAccessError/Code``.
    func tokensRefused(code: String) {
        Counter(label: "export_tokens_refused_total", dimensions: [("code", code)]).increment()
    }
    /// Export requests refused by a limit of `ExportLimits`, per limit.
    let refusals: [ExportRefusal: Counter] = Dictionary(uniqueKeysWithValues: ExportRefusal.allCases.map {
        ($0, Counter(label: "export_requests_refused_total", dimensions: [("limit", $0.rawValue)]))
    })
    /// Connections closed at once by `MAX_CONNECTIONS` / `MAX_CONNECTIONS_PER_ADDRESS`.
    let connectionsRefusedTotal = Counter(label: "export_connections_refused_total", dimensions: [("limit", "total")])
    let connectionsRefusedPerAddress = Counter(
        label: "export_connections_refused_total", dimensions: [("limit", "per_address")])
    /// Connections closed for not sending a request's head or body in time.
    let headTimeouts = Counter(label: "export_http_timeouts_total", dimensions: [("part", "head")])
    let bodyTimeouts = Counter(label: "export_http_timeouts_total", dimensions: [("part", "body")])

    func refused(_ refusal: ExportRefusal) {
        refusals[refusal]?.increment()
    }

    func record(_ result: ExportStore.StoreResult) {
        if result.stored > 0 { recordsStored.increment(by: result.stored) }
        if result.duplicates > 0 { recordsDuplicate.increment(by: result.duplicates) }
        if result.malformed > 0 { recordsMalformed.increment(by: result.malformed) }
        if result.rows > 0 { rowsStored.increment(by: result.rows) }
    }
}
