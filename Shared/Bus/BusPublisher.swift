import Synchronization
import ZeroMQ

/// The live side of the bus: an XPUB socket sending every record as `[topic, header, key, value]`,
/// or records in packs while every subscriber reads them.
///
/// ## Threading
/// Not thread-safe, like its socket: create it anywhere, then use it from one thread at a time
/// (ingestd's publishing thread). Only ``subscriberCount`` may be read from any thread.
///
/// ## Sequences
/// ``publish(topic:partition:offset:timestamp:key:value:)`` stamps each record with this publisher's
/// ``epoch`` and the next sequence (``lastSequence`` + 1) and returns the stamped record, which
/// the caller then adds to its snapshot cache. ``publish(_:)`` sends a record exactly as given,
/// for callers that assign sequences themselves. Subscribers treat any sequence that does not grow
/// by exactly one as a gap and resynchronise.
///
/// ## Heartbeats and events
/// ``processEvents()`` updates ``subscriberCount`` and sends a ``BusHeartbeat`` when
/// `heartbeatInterval` has passed since the last one. ``publish(_:)`` runs it every 1024 records;
/// while idle, the owning thread must call it regularly (e.g. from its poll loop, at least every
/// `heartbeatInterval`), or subscribers cannot notice lost trailing messages.
///
/// Publishing never blocks: a subscriber whose queue is full (``sendHighWaterMark``) misses
/// messages, notices the sequence gap and fetches a new snapshot.
///
/// ## Subscriptions and packs
/// The socket is an XPUB that passes every subscription and unsubscription up
/// (`ZMQ_XPUB_VERBOSER`; libzmq applies them itself). ``applySubscriptions()`` reads them into a
/// ``BusSubscriptionCensus``, and ``publish(packed:)`` reads them first, so it sends a pack only if
/// every subscriber known at that moment announced that it reads packs; otherwise the records go
/// out one by one. A subscriber whose subscription libzmq applies in the microseconds between
/// that check and the send (libzmq processes new subscriptions while sending) may still get that
/// one pack: an older subscriber then skips it, sees the gap and resynchronises once.
public final class BusPublisher: @unchecked Sendable {
    /// The default live endpoint.
    public static let defaultEndpoint = "tcp://*:5556"

    /// This publisher's run id: random unless given to the initializer, changed by
    /// ``startEpoch(_:)``.
    public private(set) var epoch: UInt64
    /// The largest message a subscriber may send (a subscription: a topic prefix and at most a
    /// packs announcement); a larger one disconnects it.
    public static let maximumSubscriptionBytes: Int64 = 64 << 10
    /// Messages queued per subscriber towards the publisher before libzmq stops reading from it.
    static let subscriptionQueueMessages: Int32 = 100

    /// The endpoint actually bound (wildcard ports resolved), e.g. `tcp://0.0.0.0:5556`.
    public let boundEndpoint: String
    /// The sequence of the last record sent (0 before the first).
    public private(set) var lastSequence: UInt64 = 0

    private let socket: ZMQSocket
    private let monitor: ZMQSocket
    private let connectedSubscribers = Atomic<Int>(0)
    private var publishesSinceEventCheck = 0
    private let heartbeatInterval: Duration
    private var lastHeartbeat = ContinuousClock.now
    /// The epoch of the last record sent (``publish(_:)`` may carry another epoch than ``epoch``).
    private var lastEpoch: UInt64
    /// The records frame of the pack being sent, kept for the next one.
    private var packBuffer: [UInt8] = []
    /// The subscriptions read so far (``applySubscriptions()``). Read it on the publishing thread
    /// only.
    public private(set) var subscriptions = BusSubscriptionCensus()
    private var lastSubscriptionCheck = ContinuousClock.now
    private let malformedSubscriptions = Atomic<Int>(0)
    private let packsAllowed = Atomic<Bool>(true)

    /// Binds an XPUB socket to `endpoint`.
    /// - Parameters:
    ///   - endpoint: where subscribers connect, default `tcp://*:5556`; `tcp://127.0.0.1:*` picks a port.
    ///   - context: the ZeroMQ context.
    ///   - epoch: the run id; a fresh random non-zero value by default.
    ///   - sendHighWaterMark: messages queued per subscriber before that subscriber misses some.
    ///   - heartbeatInterval: how often ``processEvents()`` sends a heartbeat.
    ///   - security: maximum message size (of subscription messages) and CURVE server key.
    public init(
        endpoint: String = BusPublisher.defaultEndpoint, context: ZMQContext,
        epoch: UInt64 = .random(in: 1...UInt64.max), sendHighWaterMark: Int32 = 100_000,
        heartbeatInterval: Duration = .seconds(1), security: BusSocketSecurity = BusSocketSecurity()
    ) throws(ZMQError) {
        self.epoch = epoch
        self.heartbeatInterval = heartbeatInterval
        lastEpoch = epoch
        let socket = try ZMQSocket(context: context, type: .xpub)
        try socket.setSendHighWaterMark(sendHighWaterMark)
        try socket.setXPubVerboser(true)
        // Subscribers send only subscriptions upstream (a few bytes each); anything an XSUB
        // sends is kept until read, so each subscriber's share is kept small.
        try socket.setReceiveHighWaterMark(Self.subscriptionQueueMessages)
        try security.applyAsServer(socket)
        let limit = security.maximumMessageBytes < 0 ? Self.maximumSubscriptionBytes
            : min(security.maximumMessageBytes, Self.maximumSubscriptionBytes)
        try socket.setMaximumMessageSize(limit)
        let monitorEndpoint = "inproc://bus-publisher-monitor-\(UInt64.random(in: 0...UInt64.max))"
        monitor = try socket.startMonitor(
            endpoint: monitorEndpoint,
            events: Int32(ZMQMonitorEvent.accepted) | Int32(ZMQMonitorEvent.disconnected))
        try socket.bind(endpoint)
        boundEndpoint = try socket.lastEndpoint()
        self.socket = socket
    }

    deinit { close() }

    /// Closes the sockets (idempotent). Nothing can be published afterwards.
    public func close() {
        socket.close()
        monitor.close()
    }

    /// How many subscriber connections are open, as of the last ``processEvents()`` (which
    /// ``publish(_:)`` also runs every 1024 messages). Safe to read from any thread.
    public var subscriberCount: Int { connectedSubscribers.load(ordering: .relaxed) }

    /// Whether every subscriber announced that it reads packs, as of the last
    /// ``applySubscriptions()`` (true with no subscriber). Safe to read from any thread.
    public var everySubscriberReadsPacks: Bool { packsAllowed.load(ordering: .relaxed) }

    /// Messages from subscribers that were not subscriptions (an XSUB may send anything), or
    /// subscriptions past ``BusSubscriptionCensus/maximumPrefixes`` prefixes. Safe to read from
    /// any thread.
    public var malformedSubscriptionMessages: Int { malformedSubscriptions.load(ordering: .relaxed) }

    /// Reads the subscription messages subscribers sent since the last call (and makes libzmq
    /// apply any it had not yet) and counts them. Never blocks. ``publish(packed:)`` and
    /// ``processEvents()`` call it; ``publish(_:)`` at most once a millisecond, so the messages
    /// never pile up.
    public func applySubscriptions() {
        lastSubscriptionCheck = ContinuousClock.now
        var changed = false
        while let frames = try? socket.receiveMultipart(dontWait: true) {
            guard let change = BusSubscriptionCensus.Change(message: frames) else {
                malformedSubscriptions.add(1, ordering: .relaxed)
                continue
            }
            let untracked = subscriptions.untracked
            subscriptions.apply(change)
            if subscriptions.untracked > untracked { malformedSubscriptions.add(1, ordering: .relaxed) }
            changed = true
        }
        if changed { packsAllowed.store(subscriptions.everySubscriberReadsPacks, ordering: .relaxed) }
    }

    /// Reads pending connection events to update ``subscriberCount``, applies subscriptions and
    /// sends a heartbeat when one is due. Call it regularly while idle; publishing calls it by
    /// itself. Never blocks.
    public func processEvents() {
        publishesSinceEventCheck = 0
        applySubscriptions()
        let now = ContinuousClock.now
        if now - lastHeartbeat >= heartbeatInterval {
            lastHeartbeat = now
            try? sendHeartbeat()
        }
        while let frames = try? monitor.receiveMultipart(dontWait: true) {
            guard let event = ZMQMonitorEvent(frames: frames) else { continue }
            switch event.rawEvent {
            case ZMQMonitorEvent.accepted:
                connectedSubscribers.add(1, ordering: .relaxed)
            case ZMQMonitorEvent.disconnected:
                if connectedSubscribers.load(ordering: .relaxed) > 0 {
                    connectedSubscribers.subtract(1, ordering: .relaxed)
                }
            default:
                break
            }
        }
    }

    /// Stamps a record with ``epoch`` and the next sequence, sends it and returns it.
    @discardableResult
    public func publish(
        topic: String, partition: Int32, offset: Int64, timestamp: Int64, key: [UInt8]?, value: [UInt8]?
    ) throws(ZMQError) -> BusRecord {
        let record = BusRecord(
            topic: topic, partition: partition, offset: offset, timestamp: timestamp,
            key: key, value: value, sequence: lastSequence &+ 1, epoch: epoch)
        try publish(record)
        return record
    }

    /// Sends `record` as it is (its own epoch and sequence) and sets ``lastSequence`` to its sequence.
    public func publish(_ record: BusRecord) throws(ZMQError) {
        if ContinuousClock.now - lastSubscriptionCheck >= .milliseconds(1) { applySubscriptions() }
        var topic = record.topic
        if let error = topic.withUTF8({ send(UnsafeRawBufferPointer($0), more: true) }) { throw error }
        let headerError = withUnsafeTemporaryAllocation(byteCount: BusRecord.headerSize, alignment: 8) { header in
            record.writeHeader(into: header)
            return send(UnsafeRawBufferPointer(header), more: true)
        }
        if let headerError { throw headerError }
        if let error = sendOptional(record.key, more: true) { throw error }
        if let error = sendOptional(record.value, more: !record.headers.isEmpty) { throw error }
        if !record.headers.isEmpty, let error = record.headersFrame.withUnsafeBytes({ send($0, more: false) }) { throw error }
        lastSequence = record.sequence
        lastEpoch = record.epoch
        publishesSinceEventCheck += 1
        if publishesSinceEventCheck >= 1024 { processEvents() }
    }

    /// Sends `records` as one pack (protocol version 3, ``BusRecordPack``): one message of three
    /// frames for all of them, instead of four or five frames each, if every subscriber reads
    /// packs (``everySubscriberReadsPacks``, decided after applying new subscriptions); one by one
    /// otherwise, or when there is only one record. They must share one topic and one epoch and
    /// carry their sequences already (consecutive, as ``publish(_:)`` expects them);
    /// ``lastSequence`` becomes the last one's. If sending fails one by one, the records before
    /// the failing one went out (``lastSequence`` is the last of them).
    /// - Returns: whether they went out as a pack.
    @discardableResult
    public func publish(packed records: ArraySlice<BusRecord>) throws(ZMQError) -> Bool {
        applySubscriptions()
        guard records.count > 1, subscriptions.everySubscriberReadsPacks else {
            for record in records { try publish(record) }
            return false
        }
        guard let first = records.first, let last = records.last else { return false }
        assert(records.allSatisfy { $0.topic == first.topic && $0.epoch == first.epoch }, "a pack holds one topic and epoch")
        packBuffer.removeAll(keepingCapacity: true)
        for record in records { BusRecordPack.append(record, to: &packBuffer) }
        var topic = first.topic
        if let error = topic.withUTF8({ send(UnsafeRawBufferPointer($0), more: true) }) { throw error }
        let headerError = withUnsafeTemporaryAllocation(byteCount: BusRecordPack.headerSize, alignment: 8) { header in
            BusRecordPack.writeHeader(epoch: first.epoch, count: records.count, into: header)
            return send(UnsafeRawBufferPointer(header), more: true)
        }
        if let headerError { throw headerError }
        if let error = packBuffer.withUnsafeBytes({ send($0, more: false) }) { throw error }
        // A large pack leaves a large buffer: keep at most 1 MiB for the next one.
        if packBuffer.capacity > 1 << 20 { packBuffer = [] }
        lastSequence = last.sequence
        lastEpoch = last.epoch
        publishesSinceEventCheck += records.count
        if publishesSinceEventCheck >= 1024 { processEvents() }
        return true
    }

    /// Moves to a new run id, so every subscriber resynchronises (a snapshot, then the live
    /// stream from it): what it built from this publisher no longer holds (ingestd: a partition
    /// restarted below what it published). Records published afterwards carry `newEpoch`; a
    /// heartbeat with it is sent at once (best effort: the next record or heartbeat says it too).
    public func startEpoch(_ newEpoch: UInt64) {
        epoch = newEpoch
        lastEpoch = newEpoch
        lastHeartbeat = ContinuousClock.now
        try? sendHeartbeat()
    }

    /// Sends a heartbeat now: the epoch of the last record sent (``epoch`` before any) and
    /// ``lastSequence``.
    public func sendHeartbeat() throws(ZMQError) {
        if let error = send(UnsafeRawBufferPointer(start: nil, count: 0), more: true) { throw error }
        let heartbeat = BusHeartbeat(epoch: lastEpoch, sequence: lastSequence)
        let error = withUnsafeTemporaryAllocation(byteCount: BusHeartbeat.payloadSize, alignment: 8) { payload in
            heartbeat.writePayload(into: payload)
            return send(UnsafeRawBufferPointer(payload), more: false)
        }
        if let error { throw error }
    }

    /// Sends a presence control message (`["", "PRESENCE", json]`, no sequence consumed).
    public func publishPresence(_ presence: BusPresence) throws(ZMQError) {
        if let error = send(UnsafeRawBufferPointer(start: nil, count: 0), more: true) { throw error }
        if let error = BusPresence.command.withUnsafeBytes({ send($0, more: true) }) { throw error }
        if let error = presence.json.withUnsafeBytes({ send($0, more: false) }) { throw error }
    }

    private func sendOptional(_ bytes: [UInt8]?, more: Bool) -> ZMQError? {
        guard let bytes else { return send(UnsafeRawBufferPointer(start: nil, count: 0), more: more) }
        return bytes.withUnsafeBytes { send($0, more: more) }
    }

    private func send(_ buffer: UnsafeRawBufferPointer, more: Bool) -> ZMQError? {
        do {
            // XPUB never refuses (it drops for slow subscribers), so the Bool can be ignored.
            _ = try socket.sendFrame(buffer, more: more, dontWait: true)
            return nil
        } catch {
            return error
        }
    }
}
