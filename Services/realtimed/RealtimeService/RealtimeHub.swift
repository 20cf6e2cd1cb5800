import Bus
import Foundation
import Logging
import Metrics
import SocketIO
import Synchronization
import Visibility

/// The heart of realtimed: the per-topic state built from the bus, the Socket.IO API on top of
/// it, and the client count across replicas.
///
/// Decisions are taken under the state lock; emits happen after it is released, because queuing
/// to a client that is over its bound closes the session at once, and the close calls back into
/// the hub (``disconnected``). Emits that must keep their order (records, and the cache a client
/// gets on connect) are queued under ``emitOrder``, which no close callback ever takes: a client
/// that connects gets the cache and then exactly the records applied after it, and concurrent
/// publishers never deliver a record twice (records are deduplicated by topic, partition and
/// offset).
public final class RealtimeHub: Sendable {
    /// Room of the sockets that never subscribed: they receive every topic.
    static let everythingRoom = "\u{1}all-topics"

    /// The largest client count taken from one replica's report (larger ones are clamped).
    static let maximumReportedClients = 1_000_000_000

    /// The room of a topic's followers.
    public static func room(_ topic: String) -> String { "\u{1}topic:" + topic }

    let io: SocketIOServer
    let configuration: RealtimeConfiguration
    let shaper: RecordShaper
    let scope: TopicFamilyScope
    /// `PRICEWARS_TOPICS` within the Price Wars scope: their history goes out on connect even when empty.
    let announcedPriceWarsTopics: [String]
    let metrics: RealtimeMetrics
    /// Whether several publishers feed the state (several `BUS_CONNECT` endpoints, e.g. ingestd
    /// shards): a topic's history and latest value are then ordered by Kafka timestamp, not by
    /// arrival (``TopicState/apply(_:_:owner:byTimestamp:)``).
    let mergesPublishers: Bool
    /// Who may connect and what each client sees (`AUTH_MODE`).
    let access: RealtimeAccess
    let logger: Logger
    let state: Mutex<State>
    /// Held while order-sensitive emits are queued (queuing never waits for a client); taken
    /// before `state`, never by a disconnect.
    let emitOrder = Mutex(())

    struct State: Sendable {
        var topics: [String: TopicState] = [:]
        var delivered: [TopicPartition: Int64] = [:]
        /// Patterns of sockets that subscribed, by socket id.
        var subscriptions: [String: Set<TopicPattern>] = [:]
        /// The filter text of sockets that subscribed with a filter, by socket id.
        var filterKeys: [String: String] = [:]
        /// The distinct filters unconflated sockets use, by their text.
        var activeFilters: [String: ActiveFilter] = [:]
        /// With `AUTH_MODE=token` or `jwt`: what each socket's token grants (who, until when,
        /// which topics), by socket id (kept while it may recover).
        var grants: [String: AccessGrant] = [:]
        /// The earliest expiry among `grants` (nil: none expires): the tick's sweep walks the
        /// grants only once it passed, so it costs nothing per client while no token expires.
        var nextExpiry: Date?
        /// How many `refresh` events each socket may still send (``RefreshAllowance``).
        var refreshAllowances: [String: RefreshAllowance] = [:]

        /// Who `socketID` is (nil: `AUTH_MODE=none`).
        func viewer(of socketID: String) -> Viewer? { grants[socketID]?.viewer }

        /// The topics `socketID` is limited to (nil: every topic).
        func permissions(of socketID: String) -> TopicPermissions? {
            guard let topics = grants[socketID]?.topics, !topics.permitsAll else { return nil }
            return topics
        }
        /// The conflation of sockets that subscribed with one, by socket id.
        var conflations: [String: ConflationSettings] = [:]
        /// Sockets sharing a filter and a conflation, by room key (``ConflationSettings/roomKey(filter:viewer:)``).
        var conflationGroups: [String: ConflationGroup] = [:]
        /// Subscribed sockets that dropped and may recover their session, with when they dropped.
        var awaitingRecovery: [String: ContinuousClock.Instant] = [:]
        var localClients = 0
        var remoteClients: [String: Int] = [:]
        /// ingestd's consumer lag per topic (records), as last reported on the bus: summed over
        /// the shards of a sharded ingestd.
        var consumerLag: [String: Int] = [:]
        /// The lag per topic each ingestd shard reported last, by shard (`""`: unsharded).
        var consumerLagByShard: [String: [String: Int]] = [:]
        var lastAnnouncedTotal = -1
        /// `realtime_record_age_seconds` per topic (created once per topic).
        var ageTimers: [String: Timer] = [:]
        var synced = false
    }

    public init(io: SocketIOServer, configuration: RealtimeConfiguration, metrics: RealtimeMetrics = RealtimeMetrics(),
                access: RealtimeAccess = RealtimeAccess(), logger: Logger) {
        self.io = io
        self.configuration = configuration
        self.shaper = RecordShaper(filterHTTPCode: configuration.filterHTTPCode, families: configuration.apiFamilies,
                                   kafkaMetadata: configuration.eventKafkaMetadata)
        let scope = TopicFamilyScope(configuration: configuration)
        self.scope = scope
        self.announcedPriceWarsTopics = configuration.priceWarsTopics.filter { scope.families(of: $0).contains(.pricewars) }
        self.metrics = metrics
        self.mergesPublishers = configuration.busConnect.count > 1
        self.access = access
        self.logger = logger
        self.state = Mutex(State())
        if access.mode != .none { io.main.use { [weak self] socket in try self?.admit(socket) } }
        io.main.onConnection { [weak self] socket in self?.connected(socket) }
    }

    // MARK: Bus side

    /// Applies records from the bus: new ones update the state and are broadcast; records
    /// already delivered are skipped. Snapshot records of partitions seen for the first time
    /// only fill the cache (clients get them on connect), those of known partitions (a resync, a
    /// publisher restart) are broadcast when newer than what was delivered.
    public func apply(_ records: [BusRecord], fromSnapshot: Bool) {
        var applied = 0, duplicates = 0, sent = 0, unparsable = 0
        // Kafka timestamp to emit, per live record (milliseconds since the epoch, now).
        let nowMilliseconds = fromSnapshot ? 0 : Int64(Date().timeIntervalSince1970 * 1000)
        var ages: [(Timer, Int64)] = []
        // Only set when conflation groups exist (read once per batch).
        var conflationNow: ContinuousClock.Instant?
        var conflationCounts: ConflationCounts?
        emitOrder.withLock { _ in
            // The events of the whole batch go out in one emit per room: to the sockets following
            // everything, and per topic to its subscribers (never in the everything room).
            var everything: [SocketIOEvent] = []
            var byRoom: [String: [SocketIOEvent]] = [:]
            // With AUTH_MODE=token: per room, its events in order with who may see them.
            var scoped: [String: [(owner: RecordOwner, events: [SocketIOEvent])]] = [:]
            state.withLock { state in
                if fromSnapshot { state.synced = true }
                for record in records {
                    let key = TopicPartition(topic: record.topic, partition: record.partition)
                    let previous = state.delivered[key]
                    if let previous, record.offset <= previous {
                        duplicates += 1
                        continue
                    }
                    state.delivered[key] = record.offset
                    applied += 1
                    let isNewTopic = state.topics[record.topic] == nil
                    if isNewTopic {
                        state.topics[record.topic] = TopicState(topic: record.topic, historySize: configuration.historySize,
                                                                families: scope.families(of: record.topic))
                    }
                    let payloads = shaper.shape(record, families: state.topics[record.topic]!.families)
                    if payloads.unparsable { unparsable += 1 }
                    let owner = access.mode == .none ? nil : RecordOwner(value: record.value)
                    state.topics[record.topic]!.apply(record, payloads, owner: owner, byTimestamp: mergesPublishers)
                    if isNewTopic { joinFollowers(ofNewTopic: record.topic, state: state) }
                    if fromSnapshot && previous == nil { continue }
                    if !fromSnapshot, record.timestamp >= 0 {
                        let timer = state.ageTimers[record.topic] ?? Self.ageTimer(record.topic)
                        state.ageTimers[record.topic] = timer
                        ages.append((timer, max(0, nowMilliseconds - record.timestamp)))
                    }
                    let events = liveEvents(record.topic, payloads)
                    guard !events.isEmpty else { continue }
                    var rooms = [state.topics[record.topic]!.room]
                    for (key, active) in state.activeFilters where active.filter.matches(record) {
                        rooms.append(Self.room(record.topic, filter: key))
                    }
                    if !state.conflationGroups.isEmpty {
                        let now = conflationNow ?? ContinuousClock.now
                        conflationNow = now
                        offerConflated(record, events, owner: owner, now: now, state: &state, byRoom: &byRoom)
                    }
                    if let owner {
                        // Scoped delivery keeps each room's order: emitted run by run of one owner.
                        for room in rooms + [Self.everythingRoom] { scoped[room, default: []].append((owner, events)) }
                        continue
                    }
                    everything.append(contentsOf: events)
                    for room in rooms { byRoom[room, default: []].append(contentsOf: events) }
                }
                // Without a window, capped groups let out at once what the cap allows.
                if let now = conflationNow { conflationCounts = releaseConflated(now: now, state: &state, byRoom: &byRoom).0 }
            }
            // One socket write per client for the whole batch, whatever rooms it is in.
            EngineFlushBatch.coalescing {
                if !everything.isEmpty { sent += io.main.to(Self.everythingRoom).emit(batch: everything) * everything.count }
                for (room, events) in byRoom { sent += io.main.to(room).emit(batch: events) * events.count }
                for (room, entries) in scoped { sent += emitScoped(entries, to: room) }
            }
        }
        if let conflationCounts { countConflation(conflationCounts, sent: 0) }
        for (timer, milliseconds) in ages { timer.recordMilliseconds(milliseconds) }
        metrics.recordsApplied.increment(by: applied)
        if duplicates > 0 { metrics.recordsDuplicate.increment(by: duplicates) }
        if unparsable > 0 { metrics.recordsUnparsable.increment(by: unparsable) }
        if sent > 0 { metrics.eventsSent.increment(by: sent) }
        if !fromSnapshot, let last = records.last, last.timestamp >= 0 {
            metrics.busLag.record(Date().timeIntervalSince1970 - Double(last.timestamp) / 1000)
        }
    }

    /// Emits a room's events in order, each run of one owner to the rooms that owner's records go
    /// to (``destinations(_:owner:)``): a client in the room and its scope's variant gets them in
    /// the order they came. Returns the events sent.
    private func emitScoped(_ entries: [(owner: RecordOwner, events: [SocketIOEvent])], to room: String) -> Int {
        var sent = 0
        var index = entries.startIndex
        while index < entries.endIndex {
            let owner = entries[index].owner
            var run: [SocketIOEvent] = []
            while index < entries.endIndex, entries[index].owner == owner {
                run.append(contentsOf: entries[index].events)
                index += 1
            }
            for destination in Self.destinations(room, owner: owner) {
                sent += io.main.to(destination).emit(batch: run) * run.count
            }
        }
        return sent
    }

    /// The age histogram of a topic's live records: Kafka timestamp to emit.
    static func ageTimer(_ topic: String) -> Timer {
        Timer(label: "realtime_record_age_seconds", dimensions: [("topic", topic)], preferredDisplayUnit: .seconds)
    }

    /// The partitions to ask the publisher about before applying a snapshot of `records`, each
    /// with the offset to replay from: those whose records start after a gap (more records
    /// arrived while the publisher was away than its cache holds), those that end before what was
    /// delivered (a publisher behind the others, or a partition that restarted because its topic
    /// was recreated), and those the snapshot names as `restarted` (the publisher saw them start
    /// again below its position while it ran, and holds none or few of their new records). The
    /// replay's GAP says whether each restarted, and ``rewind(_:next:)`` follows it.
    public func gaps(before records: [BusRecord], restarted: [BusReplayGap] = []) -> [TopicPartition: Int64] {
        var bounds: [TopicPartition: (first: Int64, last: Int64)] = [:]
        for record in records {
            let key = TopicPartition(topic: record.topic, partition: record.partition)
            let known = bounds[key] ?? (.max, .min)
            bounds[key] = (min(known.first, record.offset), max(known.last, record.offset))
        }
        return state.withLock { state in
            var gaps = bounds.reduce(into: [TopicPartition: Int64]()) { gaps, entry in
                guard let delivered = state.delivered[entry.key] else { return }
                if entry.value.first > delivered + 1 || entry.value.last < delivered {
                    gaps[entry.key] = delivered + 1
                }
            }
            for gap in restarted {
                let key = TopicPartition(topic: gap.topic, partition: gap.partition)
                if let delivered = state.delivered[key] { gaps[key] = delivered + 1 }
            }
            return gaps
        }
    }

    /// A replay said the partition restarted at `next` (its topic was recreated or truncated):
    /// records from `next` on are new, though offsets up to what was delivered were sent before.
    public func rewind(_ key: TopicPartition, next: Int64) {
        state.withLock { state in
            if let delivered = state.delivered[key], delivered >= next { state.delivered[key] = next - 1 }
        }
    }

    /// Whether a snapshot was applied from any publisher.
    public var isSynced: Bool { state.withLock { $0.synced } }

    /// The live events a record's payloads give. Price Wars events carry the record as a JSON
    /// string, as the original's `emit(topic, json.dumps(...))`, unless `PRICEWARS_LIVE_OBJECTS`.
    func liveEvents(_ topic: String, _ payloads: RecordShaper.Payloads) -> [SocketIOEvent] {
        var events: [SocketIOEvent] = []
        if let solar = payloads.solar { events.append(SocketIOEvent("sensor_values", .raw(solar))) }
        if let priceWars = payloads.priceWars {
            let argument: JSONValue = configuration.priceWarsLiveObjects
                ? .raw(priceWars) : .string(String(decoding: priceWars, as: UTF8.self))
            events.append(SocketIOEvent(topic, argument))
        }
        return events
    }

    /// A topic seen for the first time: sockets whose patterns match it start following it.
    private func joinFollowers(ofNewTopic topic: String, state: borrowing State) {
        for (socketID, patterns) in state.subscriptions
        where patterns.contains(where: { $0.matches(topic) }) && Self.permits(topic, for: socketID, in: state) {
            io.main.socket(id: socketID)?.join(Self.rooms([Self.room(topic, filter: Self.roomKey(of: socketID, in: state))],
                                                          for: state.viewer(of: socketID)))
        }
    }

    // MARK: Client count across replicas

    /// The client counts other replicas reported over the bus (this replica's own entry is
    /// ignored; each count is clamped to 0...``maximumReportedClients``).
    public func updateRemoteClients(_ counts: [String: Int]) {
        var clamped: [String: Int] = [:]
        clamped.reserveCapacity(counts.count)
        var outOfRange = 0
        for (replica, count) in counts where replica != configuration.replicaID {
            if !(0...Self.maximumReportedClients).contains(count) { outOfRange += 1 }
            clamped[replica] = min(max(0, count), Self.maximumReportedClients)
        }
        state.withLock { $0.remoteClients = clamped }
        if outOfRange > 0 { metrics.presenceCountsClamped.increment(by: outOfRange) }
    }

    /// ingestd's consumer lag per topic, as its presence messages report it. Publishers of the
    /// same `shard` (mirrors; nil: unsharded) report the same partitions, so the latest report
    /// of each topic wins among them; different shards consume different partitions of a topic,
    /// so their lags add up.
    public func updateConsumerLag(_ lag: [String: Int], shard: String? = nil) {
        guard !lag.isEmpty else { return }
        state.withLock { state in
            state.consumerLagByShard[shard ?? "", default: [:]].merge(lag) { _, new in new }
            if state.consumerLagByShard.count == 1 {
                state.consumerLag = state.consumerLagByShard.first!.value
                return
            }
            var total: [String: Int] = [:]
            for reports in state.consumerLagByShard.values {
                for (topic, records) in reports {
                    let (sum, overflow) = total[topic, default: 0].addingReportingOverflow(records)
                    total[topic] = overflow ? .max : sum
                }
            }
            state.consumerLag = total
        }
    }

    /// Clients connected to this replica.
    public var localClients: Int { state.withLock { $0.localClients } }

    /// Clients connected to every replica (this one counted live, the others as last reported);
    /// saturates at `Int.max`.
    public var totalClients: Int { state.withLock { Self.total($0) } }

    private static func total(_ state: borrowing State) -> Int {
        var total = max(0, state.localClients)
        for count in state.remoteClients.values {
            let (sum, overflow) = total.addingReportingOverflow(count)
            total = overflow ? .max : sum
        }
        return total
    }

    /// Updates the client gauges and, with `broadcast` and when the total changed since the last
    /// broadcast, sends `connected_clients` to every client (solar family); returns whether it
    /// did. ``ClientCountAnnouncer`` decides when (coalescing connect storms).
    @discardableResult
    public func announceClientCount(broadcast: Bool = true) -> Bool {
        let (local, total, changed) = state.withLock { state in
            let total = Self.total(state)
            let changed = broadcast && total != state.lastAnnouncedTotal
            if changed { state.lastAnnouncedTotal = total }
            return (state.localClients, total, changed)
        }
        metrics.clients.record(local)
        metrics.clientsAllReplicas.record(total)
        if let recovery = io.main.recoveryStatistics { metrics.recoveryBufferedPackets.record(recovery.bufferedPackets) }
        guard changed, configuration.apiFamilies.contains(.solar) else { return false }
        metrics.eventsSent.increment(by: io.main.emit("connected_clients", .int(Int64(total))))
        return true
    }

    // MARK: Socket.IO side

    private func connected(_ socket: SocketIOSocket) {
        socket.on("subscribe") { [weak self] arguments, ack in self?.subscribe(socket, arguments, ack) }
        socket.on("unsubscribe") { [weak self] arguments, ack in self?.unsubscribe(socket, arguments, ack) }
        if access.mode == .jwt { socket.on("refresh") { [weak self] arguments, ack in self?.refresh(socket, arguments, ack) } }
        socket.onDisconnect { [weak self] reason in self?.disconnected(socket, reason) }
        var sent = 0
        emitOrder.withLock { _ in
            let events = state.withLock { state -> [SocketIOEvent] in
                state.localClients += 1
                state.awaitingRecovery[socket.id] = nil
                var events: [SocketIOEvent] = []
                if configuration.apiFamilies.contains(.solar) {
                    // As the solar gateway: the count first, to the new client at once (everyone
                    // else gets it with the next announcement).
                    events.append(SocketIOEvent("connected_clients", .int(Int64(Self.total(state)))))
                }
                let viewer = state.viewer(of: socket.id)
                let permissions = state.permissions(of: socket.id)
                if !socket.recovered {
                    if let permissions {
                        // A token limited to some topics follows them as a subscriber would
                        // (never the everything room): those it may see, as they appear.
                        state.subscriptions[socket.id] = Set((permissions.allow ?? ["*"]).map(TopicPattern.init))
                        let rooms = state.topics.keys.filter(permissions.permits).map { Self.room($0, filter: nil) }
                        socket.join(Self.rooms(rooms, for: viewer))
                    } else {
                        socket.join(Self.rooms([Self.everythingRoom], for: viewer))
                    }
                    events.append(contentsOf: connectEvents(state, viewer: viewer, permissions: permissions))
                } else if let patterns = state.subscriptions[socket.id] {
                    // Topics that appeared while it was away: follow them from now on.
                    let key = Self.roomKey(of: socket.id, in: state)
                    let rooms = state.topics.keys.filter { topic in
                        patterns.contains { $0.matches(topic) } && (permissions?.permits(topic) ?? true)
                    }
                    socket.join(Self.rooms(rooms.map { Self.room($0, filter: key) }, for: viewer))
                }
                return events
            }
            // Per-client state, not broadcasts: never recorded for recovery.
            for event in events where socket.emitUnrecorded(event.name, event.arguments) { sent += 1 }
        }
        metrics.eventsSent.increment(by: sent)
    }

    /// What a new client gets, topics sorted: each topic's latest `sensor_values_cache` and, for
    /// every Price Wars topic (those of `PRICEWARS_TOPICS` too), its history (`[]` when empty);
    /// of a `viewer`, only what it may see.
    private func connectEvents(_ state: borrowing State, viewer: Viewer?, permissions: TopicPermissions?) -> [SocketIOEvent] {
        var topics = Set(state.topics.keys)
        topics.formUnion(announcedPriceWarsTopics)
        if let permissions { topics = topics.filter(permissions.permits) }
        var events: [SocketIOEvent] = []
        for topic in topics.sorted() {
            guard let topicState = state.topics[topic] else {
                events.append(SocketIOEvent(topic, .raw(Array("[]".utf8))))
                continue
            }
            if let solar = topicState.view(for: viewer).solar, configuration.apiFamilies.contains(.solar) {
                events.append(SocketIOEvent("sensor_values_cache", .raw(solar)))
            }
            if configuration.apiFamilies.contains(.pricewars), topicState.families.contains(.pricewars) {
                events.append(SocketIOEvent(topic, .raw(topicState.priceWarsHistory.jsonArray(visibleTo: viewer))))
            }
        }
        return events
    }

    private func disconnected(_ socket: SocketIOSocket, _ reason: SocketIODisconnectReason) {
        if reason == .slowConsumer { metrics.slowClientsDropped.increment() }
        state.withLock { state in
            state.localClients -= 1
            let now = ContinuousClock.now
            if reason.isRecoverable && configuration.recoverySeconds > 0 {
                if state.subscriptions[socket.id] != nil || state.viewer(of: socket.id) != nil {
                    state.awaitingRecovery[socket.id] = now
                }
            } else {
                Self.dropSubscription(of: socket.id, in: &state)
                Self.forgetGrant(of: socket.id, in: &state)
            }
        }
    }

    /// Sessions that can no longer be recovered keep no subscription. Called every tick by
    /// ``ClientCountAnnouncer`` (not on every disconnect: a mass disconnect stays linear).
    func expireRecoveries() {
        let now = ContinuousClock.now
        let window = Duration.seconds(configuration.recoverySeconds)
        state.withLock { state in
            guard !state.awaitingRecovery.isEmpty else { return }
            for (id, since) in state.awaitingRecovery where now - since > window {
                state.awaitingRecovery[id] = nil
                Self.dropSubscription(of: id, in: &state)
                Self.forgetGrant(of: id, in: &state)
            }
        }
    }
}
