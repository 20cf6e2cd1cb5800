import ZeroMQ

/// How bus sockets protect themselves: a maximum message size and, optionally, ZeroMQ CURVE
/// (encryption and authentication). The publisher side (ingestd's PUB and ROUTER sockets) is the
/// CURVE server; subscribers and snapshot clients are CURVE clients that must know the server's
/// public key. Which client keys the server admits is decided by a ``BusCurveAuthenticator``.
public struct BusSocketSecurity: Sendable, Hashable {
    /// The largest message a socket accepts from a peer (`ZMQ_MAXMSGSIZE`); a peer sending a
    /// larger one is disconnected. -1: no limit.
    public var maximumMessageBytes: Int64
    /// Server side: the server's secret key (Z85). Set: bound sockets are CURVE servers.
    public var curveServerSecretKey: String?
    /// Client side: the server's public key (Z85). Set: connecting sockets are CURVE clients.
    public var curveServerPublicKey: String?
    /// Client side: this client's secret key (Z85), whose public key the server may require;
    /// nil: a fresh key pair per socket (enough when the server admits any client that knows
    /// its public key).
    public var curveClientSecretKey: String?

    public init(maximumMessageBytes: Int64 = -1, curveServerSecretKey: String? = nil,
                curveServerPublicKey: String? = nil, curveClientSecretKey: String? = nil) {
        self.maximumMessageBytes = maximumMessageBytes
        self.curveServerSecretKey = curveServerSecretKey
        self.curveServerPublicKey = curveServerPublicKey
        self.curveClientSecretKey = curveClientSecretKey
    }

    /// What a subscriber accepts by default: 64 MiB (a record of 16 MiB of JSON, with room).
    public static let subscriberDefault = BusSocketSecurity(maximumMessageBytes: 64 << 20)

    /// Applies the settings to a socket that will bind (call before `bind`).
    public func applyAsServer(_ socket: ZMQSocket) throws(ZMQError) {
        try socket.setMaximumMessageSize(maximumMessageBytes)
        if let curveServerSecretKey { try socket.setCurveServer(secretKey: curveServerSecretKey) }
    }

    /// Applies the settings to a socket that will connect (call before `connect`).
    public func applyAsClient(_ socket: ZMQSocket) throws(ZMQError) {
        try socket.setMaximumMessageSize(maximumMessageBytes)
        guard let curveServerPublicKey else { return }
        let publicKey: String
        let secretKey: String
        if let curveClientSecretKey, let derived = ZMQCurve.publicKey(secretKey: curveClientSecretKey) {
            (publicKey, secretKey) = (derived, curveClientSecretKey)
        } else {
            (publicKey, secretKey) = try ZMQCurve.keyPair()
        }
        try socket.setCurveClient(serverKey: curveServerPublicKey, publicKey: publicKey, secretKey: secretKey)
    }
}
