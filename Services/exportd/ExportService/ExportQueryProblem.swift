import Hummingbird
import JSON
import RecordFilter

/// A query parameter of an export request that cannot be used (answered 400 with the message,
/// and for a filter its error code and byte position).
struct ExportQueryProblem: Error, Sendable {
    let message: String
    /// The machine-readable reason (a filter's ``RecordFilterError/Code``), when there is one.
    var code: String?
    /// The byte of the parameter's value where the problem is, when known.
    var position: Int?

    init(_ message: String) { self.message = message }

    /// A `?filter=` refused by the filter parser: its code and position.
    init(filter error: RecordFilterError) {
        message = "filter: \(error)"
        code = error.code.rawValue
        position = error.position
    }

    /// The JSON body: `{"error": message}`, plus `"code"` and `"position"` when known.
    var body: String {
        var body = "{\"error\":" + JSONText.quoted(message)
        if let code { body += ",\"code\":" + JSONText.quoted(code) }
        if let position { body += ",\"position\":\(position)" }
        return body + "}"
    }

    /// The 400 answer with ``body``.
    var response: Response { JSONResponse.response(.badRequest, body) }
}
