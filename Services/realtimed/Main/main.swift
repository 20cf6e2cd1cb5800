import Foundation
import RealtimeService

let configuration = RealtimeCommand.configuration()
do {
    try await RealtimeApp.main(configuration: configuration)
} catch {
    // A port in use, an unusable bus endpoint, ...: say what failed instead of crashing.
    FileHandle.standardError.write(Data("realtimed: \(error)\n".utf8))
    exit(1)
}
