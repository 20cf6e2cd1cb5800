import Bus
import Foundation
import Logging
import SocketIO
import Synchronization

/// The heart of realtimed: the per-topic state built from the bus, the Socket.IO API on top of
/// it, and the client count across replicas.
///
/// State changes and the emits they cause happen under one lock, so a client that connects
/// gets the cache and then exactly the records applied after it, and concurrent publishers
/// never deliver a record twice (records are deduplicated by topic, partition and offset).
public final class RealtimeHub: Sendable {
    /// Room of the sockets that never subscribed: they receive every topic.
    static let everythingRoom = "\u{1}all-topics"

    /// The room of a topic's followers.
    public static func room(_ topic: String) -> String { "\u{1}topic:" + topic }

    let io: SocketIOServer
    let configuration: RealtimeConfiguration
    let shaper: RecordShaper
    let metrics: RealtimeMetrics
    let logger: Logger
    let state: Mutex<State>

    struct State: Sendable {
        var topics: [String: TopicState] = [:]
        var delivered: [TopicPartition: Int64] = [:]
        /// Patterns of sockets that subscribed, by socket id.
        var subscriptions: [String: Set<TopicPattern>] = [:]
        /// Subscribed sockets that dropped and may recover their session, with when they dropped.
        var awaitingRecovery: [String: ContinuousClock.Instant] = [:]
        var localClients = 0
        var remoteClients: [String: Int] = [:]
        var lastAnnouncedTotal = -1
        var synced = false
    }

    public init(io: SocketIOServer, configuration: RealtimeConfiguration, metrics: RealtimeMetrics = RealtimeMetrics(),
                logger: Logger) {
        self.io = io
        self.configuration = configuration
        self.shaper = RecordShaper(filterHTTPCode: configuration.filterHTTPCode, families: configuration.apiFamilies)
        self.metrics = metrics
        self.logger = logger
        self.state = Mutex(State())
        io.main.onConnection { [weak self] socket in self?.connected(socket) }
    }

    // MARK: Bus side

    /// Applies records from the bus: new ones update the state and are broadcast; records
    /// already delivered are skipped. Snapshot records of partitions seen for the first time
    /// only fill the cache (clients get them on connect), those of known partitions (a resync, a
    /// publisher restart) are broadcast when newer than what was delivered.
    public func apply(_ records: [BusRecord], fromSnapshot: Bool) {
        var applied = 0, duplicates = 0, sent = 0
        // The events of the whole batch go out in one emit per room: to the sockets following
        // everything, and per topic to its subscribers (never in the everything room).
        var everything: [SocketIOEvent] = []
        var byRoom: [String: [SocketIOEvent]] = [:]
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
                let payloads = shaper.shape(record)
                let isNewTopic = state.topics[record.topic] == nil
                if isNewTopic {
                    state.topics[record.topic] = TopicState(topic: record.topic, historySize: configuration.historySize)
                }
                state.topics[record.topic]!.apply(record, payloads)
                if isNewTopic { joinFollowers(ofNewTopic: record.topic, state: state) }
                if fromSnapshot && previous == nil { continue }
                let events = Self.events(record.topic, payloads)
                guard !events.isEmpty else { continue }
                everything.append(contentsOf: events)
                byRoom[state.topics[record.topic]!.room, default: []].append(contentsOf: events)
            }
            if !everything.isEmpty {
                sent += io.main.to(Self.everythingRoom).emit(batch: everything) * everything.count
                for (room, events) in byRoom { sent += io.main.to(room).emit(batch: events) * events.count }
            }
        }
        metrics.recordsApplied.increment(by: applied)
        if duplicates > 0 { metrics.recordsDuplicate.increment(by: duplicates) }
        if sent > 0 { metrics.eventsSent.increment(by: sent) }
        if !fromSnapshot, let last = records.last, last.timestamp >= 0 {
            metrics.busLag.record(Date().timeIntervalSince1970 - Double(last.timestamp) / 1000)
        }
    }

    /// The partitions whose records in `snapshot` start after a gap: more records arrived while
    /// the publisher was away than its cache holds. Maps each to the first offset clients miss.
    public func gaps(before snapshot: [BusRecord]) -> [TopicPartition: Int64] {
        var first: [TopicPartition: Int64] = [:]
        for record in snapshot {
            let key = TopicPartition(topic: record.topic, partition: record.partition)
            first[key] = min(first[key] ?? .max, record.offset)
        }
        return state.withLock { state in
            first.reduce(into: [TopicPartition: Int64]()) { gaps, entry in
                if let delivered = state.delivered[entry.key], entry.value > delivered + 1 {
                    gaps[entry.key] = delivered + 1
                }
            }
        }
    }

    /// Whether a snapshot was applied from any publisher.
    public var isSynced: Bool { state.withLock { $0.synced } }

    /// The events a record's payloads give.
    private static func events(_ topic: String, _ payloads: RecordShaper.Payloads) -> [SocketIOEvent] {
        var events: [SocketIOEvent] = []
        if let solar = payloads.solar { events.append(SocketIOEvent("sensor_values", .raw(solar))) }
        if let priceWars = payloads.priceWars { events.append(SocketIOEvent(topic, .raw(priceWars))) }
        return events
    }

    /// A topic seen for the first time: sockets whose patterns match it start following it.
    private func joinFollowers(ofNewTopic topic: String, state: borrowing State) {
        for (socketID, patterns) in state.subscriptions where patterns.contains(where: { $0.matches(topic) }) {
            io.main.socket(id: socketID)?.join(Self.room(topic))
        }
    }

    // MARK: Client count across replicas

    /// The client counts other replicas reported over the bus (this replica's own entry is ignored).
    public func updateRemoteClients(_ counts: [String: Int]) {
        state.withLock { state in
            state.remoteClients = counts.filter { $0.key != configuration.replicaID }
            announceClientCount(&state)
        }
    }

    /// Clients connected to this replica.
    public var localClients: Int { state.withLock { $0.localClients } }

    /// Clients connected to every replica (this one counted live, the others as last reported).
    public var totalClients: Int { state.withLock { $0.localClients + $0.remoteClients.values.reduce(0, +) } }

    private func announceClientCount(_ state: inout State) {
        let total = state.localClients + state.remoteClients.values.reduce(0, +)
        metrics.clients.record(state.localClients)
        metrics.clientsAllReplicas.record(total)
        guard total != state.lastAnnouncedTotal, configuration.apiFamilies.contains(.solar) else { return }
        state.lastAnnouncedTotal = total
        let targets = io.main.emit("connected_clients", .int(Int64(total)))
        metrics.eventsSent.increment(by: targets)
    }

    // MARK: Socket.IO side

    private func connected(_ socket: SocketIOSocket) {
        socket.on("subscribe") { [weak self] arguments, ack in self?.subscribe(socket, arguments, ack) }
        socket.on("unsubscribe") { [weak self] arguments, ack in self?.unsubscribe(socket, arguments, ack) }
        socket.onDisconnect { [weak self] reason in self?.disconnected(socket, reason) }
        var sent = 0
        state.withLock { state in
            state.localClients += 1
            state.awaitingRecovery[socket.id] = nil
            if !socket.recovered {
                socket.join(Self.everythingRoom)
                for topic in state.topics.keys.sorted() { sent += sendState(of: topic, state.topics[topic]!, to: socket) }
            }
            announceClientCount(&state)
        }
        metrics.eventsSent.increment(by: sent)
    }

    private func sendState(of topic: String, _ topicState: TopicState, to socket: SocketIOSocket) -> Int {
        var sent = 0
        if let solar = topicState.solarLatest, configuration.apiFamilies.contains(.solar) {
            if socket.emit("sensor_values_cache", .raw(solar)) { sent += 1 }
        }
        if configuration.apiFamilies.contains(.pricewars), topicState.priceWarsHistory.count > 0 {
            if socket.emit(topic, .raw(topicState.priceWarsHistory.jsonArray)) { sent += 1 }
        }
        return sent
    }

    private func disconnected(_ socket: SocketIOSocket, _ reason: SocketIODisconnectReason) {
        if reason == .slowConsumer { metrics.slowClientsDropped.increment() }
        state.withLock { state in
            state.localClients -= 1
            let now = ContinuousClock.now
            if reason.isRecoverable && configuration.recoverySeconds > 0 {
                if state.subscriptions[socket.id] != nil { state.awaitingRecovery[socket.id] = now }
            } else {
                state.subscriptions[socket.id] = nil
            }
            // Sessions that can no longer be recovered keep no subscription.
            let window = Duration.seconds(configuration.recoverySeconds)
            for (id, since) in state.awaitingRecovery where now - since > window {
                state.awaitingRecovery[id] = nil
                state.subscriptions[id] = nil
            }
            announceClientCount(&state)
        }
    }
}
