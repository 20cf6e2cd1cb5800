import JSON
import NIOHTTP1

/// The error answers of the Engine.IO protocol, with their JSON bodies
/// (`{"code":0,"message":"Transport unknown"}`).
enum EngineHTTPError: Int, Sendable, Error {
    case unknownTransport = 0
    case unknownSessionID = 1
    case badHandshakeMethod = 2
    case badRequest = 3
    case forbidden = 4
    case unsupportedProtocolVersion = 5
    /// Not a code of the protocol: a handshake while the server shuts down (HTTP 503).
    case serverShuttingDown = 6
    /// Not a code of the protocol: a handshake past the session caps (HTTP 503).
    case serverFull = 7

    var message: String {
        switch self {
        case .unknownTransport: return "Transport unknown"
        case .unknownSessionID: return "Session ID unknown"
        case .badHandshakeMethod: return "Bad handshake method"
        case .badRequest: return "Bad request"
        case .forbidden: return "Forbidden"
        case .unsupportedProtocolVersion: return "Unsupported protocol version"
        case .serverShuttingDown: return "Server shutting down"
        case .serverFull: return "Too many sessions"
        }
    }

    var status: HTTPResponseStatus {
        switch self {
        case .forbidden: return .forbidden
        case .serverShuttingDown, .serverFull: return .serviceUnavailable
        default: return .badRequest
        }
    }

    /// The error response, with an optional custom message (allowRequest rejections).
    func response(message custom: String? = nil) -> EngineHTTPResponse {
        let text = "{\"code\":\(rawValue),\"message\":\(JSONText.quoted(custom ?? message))}"
        return EngineHTTPResponse(status: status, contentType: "application/json", text: text)
    }
}
