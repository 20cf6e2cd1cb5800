import Foundation
import RealtimeService
import ServiceSupport

// First of all: a SIGTERM or SIGINT before the service group runs is handed to it (not exit 15).
TerminationSignals.deferUntilHandled()

let configuration = RealtimeCommand.configuration()
do {
    try await RealtimeApp.main(configuration: configuration)
} catch {
    // A port in use, an unusable bus endpoint, ...: say what failed instead of crashing.
    FileHandle.standardError.write(Data("realtimed: \(error)\n".utf8))
    exit(1)
}
