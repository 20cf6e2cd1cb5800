import JSON

/// Why a record's value could not be turned into rows (the record is stored as empty and counted).
enum RowBuildError: Error, Equatable, CustomStringConvertible {
    /// The value is not JSON under the package's grammar, or not an object.
    case invalidJSON(JSONSyntaxError)
    /// A `marketSituation` record without an `offers` array.
    case offersMissing
    /// A `marketSituation` offer that is not an object (at this byte of the value).
    case offerNotAnObject(at: Int)

    var description: String {
        switch self {
        case .invalidJSON(let error): "\(error)"
        case .offersMissing: "marketSituation record has no offers array"
        case .offerNotAnObject(let offset): "marketSituation offer at byte \(offset) is not an object"
        }
    }
}
