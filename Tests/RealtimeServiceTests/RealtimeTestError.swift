/// A test setup problem, with the logs that explain it.
struct RealtimeTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
