import Bus
import ZeroMQ

extension Setting {
    /// A bus subscriber's settings (realtimed and exportd): ingestd's CURVE public key, this
    /// subscriber's own CURVE secret key, the largest message accepted. Check the whole with
    /// ``validateBusSubscriber(_:)``.
    public static func busSubscriber(_ keyPath: WritableKeyPath<Configuration, BusSocketSecurity>) -> [Setting] {
        [
            Setting("BUS_CURVE_SERVER_KEY",
                    "ingestd's CURVE public key (Z85); set, the bus sockets use CURVE ([security.md](security.md#the-bus-ingestds-publisher-and-snapshot-sockets))",
                    render: { $0[keyPath: keyPath].curveServerPublicKey },
                    parse: { configuration, text, setting throws(ConfigurationError) in
                        guard ZMQCurve.isAvailable else { throw ConfigurationError(setting, "this libzmq was built without CURVE") }
                        guard ZMQCurve.isKey(text) else { throw ConfigurationError(setting, "is not a 40-character Z85 key") }
                        configuration[keyPath: keyPath].curveServerPublicKey = text
                    }),
            Setting("BUS_CURVE_CLIENT_SECRET_KEY", default: "unset: a fresh key per socket",
                    "this subscriber's own CURVE secret key, for an ingestd that admits listed client keys only",
                    render: { _ in nil },
                    parse: { configuration, text, setting throws(ConfigurationError) in
                        guard ZMQCurve.publicKey(secretKey: text) != nil else {
                            throw ConfigurationError(setting, "is not a 40-character Z85 key")
                        }
                        configuration[keyPath: keyPath].curveClientSecretKey = text
                    }),
            Setting("BUS_SUBSCRIBER_MAX_MESSAGE_BYTES", "largest bus message accepted (at least 1024)",
                    render: { String($0[keyPath: keyPath].maximumMessageBytes) },
                    parse: { configuration, text, setting throws(ConfigurationError) in
                        guard let bytes = Int64(text), bytes >= 1024 else {
                            throw ConfigurationError(setting, "'\(text)' is not a byte count of at least 1024")
                        }
                        configuration[keyPath: keyPath].maximumMessageBytes = bytes
                    }),
        ]
    }
}

extension BusSocketSecurity {
    /// Checks a subscriber's settings together: its own secret key needs ingestd's public key.
    public func validateBusSubscriber() throws(ConfigurationError) {
        if curveClientSecretKey != nil && curveServerPublicKey == nil {
            throw ConfigurationError("BUS_CURVE_CLIENT_SECRET_KEY", "needs BUS_CURVE_SERVER_KEY")
        }
    }
}
