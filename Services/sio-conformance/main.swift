import Foundation
import Logging
import ServiceLifecycle
import SocketIO

/// Echoes every Engine.IO message back to its sender, as the engine.io-protocol test suite expects.
final class EchoDelegate: EngineConnectionDelegate {
    func engineConnectionOpened(_ connection: any EngineConnection) {}

    func engineConnection(_ connection: any EngineConnection, received message: EngineMessage) {
        connection.send([message])
    }

    func engineConnectionClosed(_ connection: any EngineConnection, reason: EngineCloseReason) {}
}

if CommandLine.arguments.dropFirst().first == "benchmark" {
    try await FanOutBenchmark.run(arguments: Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}

var logger = Logger(label: "sio-conformance")
logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info

let portText = ProcessInfo.processInfo.environment["PORT"] ?? "3000"
guard let port = Int(portText), (0...65535).contains(port) else {
    FileHandle.standardError.write(Data("sio-conformance: invalid PORT '\(portText)'\n".utf8))
    exit(2)
}

// The configuration the engine.io-protocol test-suite README asks for.
let engineEndpoint = try EngineIOEndpoint(
    configuration: EngineIOConfiguration(
        path: "/engine.io/",
        pingInterval: .milliseconds(300),
        pingTimeout: .milliseconds(200),
        maxPayload: 1_000_000,
        cors: EngineCORSConfiguration(allowedOrigins: .any)),
    delegate: EchoDelegate(),
    logger: logger)

// MARK: Socket.IO mount point
// The Socket.IO server (Shared/SocketIO/Socket) is mounted here at `/socket.io/` when the lead
// integrates it: create its EngineIOEndpoint (path "/socket.io/", pingInterval 300 ms,
// pingTimeout 200 ms, maxPayload 1e6, CORS any origin, and webSocketWriteSpacing 10 ms — the
// socket.io-protocol suite's `ws` client loses packets that arrive in one read) with the
// Socket.IO server as delegate, append it to `endpoints`, and add the Socket.IO server to the
// service group. Its handlers follow the suite README (emit "auth", echo "message" as
// "message-back", ack "message-with-ack", and "/custom" emits "auth").
let endpoints: [EngineIOEndpoint] = [engineEndpoint]

let server = EngineIOServer(host: "0.0.0.0", port: port, endpoints: endpoints, logger: logger)
let group = ServiceGroup(
    configuration: ServiceGroupConfiguration(
        services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
try await group.run()
