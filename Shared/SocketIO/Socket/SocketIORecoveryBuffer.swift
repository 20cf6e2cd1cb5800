import Synchronization

/// The recent broadcast packets and the disconnected sessions of one namespace, for connection
/// state recovery.
final class SocketIORecoveryBuffer: Sendable {
    struct Packet {
        var sequence: UInt64
        var messages: [EngineMessage]
        var rooms: Set<String>
        var except: Set<String>
        var time: ContinuousClock.Instant
    }

    struct Session {
        var socketId: String
        var pid: String
        var rooms: Set<String>
        var disconnectedAt: ContinuousClock.Instant
    }

    /// A session found again, with the packets it missed.
    struct Restored {
        var socketId: String
        var pid: String
        var rooms: Set<String>
        var missedPackets: [[EngineMessage]]
    }

    struct State {
        var packets: [Packet] = []
        var head = 0
        var nextSequence: UInt64 = 1
        var sessions: [String: Session] = [:]
    }

    let settings: SocketIOConnectionStateRecovery
    /// Distinguishes this process's offsets from those of an earlier one.
    let offsetPrefix: String
    private let state = Mutex(State())

    init(settings: SocketIOConnectionStateRecovery) {
        self.settings = settings
        self.offsetPrefix = SocketIOIdentifier.random(length: 8) + "-"
    }

    /// Assigns the next offset, encodes the packet with it and keeps it.
    func record(
        rooms: Set<String>, except: Set<String>, encode: (String) -> [EngineMessage]
    ) -> [EngineMessage] {
        let now = ContinuousClock.now
        return state.withLock { state in
            let sequence = state.nextSequence
            state.nextSequence += 1
            let messages = encode(offsetPrefix + String(sequence))
            state.packets.append(Packet(sequence: sequence, messages: messages, rooms: rooms, except: except, time: now))
            trim(&state, now: now)
            return messages
        }
    }

    /// The offset of the newest recorded packet (`<prefix>0` before the first): what a client
    /// that has seen every broadcast so far would resume from. Per-socket emits carry it without
    /// being recorded.
    var currentOffset: String {
        state.withLock { offsetPrefix + String($0.nextSequence - 1) }
    }

    /// Keeps the session of a socket that disconnected for a recoverable reason.
    func persist(socketId: String, pid: String, rooms: Set<String>) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.sessions[pid] = Session(socketId: socketId, pid: pid, rooms: rooms, disconnectedAt: now)
            if state.sessions.count % 64 == 0 {
                state.sessions = state.sessions.filter { now - $0.value.disconnectedAt <= settings.maximumDisconnectionDuration }
            }
        }
    }

    /// Drops expired sessions and packets.
    func expire(now: ContinuousClock.Instant) {
        state.withLock { state in
            state.sessions = state.sessions.filter { now - $0.value.disconnectedAt <= settings.maximumDisconnectionDuration }
            trim(&state, now: now)
        }
    }

    /// The number of sessions kept and packets buffered.
    var counts: (sessions: Int, packets: Int) {
        state.withLock { ($0.sessions.count, $0.packets.count - $0.head) }
    }

    /// Finds the session `pid` and the packets after `offset` it should receive; nil if the
    /// session is unknown or expired, or the offset is no longer (or never was) in the buffer.
    func restore(pid: String, offset: String) -> Restored? {
        let now = ContinuousClock.now
        return state.withLock { state -> Restored? in
            guard let session = state.sessions.removeValue(forKey: pid) else { return nil }
            guard now - session.disconnectedAt <= settings.maximumDisconnectionDuration else { return nil }
            trim(&state, now: now)
            guard offset.hasPrefix(offsetPrefix), let sequence = UInt64(offset.dropFirst(offsetPrefix.count)) else {
                return nil
            }
            // The oldest packet kept (the next one when none is): the client must have seen the one before it.
            let first = state.head < state.packets.count ? state.packets[state.head].sequence : state.nextSequence
            guard sequence + 1 >= first, sequence < state.nextSequence else { return nil }
            let index = state.head + Int(sequence + 1 - first)
            var missed: [[EngineMessage]] = []
            for packet in state.packets[index...] where Self.shouldInclude(packet, sessionRooms: session.rooms) {
                missed.append(packet.messages)
            }
            return Restored(socketId: session.socketId, pid: session.pid, rooms: session.rooms, missedPackets: missed)
        }
    }

    static func shouldInclude(_ packet: Packet, sessionRooms: Set<String>) -> Bool {
        let included = packet.rooms.isEmpty || !packet.rooms.isDisjoint(with: sessionRooms)
        let excluded = !packet.except.isDisjoint(with: sessionRooms)
        return included && !excluded
    }

    private func trim(_ state: inout State, now: ContinuousClock.Instant) {
        while state.head < state.packets.count,
            state.packets.count - state.head > settings.maximumBufferedPackets
                || now - state.packets[state.head].time > settings.maximumDisconnectionDuration
        {
            state.head += 1
        }
        if state.head > 1024 && state.head * 2 > state.packets.count {
            state.packets.removeFirst(state.head)
            state.head = 0
        }
    }
}
