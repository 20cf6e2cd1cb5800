extension SocketIOServer {
    /// Settings of a ``SocketIOServer``.
    public struct Configuration: Sendable {
        /// Connection state recovery; nil (the default) turns it off.
        public var connectionStateRecovery: SocketIOConnectionStateRecovery?
        /// Bounds on binary attachments and JSON nesting of incoming packets.
        public var decoderLimits: SocketIOPacketDecoder.Limits

        public init(
            connectionStateRecovery: SocketIOConnectionStateRecovery? = nil,
            decoderLimits: SocketIOPacketDecoder.Limits = .init()
        ) {
            self.connectionStateRecovery = connectionStateRecovery
            self.decoderLimits = decoderLimits
        }
    }
}
