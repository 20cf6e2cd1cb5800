import Foundation
import Logging
import ServiceLifecycle
import SocketIO

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

// The Socket.IO server the socket.io-protocol test-suite README asks for, at `/socket.io/`.
// webSocketWriteSpacing: the suite's `ws` client loses packets that arrive in one read (the
// CONNECT reply and the "auth" event); real clients do not need it.
let io = SocketIOServer(configuration: conformanceSocketIOConfiguration(), logger: logger)
configureConformanceSocketIO(io)
let socketIOEndpoint = try EngineIOEndpoint(
    configuration: EngineIOConfiguration(
        path: "/socket.io/",
        pingInterval: .milliseconds(300),
        pingTimeout: .milliseconds(200),
        maxPayload: 1_000_000,
        cors: EngineCORSConfiguration(allowedOrigins: .any),
        webSocketWriteSpacing: .milliseconds(10)),
    delegate: io,
    logger: logger)
let endpoints: [EngineIOEndpoint] = [engineEndpoint, socketIOEndpoint]

let server = EngineIOServer(host: "0.0.0.0", port: port, endpoints: endpoints, logger: logger)
let group = ServiceGroup(
    configuration: ServiceGroupConfiguration(
        services: [.init(service: server), .init(service: io)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
try await group.run()
