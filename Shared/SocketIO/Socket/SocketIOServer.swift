import Logging
import ServiceLifecycle
import Synchronization

/// A Socket.IO server (protocols v5 and v4) on top of an Engine.IO server: set it as the
/// engine's ``EngineConnectionDelegate``.
///
/// ```swift
/// let io = SocketIOServer()
/// io.main.onConnection { socket in
///     socket.on("hello") { args, ack in ack?("world") }
/// }
/// io.emit("tick", 1)
/// ```
///
/// Namespaces are registered up front with ``of(_:)``; others can be accepted on demand with
/// ``acceptDynamicNamespaces(where:configure:)``; any other gets `CONNECT_ERROR` "Invalid namespace".
///
/// Run the server as a `Service` (in the same `ServiceGroup` as the engine) for its periodic
/// maintenance: connect timeouts and expiry of connection state recovery data.
public final class SocketIOServer: EngineConnectionDelegate, Service {
    /// The server's settings.
    public let configuration: Configuration
    let logger: Logger

    struct DynamicNamespacePolicy {
        var accepts: @Sendable (String, SocketIOHandshake) -> Bool
        var configure: @Sendable (SocketIONamespace) -> Void
    }

    private let namespaces: Mutex<[String: SocketIONamespace]>
    private let dynamicPolicy = Mutex<DynamicNamespacePolicy?>(nil)
    private let clients = Mutex<[ObjectIdentifier: SocketIOClient]>([:])

    /// Creates a server with the main namespace `/` registered.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "socket.io")) {
        self.configuration = configuration
        self.logger = logger
        self.namespaces = Mutex(["/": SocketIONamespace(name: "/", recovery: configuration.connectionStateRecovery)])
    }

    /// The main namespace `/`.
    public var main: SocketIONamespace { of("/") }

    /// The namespace `name` (a leading `/` is added if missing), registered if it is new.
    public func of(_ name: String) -> SocketIONamespace {
        let name = name.hasPrefix("/") ? name : "/" + name
        return namespaces.withLock { namespaces in
            if let existing = namespaces[name] { return existing }
            let namespace = SocketIONamespace(name: name, recovery: configuration.connectionStateRecovery)
            namespaces[name] = namespace
            return namespace
        }
    }

    /// The registered namespace `name`, if any.
    public func existingNamespace(_ name: String) -> SocketIONamespace? {
        namespaces.withLock { $0[name] }
    }

    /// Accepts connections to unregistered namespaces for which `policy` returns true; each new
    /// namespace is passed to `configure` (to add middlewares and handlers) before its first
    /// socket joins.
    public func acceptDynamicNamespaces(
        where policy: @escaping @Sendable (_ name: String, _ handshake: SocketIOHandshake) -> Bool,
        configure: @escaping @Sendable (SocketIONamespace) -> Void
    ) {
        dynamicPolicy.withLock { $0 = DynamicNamespacePolicy(accepts: policy, configure: configure) }
    }

    /// The number of open Engine.IO connections.
    public var connectionCount: Int { clients.withLock { $0.count } }

    // MARK: Broadcasting on the main namespace

    /// Sends an event to every socket of the main namespace.
    @discardableResult
    public func emit(_ event: String, _ arguments: JSONValue...) -> Int {
        main.emit(event, arguments)
    }

    /// Sends an event to every socket of the main namespace.
    @discardableResult
    public func emit(_ event: String, _ arguments: [JSONValue]) -> Int {
        main.emit(event, arguments)
    }

    /// Sends several events, encoded into one ``SharedEngineMessages``, to every socket of the
    /// main namespace.
    @discardableResult
    public func emit(batch events: [SocketIOEvent]) -> Int {
        main.emit(batch: events)
    }

    /// Targets the sockets of the main namespace in any of `rooms`.
    public func to(_ rooms: String...) -> SocketIOBroadcastOperator {
        main.to(rooms)
    }

    /// Targets every socket of the main namespace (narrow with `to`/`except`).
    public var broadcast: SocketIOBroadcastOperator {
        main.to([String]())
    }

    // MARK: EngineConnectionDelegate

    /// Creates the client state; protocol v4 clients join `/` at once.
    public func engineConnectionOpened(_ connection: any EngineConnection) {
        let client = SocketIOClient(connection: connection, server: self)
        clients.withLock { $0[ObjectIdentifier(connection)] = client }
        if client.version == .v4 {
            // Protocol v4: the main namespace is joined without a CONNECT from the client.
            client.connect(namespace: "/", auth: nil, query: [:])
        }
    }

    /// Decodes the message and handles the packet once complete.
    public func engineConnection(_ connection: any EngineConnection, received message: EngineMessage) {
        guard let client = clients.withLock({ $0[ObjectIdentifier(connection)] }) else { return }
        client.receive(message)
    }

    /// Disconnects the connection's sockets with the matching reason.
    public func engineConnectionClosed(_ connection: any EngineConnection, reason: EngineCloseReason) {
        guard let client = clients.withLock({ $0.removeValue(forKey: ObjectIdentifier(connection)) }) else { return }
        client.close(reason: SocketIODisconnectReason(reason))
    }

    // MARK: Service

    /// Runs periodic maintenance until graceful shutdown or cancellation.
    public func run() async throws {
        let interval = configuration.maintenanceInterval
        try? await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                performMaintenance(now: .now)
            }
        }
    }

    /// Closes connections past their connect timeout and drops expired recovery state, as of
    /// `now`. ``run()`` calls this every `maintenanceInterval`.
    public func performMaintenance(now: ContinuousClock.Instant = .now) {
        let clients = clients.withLock { Array($0.values) }
        for client in clients where client.version == .v5 {
            _ = client.checkConnectTimeout(configuration.connectTimeout, now: now)
        }
        if configuration.connectionStateRecovery != nil {
            let namespaces = namespaces.withLock { Array($0.values) }
            for namespace in namespaces { namespace.performMaintenance(now: now) }
        }
    }

    // MARK: Internals

    func namespace(forConnecting name: String, handshake: SocketIOHandshake) -> SocketIONamespace? {
        if let existing = existingNamespace(name) { return existing }
        guard let policy = dynamicPolicy.withLock({ $0 }), name.hasPrefix("/"), policy.accepts(name, handshake) else {
            return nil
        }
        // Configure before publishing, so no socket joins a half-configured namespace.
        let candidate = SocketIONamespace(name: name, recovery: configuration.connectionStateRecovery)
        policy.configure(candidate)
        let namespace = namespaces.withLock { namespaces -> SocketIONamespace in
            if let existing = namespaces[name] { return existing }
            namespaces[name] = candidate
            return candidate
        }
        return namespace
    }
}
