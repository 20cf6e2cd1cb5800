import SocketIO

/// Echoes every Engine.IO message back to its sender, as the engine.io-protocol test suite expects.
final class EchoDelegate: EngineConnectionDelegate {
    func engineConnectionOpened(_ connection: any EngineConnection) {}

    func engineConnection(_ connection: any EngineConnection, received message: EngineMessage) {
        connection.send([message])
    }

    func engineConnectionClosed(_ connection: any EngineConnection, reason: EngineCloseReason) {}
}
