extension SocketIOServer {
    /// Settings of a ``SocketIOServer``.
    public struct Configuration: Sendable {
        /// Connection state recovery; nil (the default) turns it off.
        public var connectionStateRecovery: SocketIOConnectionStateRecovery?
        /// Bounds on binary attachments and JSON nesting of incoming packets.
        public var decoderLimits: SocketIOPacketDecoder.Limits
        /// How long a protocol v5 client may stay connected without joining any namespace before
        /// its connection is closed (checked while the server runs as a `Service`).
        public var connectTimeout: Duration
        /// How often the running server checks connect timeouts and expires recovery state.
        public var maintenanceInterval: Duration

        /// Creates a configuration; recovery is off by default.
        public init(
            connectionStateRecovery: SocketIOConnectionStateRecovery? = nil,
            decoderLimits: SocketIOPacketDecoder.Limits = .init(),
            connectTimeout: Duration = .seconds(45),
            maintenanceInterval: Duration = .seconds(1)
        ) {
            self.connectionStateRecovery = connectionStateRecovery
            self.decoderLimits = decoderLimits
            self.connectTimeout = connectTimeout
            self.maintenanceInterval = maintenanceInterval
        }
    }
}
