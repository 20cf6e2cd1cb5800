/// The open sessions of an endpoint by id, counted in all and per remote IP address to refuse
/// handshakes past `maxSessions` and `maxSessionsPerAddress`.
struct EngineSessionTable: Sendable {
    private(set) var byID: [String: EngineSession] = [:]
    private var perAddress: [String: Int] = [:]

    var total: Int { byID.count }

    subscript(id: String) -> EngineSession? { byID[id] }

    /// The IP address of a `host:port` remote address (IPv6 too: up to the last colon).
    static func address(of remoteAddress: String?) -> String? {
        guard let remoteAddress else { return nil }
        guard let colon = remoteAddress.lastIndex(of: ":") else { return remoteAddress }
        return String(remoteAddress[..<colon])
    }

    /// Whether one more session from `address` fits.
    func admits(_ address: String?, configuration: EngineIOConfiguration) -> Bool {
        guard total < configuration.maxSessions else { return false }
        guard let address else { return true }
        return perAddress[address, default: 0] < configuration.maxSessionsPerAddress
    }

    /// Adds a session if it fits; false when a cap is reached.
    mutating func add(_ session: EngineSession, configuration: EngineIOConfiguration) -> Bool {
        let address = Self.address(of: session.request.remoteAddress)
        guard admits(address, configuration: configuration) else { return false }
        byID[session.id] = session
        if let address { perAddress[address, default: 0] += 1 }
        return true
    }

    /// Removes this session (not another one with the same id).
    mutating func remove(_ session: EngineSession) {
        guard byID[session.id] === session else { return }
        byID[session.id] = nil
        guard let address = Self.address(of: session.request.remoteAddress) else { return }
        let left = perAddress[address, default: 1] - 1
        perAddress[address] = left > 0 ? left : nil
    }

    mutating func removeAll() {
        byID = [:]
        perAddress = [:]
    }
}
