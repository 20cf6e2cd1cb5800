/// Why ``JSONScanner`` rejected a text.
struct JSONScanError: Error, CustomStringConvertible, Equatable {
    /// Byte position of the problem.
    var position: Int
    var problem: String

    var description: String { "\(problem) at byte \(position)" }
}
