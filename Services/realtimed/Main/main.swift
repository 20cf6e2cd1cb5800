import RealtimeService
import ServiceSupport

// First of all: a SIGTERM or SIGINT before the service group runs is handed to it (not exit 15).
TerminationSignals.deferUntilHandled()

let configuration = RealtimeCommand.configuration()
await ServiceMain.run("realtimed") { try await RealtimeApp.main(configuration: configuration) }
