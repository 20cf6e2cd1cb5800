/// A query parameter of an export request that cannot be used (answered 400 with the message).
struct ExportQueryProblem: Error, Sendable {
    let message: String

    init(_ message: String) { self.message = message }
}
