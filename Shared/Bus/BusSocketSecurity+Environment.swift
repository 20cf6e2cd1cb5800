import Foundation
import ZeroMQ

extension BusSocketSecurity {
    /// A subscriber's bus security from its environment (realtimed and exportd), so wiring it is
    /// one line: `security: try BusSocketSecurity(subscriberEnvironment: environment)`.
    ///
    /// - `BUS_CURVE_SERVER_KEY`: ingestd's CURVE public key (Z85); set, both sockets use CURVE.
    /// - `BUS_CURVE_CLIENT_SECRET_KEY`: this subscriber's secret key (Z85), for an ingestd that
    ///   admits listed client keys only (`BUS_CURVE_CLIENT_KEYS`); unset, a fresh key per socket.
    /// - `BUS_SUBSCRIBER_MAX_MESSAGE_BYTES`: the largest message accepted (default 64 MiB).
    public init(subscriberEnvironment environment: [String: String]) throws(BusSecuritySettingError) {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        self = .subscriberDefault
        if let text = value("BUS_SUBSCRIBER_MAX_MESSAGE_BYTES") {
            guard let bytes = Int64(text), bytes >= 1024 else {
                throw BusSecuritySettingError("BUS_SUBSCRIBER_MAX_MESSAGE_BYTES", "'\(text)' is not a byte count of at least 1024")
            }
            maximumMessageBytes = bytes
        }
        if let key = value("BUS_CURVE_SERVER_KEY") {
            guard ZMQCurve.isAvailable else { throw BusSecuritySettingError("BUS_CURVE_SERVER_KEY", "this libzmq was built without CURVE") }
            guard ZMQCurve.isKey(key) else { throw BusSecuritySettingError("BUS_CURVE_SERVER_KEY", "is not a 40-character Z85 key") }
            curveServerPublicKey = key
        }
        if let key = value("BUS_CURVE_CLIENT_SECRET_KEY") {
            guard curveServerPublicKey != nil else {
                throw BusSecuritySettingError("BUS_CURVE_CLIENT_SECRET_KEY", "needs BUS_CURVE_SERVER_KEY")
            }
            guard ZMQCurve.publicKey(secretKey: key) != nil else {
                throw BusSecuritySettingError("BUS_CURVE_CLIENT_SECRET_KEY", "is not a 40-character Z85 key")
            }
            curveClientSecretKey = key
        }
    }
}
