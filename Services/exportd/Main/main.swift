import ExportService
import ServiceSupport

// First of all: a SIGTERM or SIGINT before the service group runs is handed to it (not exit 15).
TerminationSignals.deferUntilHandled()

let configuration = ExportCommand.configuration()
await ServiceMain.run("exportd") { try await ExportApp.main(configuration: configuration) }
