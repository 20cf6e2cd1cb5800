import ZeroMQ

/// A blocking client of the snapshot server: a DEALER socket that sends one request at a time
/// and collects its reply until END or ERROR.
///
/// Blocks its thread while waiting: use it on a dedicated thread, or through the async
/// ``request(_:endpoint:context:idleTimeout:)``, which does that for you. Like every socket owner,
/// an instance is used by one thread at a time.
public final class BusSnapshotClient: @unchecked Sendable {
    private let endpoint: String
    private let context: ZMQContext
    private let security: BusSocketSecurity
    private var socket: ZMQSocket

    /// Connects a DEALER socket to the snapshot server at `endpoint` (e.g. `tcp://127.0.0.1:5557`).
    public init(endpoint: String, context: ZMQContext,
                security: BusSocketSecurity = .subscriberDefault) throws(ZMQError) {
        self.endpoint = endpoint
        self.context = context
        self.security = security
        socket = try Self.makeSocket(endpoint: endpoint, context: context, security: security)
    }

    /// Reply messages buffered by the client's socket before the server waits.
    static let receiveHighWaterMark: Int32 = 1000

    static func makeSocket(endpoint: String, context: ZMQContext, security: BusSocketSecurity) throws(ZMQError) -> ZMQSocket {
        let socket = try ZMQSocket(context: context, type: .dealer)
        // Bounded: a client that applies a long reply slowly holds the server back (its ROUTER
        // waits) instead of buffering the whole reply here.
        try socket.setReceiveHighWaterMark(receiveHighWaterMark)
        try security.applyAsClient(socket)
        try socket.connect(endpoint)
        return socket
    }

    /// Closes the socket.
    public func close() { socket.close() }

    /// Sends `request` and blocks until its END (returned) or ERROR (thrown as
    /// ``BusClientError/server(_:)``). `idleTimeout` bounds the wait for each reply message, so
    /// long replays work as long as records keep coming. After a failure the socket is replaced,
    /// so late replies of the failed request never mix into the next one.
    public func request(_ request: BusRequest, idleTimeout: Duration = .seconds(10)) throws(BusClientError) -> BusSnapshot {
        var records: [BusRecord] = []
        var gaps: [BusReplayGap] = []
        do {
            let end = try stream(request, idleTimeout: idleTimeout, batchSize: 1000, onGap: { gaps.append($0) }) { records += $0 }
            return BusSnapshot(records: records, end: end, gaps: gaps)
        } catch let error as BusClientError {
            throw error
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    /// Sends `request` and hands its records to `onBatch` as they arrive, in batches of at most
    /// `batchSize`, so a reply of any length is held in bounded memory; returns the END marker.
    /// A GAP goes to `onGap` in its place in the reply: the records before it were handed over
    /// first. Throws ``BusClientError`` for the reply's failures and whatever the callbacks throw
    /// (which abandons the reply). After a failure the socket is replaced, so late replies of the
    /// failed request never mix into the next one.
    public func stream(_ request: BusRequest, idleTimeout: Duration = .seconds(10), batchSize: Int,
                       onGap: (BusReplayGap) throws -> Void = { _ in },
                       onBatch: ([BusRecord]) throws -> Void) throws -> BusEndMarker {
        do {
            return try exchange(request, idleTimeout: idleTimeout, batchSize: max(1, batchSize), onGap: onGap, onBatch: onBatch)
        } catch {
            socket.close()
            if let fresh = try? Self.makeSocket(endpoint: endpoint, context: context, security: security) { socket = fresh }
            throw error
        }
    }

    private func exchange(_ request: BusRequest, idleTimeout: Duration, batchSize: Int,
                          onGap: (BusReplayGap) throws -> Void,
                          onBatch: ([BusRecord]) throws -> Void) throws -> BusEndMarker {
        do {
            guard try socket.send(request.frames, dontWait: false) else {
                throw BusClientError.timedOut(request, after: idleTimeout)
            }
        } catch let error as ZMQError {
            throw BusClientError.transport(error)
        }
        var records: [BusRecord] = []
        records.reserveCapacity(min(batchSize, 1000))
        while true {
            let frames: [[UInt8]]
            do {
                guard let received = try socket.receiveMultipart(timeout: idleTimeout) else {
                    throw BusClientError.timedOut(request, after: idleTimeout)
                }
                frames = received
            } catch let error as ZMQError {
                throw BusClientError.transport(error)
            }
            let reply: BusReply
            do {
                reply = try BusReply(frames: frames)
            } catch {
                throw BusClientError.protocolViolation(error)
            }
            switch reply {
            case let .record(record):
                records.append(record)
                if records.count >= batchSize {
                    try onBatch(records)
                    records.removeAll(keepingCapacity: true)
                }
            case let .gap(gap):
                if !records.isEmpty {
                    try onBatch(records)
                    records.removeAll(keepingCapacity: true)
                }
                try onGap(gap)
            case let .end(marker):
                if !records.isEmpty { try onBatch(records) }
                return marker
            case let .error(error):
                throw BusClientError.server(error)
            }
        }
    }

    /// Makes one request on a fresh connection, waiting on a dedicated thread (never on the
    /// Swift concurrency pool), and returns the reply.
    public static func request(
        _ request: BusRequest, endpoint: String, context: ZMQContext, idleTimeout: Duration = .seconds(10),
        security: BusSocketSecurity = .subscriberDefault
    ) async throws -> BusSnapshot {
        try await DedicatedThread.run(name: "bus-snapshot-client") {
            let client = try connect(endpoint: endpoint, context: context, security: security)
            defer { client.close() }
            return try client.request(request, idleTimeout: idleTimeout)
        }
    }

    /// A client on a fresh connection, its socket failures as ``BusClientError/transport(_:)``.
    static func connect(endpoint: String, context: ZMQContext, security: BusSocketSecurity) throws(BusClientError) -> BusSnapshotClient {
        do {
            return try BusSnapshotClient(endpoint: endpoint, context: context, security: security)
        } catch {
            throw .transport(error)
        }
    }
}
