import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SocketIO

/// `sio-bench server`: our Socket.IO stack on a port, broadcasting `tick` events when a client
/// sends `start` (see ``StartCommand``). Prints `listening <port>` once bound.
struct BenchServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Run the Socket.IO server under test.")

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0: any free port).") var port = 3000
    @Option(help: "Per-connection send queue limit in messages (a client over it is dropped).")
    var maxQueuedMessages = 10_000

    func run() async throws {
        var serverLogger = Logger(label: "sio-bench.server")
        serverLogger.logLevel = .info
        let logger = serverLogger
        guard (0...65535).contains(port) else { throw ValidationError("port \(port) is out of range") }
        let io = SocketIOServer(logger: logger)
        let broadcaster = TickBroadcaster(io: io, logger: logger)
        io.main.onConnection { socket in
            socket.on("start") { arguments, _ in
                guard let command = StartCommand(arguments: arguments) else {
                    logger.warning("ignored a malformed start event")
                    return
                }
                broadcaster.start(command)
            }
        }
        let endpoint = try EngineIOEndpoint(
            configuration: EngineIOConfiguration(
                path: "/socket.io/", maxQueuedMessages: maxQueuedMessages, maxQueuedBytes: 64 * 1024 * 1024),
            delegate: io, logger: logger)
        let server = EngineIOServer(host: host, port: port, endpoints: [endpoint], requestTimeouts: nil, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: server), .init(service: io), .init(service: broadcaster)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let bound = try await server.boundPort
            StandardOutput.writeLine("listening \(bound)")
            try await tasks.waitForAll()
        }
    }
}
