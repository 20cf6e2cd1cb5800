import Hummingbird
import JSON
import RecordFilter

/// Why an export request cannot be served: a query parameter that cannot be used (400 with the
/// message, and for a filter its error code and byte position), or a token that may not (401,
/// 403).
struct ExportQueryProblem: Error, Sendable {
    /// The answer's status (400 unless given).
    var status: HTTPResponse.Status = .badRequest
    let message: String
    /// The machine-readable reason (a filter's ``RecordFilterError/Code``), when there is one.
    var code: String?
    /// The byte of the parameter's value where the problem is, when known.
    var position: Int?

    init(_ message: String) { self.message = message }

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

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

    /// The answer: ``status`` with ``body`` (and `WWW-Authenticate` on a 401).
    var response: Response {
        JSONResponse.response(status, body, headers: status == .unauthorized ? [.wwwAuthenticate: "Bearer"] : [:])
    }
}
