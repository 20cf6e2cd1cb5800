import NIOConcurrencyHelpers
import SocketIO
import TestSupport

/// Records engine events for the tests and, if asked, echoes every message back.
final class EngineTestDelegate: EngineConnectionDelegate {
    enum Event: Equatable {
        case opened(String)
        case message(String, EngineMessage)
        case closed(String, EngineCloseReason)
    }

    private let state = NIOLockedValueBox<(events: [Event], connections: [any EngineConnection])>(([], []))
    let echo: Bool

    init(echo: Bool = true) {
        self.echo = echo
    }

    var events: [Event] { state.withLockedValue { $0.events } }
    var connections: [any EngineConnection] { state.withLockedValue { $0.connections } }

    func engineConnectionOpened(_ connection: any EngineConnection) {
        state.withLockedValue {
            $0.events.append(.opened(connection.id))
            $0.connections.append(connection)
        }
    }

    func engineConnection(_ connection: any EngineConnection, received message: EngineMessage) {
        state.withLockedValue { $0.events.append(.message(connection.id, message)) }
        if echo { connection.send([message]) }
    }

    func engineConnectionClosed(_ connection: any EngineConnection, reason: EngineCloseReason) {
        state.withLockedValue { $0.events.append(.closed(connection.id, reason)) }
    }

    /// The close reason recorded for a session, if it closed.
    func closeReason(_ id: String) -> EngineCloseReason? {
        for case .closed(let sid, let reason) in events where sid == id { return reason }
        return nil
    }

    /// Waits until the session closed; returns the reason (nil on timeout).
    func waitForClose(_ id: String, timeout: Double = 10) async -> EngineCloseReason? {
        _ = await engineWaitUntil(timeout: timeout) { closeReason(id) != nil }
        return closeReason(id)
    }

    /// Messages received from a session.
    func messages(from id: String) -> [EngineMessage] {
        events.compactMap { if case .message(id, let message) = $0 { return message } else { return nil } }
    }
}
