import ExportService

let configuration = ExportCommand.configuration()
try await ExportApp.main(configuration: configuration)
