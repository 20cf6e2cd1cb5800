import IngestService
import ServiceSupport

// First of all: a SIGTERM or SIGINT before the service group runs is handed to it (not exit 15).
TerminationSignals.deferUntilHandled()

let configuration = IngestCommand.configuration()
await ServiceMain.run("ingestd") { try await IngestApp.main(configuration: configuration) }
