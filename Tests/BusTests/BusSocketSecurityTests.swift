import Bus
import Foundation
import ServiceSupport
import Testing
import ZeroMQ

extension BusSocketSecurity {
    /// A subscriber's security from `environment`, read by the services' bus settings.
    init(subscriberEnvironment environment: [String: String]) throws(ConfigurationError) {
        self = .subscriberDefault
        try SettingTable<BusSocketSecurity>(Setting.busSubscriber(\.self)).apply(environment: environment, to: &self)
        try validateBusSubscriber()
    }
}

/// Issue 11: a BusSubscriber configured for CURVE (from its environment) joins a CURVE bus whose
/// ZAP handler admits its key; one with another key never gets a snapshot.
@Suite("Bus socket security")
struct BusSocketSecurityTests {
    @Test func subscriberEnvironmentIsReadAndChecked() throws {
        let defaults = try BusSocketSecurity(subscriberEnvironment: [:])
        #expect(defaults == .subscriberDefault)
        let server = try ZMQCurve.keyPair()
        let client = try ZMQCurve.keyPair()
        let set = try BusSocketSecurity(subscriberEnvironment: [
            "BUS_CURVE_SERVER_KEY": server.publicKey, "BUS_CURVE_CLIENT_SECRET_KEY": client.secretKey,
            "BUS_SUBSCRIBER_MAX_MESSAGE_BYTES": "2048"])
        #expect(set.curveServerPublicKey == server.publicKey && set.curveClientSecretKey == client.secretKey)
        #expect(set.maximumMessageBytes == 2048)
        for (environment, setting) in [
            (["BUS_CURVE_SERVER_KEY": "short"], "BUS_CURVE_SERVER_KEY"),
            (["BUS_CURVE_CLIENT_SECRET_KEY": client.secretKey], "BUS_CURVE_CLIENT_SECRET_KEY"),
            (["BUS_SUBSCRIBER_MAX_MESSAGE_BYTES": "12"], "BUS_SUBSCRIBER_MAX_MESSAGE_BYTES"),
        ] {
            let error = #expect(throws: ConfigurationError.self) { try BusSocketSecurity(subscriberEnvironment: environment) }
            #expect(error?.setting == setting)
        }
    }

    @Test func aCurveBusAdmitsOnlyTheListedSubscriber() async throws {
        try #require(ZMQCurve.isAvailable)
        let context = try ZMQContext()
        let server = try ZMQCurve.keyPair()
        let client = try ZMQCurve.keyPair()
        let authenticator = try BusCurveAuthenticator(context: context, allowedClientKeys: [client.publicKey],
                                                      logger: .init(label: "zap"))
        let serverSecurity = BusSocketSecurity(maximumMessageBytes: 1 << 20, curveServerSecretKey: server.secretKey)
        let publisher = try BusPublisher(endpoint: "tcp://127.0.0.1:*", context: context, epoch: 9, security: serverSecurity)
        let snapshots = try BusSnapshotServer(endpoint: "tcp://127.0.0.1:*", context: context, security: serverSecurity) { _, reply in
            try await reply.send(BusRecord(topic: "t", partition: 0, offset: 0, key: nil, value: [0x31], sequence: 0, epoch: 9))
            try await reply.finish(BusEndMarker(epoch: 9, sequence: 0))
        }
        func subscriber(_ environment: [String: String]) throws -> BusSubscriber {
            try BusSubscriber(configuration: .init(publisherEndpoint: publisher.boundEndpoint, snapshotEndpoint: snapshots.boundEndpoint,
                                                   snapshotTimeout: .seconds(1),
                                                   security: try BusSocketSecurity(subscriberEnvironment: environment)),
                              context: context)
        }
        let admitted = try subscriber(["BUS_CURVE_SERVER_KEY": server.publicKey, "BUS_CURVE_CLIENT_SECRET_KEY": client.secretKey])
        let stranger = try subscriber(["BUS_CURVE_SERVER_KEY": server.publicKey])  // a fresh key, not listed
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await authenticator.run() }
            group.addTask { try await snapshots.run() }
            group.addTask { try await admitted.run() }
            group.addTask { try await stranger.run() }
            defer { authenticator.stop(); group.cancelAll() }
            var joined: BusSnapshot?
            for await event in admitted.events {
                if case .snapshot(let snapshot, _) = event { joined = snapshot; break }
            }
            #expect(joined?.records.first?.topic == "t")
            // The stranger's live and snapshot handshakes are both refused by the ZAP handler:
            // no connection, so no record and no snapshot can reach it.
            let refused = try await waitFor(timeout: .seconds(10)) { authenticator.refused >= 2 }
            #expect(refused)
        }
        publisher.close()
    }

    func waitFor(timeout: Duration, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}
