import ArgumentParser

/// `sio-bench`: a Socket.IO fan-out benchmark as a separate server / load-generator pair, so the
/// server's CPU and memory can be read from `/proc` (see `scripts/bench-socketio`).
@main
struct SioBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sio-bench",
        abstract: "Socket.IO broadcast fan-out benchmark (server under test and load generator).",
        subcommands: [BenchServerCommand.self, LoadCommand.self])
}
