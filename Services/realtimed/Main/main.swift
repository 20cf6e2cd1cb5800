import RealtimeService

let configuration = RealtimeCommand.configuration()
try await RealtimeApp.main(configuration: configuration)
