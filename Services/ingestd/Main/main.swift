import IngestService

let configuration = IngestCommand.configuration()
try await IngestApp.main(configuration: configuration)
