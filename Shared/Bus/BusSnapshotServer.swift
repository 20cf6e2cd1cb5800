import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// The snapshot/replay side channel of the bus: a ROUTER socket answering `SNAPSHOT` and `REPLAY`
/// requests (see `docs/bus-protocol.md`).
///
/// The ROUTER socket lives on a dedicated thread that never runs Swift concurrency work. Each
/// decoded request becomes a child task of ``run()`` that calls the handler with a
/// ``BusReplyWriter``; handlers run concurrently, so a slow one (a replay reading Kafka) does not
/// stall other clients. Replies are queued by the writer and sent by the socket thread, which is
/// woken through an eventfd. Malformed requests are answered with `ERROR` by the socket thread
/// itself. A handler that returns without finishing gets an `ERROR` sent for it; one that throws
/// gets an `ERROR` carrying the error's description.
///
/// Requests from one client are not ordered against each other: a client sends one request at a
/// time and waits for its END or ERROR.
public final class BusSnapshotServer: Service, Sendable {
    /// Answers one request through its writer.
    public typealias Handler = @Sendable (_ request: BusRequest, _ reply: BusReplyWriter) async throws -> Void

    /// The default snapshot endpoint.
    public static let defaultEndpoint = "tcp://*:5557"

    /// The endpoint actually bound (wildcard ports resolved).
    public let boundEndpoint: String

    private let socket: Mutex<ZMQSocket?>
    private let outbox: BusReplyOutbox
    private let counters = BusSnapshotServerCounters()
    private let handler: Handler
    private let maxQueuedReplies: Int
    private let logger: Logger

    /// Binds the ROUTER socket (so bind errors surface here); ``run()`` then serves requests.
    /// - Parameters:
    ///   - endpoint: default `tcp://*:5557`; `tcp://127.0.0.1:*` picks a free port.
    ///   - maxQueuedReplies: messages queued per request before the handler's writes suspend.
    ///   - security: maximum request size (a larger one disconnects its peer) and CURVE server key.
    ///   - handler: produces each reply; called concurrently for concurrent requests.
    public init(
        endpoint: String = BusSnapshotServer.defaultEndpoint, context: ZMQContext,
        maxQueuedReplies: Int = 10_000, security: BusSocketSecurity = BusSocketSecurity(),
        logger: Logger = Logger(label: "bus.snapshot-server"), handler: @escaping Handler
    ) throws(ZMQError) {
        let socket = try ZMQSocket(context: context, type: .router)
        try socket.setRouterMandatory(true)
        try security.applyAsServer(socket)
        try socket.bind(endpoint)
        boundEndpoint = try socket.lastEndpoint()
        self.socket = Mutex(socket)
        outbox = try BusReplyOutbox()
        self.handler = handler
        self.maxQueuedReplies = maxQueuedReplies
        self.logger = logger
    }

    /// Valid requests received so far.
    public var requestsReceived: Int { counters.received.load(ordering: .relaxed) }
    /// Replies completed (END or ERROR handed to the socket), including ERRORs for malformed requests.
    public var requestsServed: Int { counters.served.load(ordering: .relaxed) }
    /// Malformed requests answered with ERROR.
    public var malformedRequests: Int { counters.malformed.load(ordering: .relaxed) }

    /// Serves requests until graceful shutdown or cancellation. Can run once.
    public func run() async throws {
        guard let socket = self.socket.withLock({ $0.take() }) else {
            throw BusSnapshotServerError.alreadyRan
        }
        let (requests, requestsContinuation) = AsyncStream.makeStream(of: BusSnapshotServerLoop.IncomingRequest.self)
        let loop = BusSnapshotServerLoop(
            socket: socket, outbox: outbox, requests: requestsContinuation, counters: counters,
            maxQueuedReplies: maxQueuedReplies, logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await DedicatedThread.run(name: "bus-snapshot-server") { loop.run() } }
            await withGracefulShutdownHandler {
                await withTaskCancellationHandler {
                    for await incoming in requests {
                        group.addTask { await self.serve(incoming) }
                    }
                } onCancel: {
                    loop.stop()
                }
            } onGracefulShutdown: {
                loop.stop()
            }
            // The loop stopped (or this task was cancelled): make sure the thread ends, and tell
            // handlers still running to give up.
            loop.stop()
            group.cancelAll()
        }
    }

    private func serve(_ incoming: BusSnapshotServerLoop.IncomingRequest) async {
        let writer = incoming.writer
        do {
            try await handler(incoming.request, writer)
            if !writer.isFinished {
                try await writer.fail(.internal, "internal error: the request handler sent no END")
            }
        } catch let error as BusReplyWriterError {
            logger.debug("bus reply abandoned", metadata: ["error": "\(error)"])
        } catch {
            logger.warning("bus request failed", metadata: ["request": "\(incoming.request)", "error": "\(error)"])
            if !writer.isFinished {
                try? await writer.fail((error as? BusServerError) ?? BusServerError(.internal, "\(error)"))
            }
        }
    }
}
