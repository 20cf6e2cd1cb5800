import CZeroMQ

extension ZMQSocket {
    // MARK: Raw option access (thin wrappers)

    /// Sets an `int` socket option.
    public func setOption(_ option: Int32, _ value: Int32, name: String) throws(ZMQError) {
        let handle = try openHandle("set \(name)")
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError.last("set \(name) \(value)")
        }
    }

    /// Sets a binary socket option.
    public func setOption(_ option: Int32, bytes: [UInt8], name: String) throws(ZMQError) {
        let handle = try openHandle("set \(name)")
        let result = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard result == 0 else { throw ZMQError.last("set \(name)") }
    }

    /// Sets an `int64_t` socket option.
    public func setOption(_ option: Int32, int64 value: Int64, name: String) throws(ZMQError) {
        let handle = try openHandle("set \(name)")
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError.last("set \(name) \(value)")
        }
    }

    /// Reads an `int` socket option.
    public func int32Option(_ option: Int32, name: String) throws(ZMQError) -> Int32 {
        let handle = try openHandle("get \(name)")
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, option, &value, &size) == 0 else { throw ZMQError.last("get \(name)") }
        return value
    }

    // MARK: Named options

    /// `ZMQ_LINGER`: how long pending messages are kept after close (0 = drop at once, -1 = forever).
    public func setLinger(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_LINGER, milliseconds, name: "ZMQ_LINGER")
    }

    /// `ZMQ_SNDHWM`: the most messages queued per peer before sending blocks or drops (PUB drops).
    /// 0 means no limit.
    public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, messages, name: "ZMQ_SNDHWM")
    }

    /// `ZMQ_RCVHWM`: the most messages queued per peer on the receiving side. 0 means no limit.
    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_RCVHWM, messages, name: "ZMQ_RCVHWM")
    }

    /// `ZMQ_SUBSCRIBE` (SUB/XSUB): receive messages whose first frame starts with `prefix`.
    /// An empty prefix subscribes to everything.
    public func subscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setOption(ZMQ_SUBSCRIBE, bytes: prefix, name: "ZMQ_SUBSCRIBE")
    }

    /// `ZMQ_SUBSCRIBE` with the UTF-8 bytes of `prefix`.
    public func subscribe(_ prefix: String) throws(ZMQError) { try subscribe(Array(prefix.utf8)) }

    /// `ZMQ_UNSUBSCRIBE`: removes one earlier ``subscribe(_:)-([UInt8])`` of the same prefix.
    public func unsubscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setOption(ZMQ_UNSUBSCRIBE, bytes: prefix, name: "ZMQ_UNSUBSCRIBE")
    }

    /// `ZMQ_UNSUBSCRIBE` with the UTF-8 bytes of `prefix`.
    public func unsubscribe(_ prefix: String) throws(ZMQError) { try unsubscribe(Array(prefix.utf8)) }

    /// `ZMQ_XPUB_VERBOSER` (XPUB): pass every subscription and unsubscription up to the
    /// application (``receiveMultipart(dontWait:)``), duplicates and those of subscribers that
    /// left included, not only the first and last of each prefix.
    public func setXPubVerboser(_ enabled: Bool) throws(ZMQError) {
        try setOption(ZMQ_XPUB_VERBOSER, enabled ? 1 : 0, name: "ZMQ_XPUB_VERBOSER")
    }

    /// `ZMQ_ROUTING_ID`: the identity this socket presents to a ROUTER peer (1...255 bytes, must
    /// not start with a zero byte). Set before connecting.
    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) {
        try setOption(ZMQ_ROUTING_ID, bytes: id, name: "ZMQ_ROUTING_ID")
    }

    /// `ZMQ_ROUTER_MANDATORY` (ROUTER): fail with `EHOSTUNREACH` for unknown peers and with
    /// `EAGAIN` when a peer's queue is full, instead of silently dropping.
    public func setRouterMandatory(_ enabled: Bool) throws(ZMQError) {
        try setOption(ZMQ_ROUTER_MANDATORY, enabled ? 1 : 0, name: "ZMQ_ROUTER_MANDATORY")
    }

    /// `ZMQ_MAXMSGSIZE`: the largest message accepted from a peer; a peer sending a larger one is
    /// disconnected. -1 means no limit. Set before binding or connecting.
    public func setMaximumMessageSize(_ bytes: Int64) throws(ZMQError) {
        try setOption(ZMQ_MAXMSGSIZE, int64: bytes, name: "ZMQ_MAXMSGSIZE")
    }

    /// Makes this socket a CURVE server with `secretKey` (Z85): peers must be CURVE clients that
    /// know its public key (and pass the context's ZAP handler, when one is bound). Set before
    /// binding.
    public func setCurveServer(secretKey: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVER, 1, name: "ZMQ_CURVE_SERVER")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(secretKey.utf8), name: "ZMQ_CURVE_SECRETKEY")
    }

    /// Makes this socket a CURVE client of the server with public key `serverKey`, presenting
    /// the key pair `publicKey`/`secretKey` (all Z85). Set before connecting.
    public func setCurveClient(serverKey: String, publicKey: String, secretKey: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: Array(serverKey.utf8), name: "ZMQ_CURVE_SERVERKEY")
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(publicKey.utf8), name: "ZMQ_CURVE_PUBLICKEY")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(secretKey.utf8), name: "ZMQ_CURVE_SECRETKEY")
    }

    /// `ZMQ_IMMEDIATE`: queue messages only to completed connections.
    public func setImmediate(_ enabled: Bool) throws(ZMQError) {
        try setOption(ZMQ_IMMEDIATE, enabled ? 1 : 0, name: "ZMQ_IMMEDIATE")
    }

    /// `ZMQ_LAST_ENDPOINT`: the endpoint of the last bind or connect, with the real port of a
    /// wildcard bind such as `tcp://127.0.0.1:*` (e.g. `tcp://127.0.0.1:40123`).
    public func lastEndpoint() throws(ZMQError) -> String {
        let handle = try openHandle("get ZMQ_LAST_ENDPOINT")
        var buffer = [UInt8](repeating: 0, count: 1024)
        var size = buffer.count
        let result = buffer.withUnsafeMutableBytes { zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, $0.baseAddress, &size) }
        guard result == 0 else { throw ZMQError.last("get ZMQ_LAST_ENDPOINT") }
        // The value is NUL-terminated; `size` includes the terminator.
        let length = buffer.firstIndex(of: 0) ?? min(size, buffer.count)
        return String(decoding: buffer[..<length], as: UTF8.self)
    }
}
