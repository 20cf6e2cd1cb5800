import Logging
import Synchronization
import ZeroMQ

/// The ZAP handler (ZeroMQ's authentication protocol, RFC 27) of a context: admits CURVE
/// clients whose public key is in an allow-list and refuses every other one (and every
/// non-CURVE peer of a CURVE socket). Counts refusals.
///
/// `init` binds `inproc://zeromq.zap.01`, so create it before the CURVE server sockets accept
/// anyone: handshakes wait for ``run()`` to answer them. ``run()`` serves on a dedicated thread
/// until ``stop()``.
public final class BusCurveAuthenticator: Sendable {
    private let socket: Mutex<ZMQSocket?>
    private let allowed: Set<[UInt8]>
    private let stopRequested = Atomic<Bool>(false)
    private let refusedCount = Atomic<Int>(0)
    private let onRefused: @Sendable () -> Void
    private let logger: Logger

    /// - Parameters:
    ///   - allowedClientKeys: Z85 public keys of the clients admitted.
    ///   - onRefused: called (on the handler's thread) for every refused handshake, e.g. to count it.
    /// - Throws: `ZMQError` when the handler endpoint cannot be bound (one per context).
    public init(context: ZMQContext, allowedClientKeys: [String], logger: Logger,
                onRefused: @escaping @Sendable () -> Void = {}) throws(ZMQError) {
        self.onRefused = onRefused
        let socket = try ZMQSocket(context: context, type: .rep)
        try socket.bind("inproc://zeromq.zap.01")
        self.socket = Mutex(socket)
        allowed = Set(allowedClientKeys.compactMap(ZMQCurve.decode))
        self.logger = logger
    }

    /// Handshakes refused so far.
    public var refused: Int { refusedCount.load(ordering: .relaxed) }

    /// Answers ZAP requests until ``stop()``.
    public func run() async {
        guard let socket = self.socket.withLock({ $0.take() }) else { return }
        await DedicatedThread.run(name: "bus-zap") { [self] in
            defer { socket.close() }
            var lastLogged: ContinuousClock.Instant?
            var held = 0
            while !stopRequested.load(ordering: .acquiring) {
                guard let request = try? socket.receiveMultipart(timeout: .milliseconds(100)) else { continue }
                let (frames, admitted) = reply(to: request)
                _ = try? socket.send(frames)
                guard !admitted else { continue }
                onRefused()
                // Logged at most every 5 s, with how many were held back.
                let now = ContinuousClock.now
                if let last = lastLogged, now - last < .seconds(5) {
                    held += 1
                    continue
                }
                let address = request.count > 3 ? String(decoding: request[3], as: UTF8.self) : "?"
                logger.warning("bus: refused a CURVE handshake from \(address): client key not allowed (\(held) more refused since the last message)")
                lastLogged = now
                held = 0
            }
        }
    }

    /// Asks ``run()`` to return (from any thread).
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
    }

    /// The reply frames (version, request id, status code, status text, user id, metadata) and
    /// whether the peer is admitted.
    private func reply(to request: [[UInt8]]) -> ([[UInt8]], Bool) {
        let requestID = request.count > 1 ? request[1] : []
        // version, request id, domain, address, identity, mechanism, credentials...
        let admitted = request.count >= 7 && request[0] == Array("1.0".utf8)
            && request[5] == Array("CURVE".utf8) && allowed.contains(request[6])
        if !admitted { refusedCount.add(1, ordering: .relaxed) }
        return ([Array("1.0".utf8), requestID, Array((admitted ? "200" : "400").utf8),
                 Array((admitted ? "OK" : "client key not allowed").utf8), [], []], admitted)
    }
}
