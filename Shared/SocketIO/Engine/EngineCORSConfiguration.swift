import NIOCore
import NIOHTTP1

/// Cross-origin resource sharing for an Engine.IO endpoint (polling needs it in browsers).
public struct EngineCORSConfiguration: Sendable, Equatable {
    /// Which origins may call the endpoint.
    public enum AllowedOrigins: Sendable, Equatable {
        /// Any origin (`*`, or the request's origin echoed when credentials are allowed).
        case any
        /// Only these exact origins (`https://example.com`).
        case list([String])
    }

    /// Which origins may call the endpoint.
    public var allowedOrigins: AllowedOrigins
    /// Whether `Access-Control-Allow-Credentials: true` is sent.
    public var allowCredentials: Bool
    /// How long browsers may cache a preflight answer, in seconds.
    public var maxAgeSeconds: Int?

    /// Creates a policy; by default any origin, without credentials.
    public init(allowedOrigins: AllowedOrigins = .any, allowCredentials: Bool = false, maxAgeSeconds: Int? = nil) {
        self.allowedOrigins = allowedOrigins
        self.allowCredentials = allowCredentials
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// The `Access-Control-Allow-Origin` value for a request, or nil if its origin is not allowed.
    func allowOriginValue(requestOrigin: String?) -> String? {
        switch allowedOrigins {
        case .any:
            if allowCredentials, let requestOrigin { return requestOrigin }
            return "*"
        case .list(let origins):
            guard let requestOrigin, origins.contains(requestOrigin) else { return nil }
            return requestOrigin
        }
    }

    /// Adds the CORS headers of an actual (non-preflight) response.
    func addHeaders(to headers: inout HTTPHeaders, requestHeaders: HTTPHeaders) {
        guard let origin = allowOriginValue(requestOrigin: requestHeaders.first(name: "origin")) else { return }
        headers.add(name: "Access-Control-Allow-Origin", value: origin)
        if origin != "*" { headers.add(name: "Vary", value: "Origin") }
        if allowCredentials { headers.add(name: "Access-Control-Allow-Credentials", value: "true") }
    }

    /// The methods a preflight answer allows (as the reference server's `cors` package).
    static let allowedMethods = "GET,HEAD,PUT,PATCH,POST,DELETE"

    /// Adds the headers of a preflight (`OPTIONS`) response: the requested method and headers
    /// are allowed.
    func addPreflightHeaders(to headers: inout HTTPHeaders, requestHeaders: HTTPHeaders) {
        guard allowOriginValue(requestOrigin: requestHeaders.first(name: "origin")) != nil else { return }
        addHeaders(to: &headers, requestHeaders: requestHeaders)
        var methods = Self.allowedMethods
        if let requested = requestHeaders.first(name: "access-control-request-method")?.uppercased(),
            !requested.isEmpty, !methods.split(separator: ",").contains(Substring(requested)),
            requested.allSatisfy({ $0.isLetter || $0 == "-" })
        {
            methods += "," + requested
        }
        headers.add(name: "Access-Control-Allow-Methods", value: methods)
        if let requested = requestHeaders.first(name: "access-control-request-headers") {
            headers.add(name: "Access-Control-Allow-Headers", value: requested)
            headers.add(name: "Vary", value: "Access-Control-Request-Headers")
        }
        if let maxAgeSeconds { headers.add(name: "Access-Control-Max-Age", value: String(maxAgeSeconds)) }
    }

    /// Answers an `OPTIONS` request as a preflight (204), and adds the CORS headers to the
    /// answer `next` gives every other request.
    func answer(
        _ request: EngineHTTPRequest, on eventLoop: EventLoop,
        _ next: () -> EventLoopFuture<EngineHTTPResponse>
    ) -> EventLoopFuture<EngineHTTPResponse> {
        if request.method == .OPTIONS {
            var headers: HTTPHeaders = [:]
            addPreflightHeaders(to: &headers, requestHeaders: request.headers)
            return eventLoop.makeSucceededFuture(EngineHTTPResponse(status: .noContent, headers: headers))
        }
        let requestHeaders = request.headers
        return next().map { response in
            var response = response
            addHeaders(to: &response.headers, requestHeaders: requestHeaders)
            return response
        }
    }
}
