/// A family of Socket.IO events, each reproducing one of the systems realtimed replaces.
public enum APIFamily: String, Sendable, Hashable, CaseIterable {
    /// The solar gateway (`sensor_values_cache`, `sensor_values`, `connected_clients`).
    case solar
    /// The Price Wars reverse proxy (one event per topic, history on connect).
    case pricewars
}
