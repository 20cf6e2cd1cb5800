import Bus
import Foundation
import ZeroMQ

/// A raw SUB socket on ingestd's live stream, for asserting exactly what is published (records
/// one by one or in packs).
final class BusTap: @unchecked Sendable {
    private let socket: ZMQSocket
    private(set) var received: [BusRecord] = []
    /// The packs (bus protocol version 3) received, in order; their records are in `received` too.
    private(set) var packs: [[BusRecord]] = []

    /// - Parameter readsPacks: announce that this tap reads packs (as `BusSubscriber` does), so
    ///   ingestd may send them; without it the tap is a subscriber older than packs.
    init(endpoint: String, context: ZMQContext, prefix: String = "", readsPacks: Bool = false,
         security: BusSocketSecurity? = nil) throws {
        socket = try ZMQSocket(context: context, type: .sub)
        try socket.setLinger(milliseconds: 0)
        try security?.applyAsClient(socket)
        try socket.subscribe(prefix)
        if readsPacks { try socket.subscribe(BusSubscriptionCensus.packsAnnouncement(for: Array(prefix.utf8))) }
        try socket.connect(endpoint)
    }

    deinit { socket.close() }

    /// Closes the socket now (idempotent): ingestd no longer counts it as a subscriber once it
    /// has seen the disconnect.
    func close() { socket.close() }

    /// Receives (on a dedicated thread) until `done` holds for everything received so far, or
    /// `timeout` seconds pass; returns everything received.
    @discardableResult
    func collect(timeout: Double = 20, until done: @escaping @Sendable ([BusRecord]) -> Bool) async throws -> [BusRecord] {
        try await DedicatedThread.run(name: "bus-tap") { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            while !done(received) && Date() < deadline {
                if let frames = try socket.receiveMultipart(timeout: .milliseconds(100)),
                   !BusHeartbeat.isHeartbeat(frames) {
                    if BusRecordPack.isPack(frames) {
                        let pack = try BusRecordPack.records(from: frames)
                        packs.append(pack)
                        received += pack
                    } else {
                        received.append(try BusRecord(liveFrames: frames))
                    }
                }
            }
            return received
        }
    }
}
