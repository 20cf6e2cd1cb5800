import Hummingbird

/// CORS on every route, as the Price Wars proxy had it (flask_cors): with `CORS_ORIGINS=*` (the
/// default) the request's `Origin` is echoed with credentials allowed, so the management UI on
/// another origin can call `/topics`, `/export/data/...` and `/data/...` with or without
/// cookies; with a list, only those origins get the headers. `OPTIONS` preflights are answered
/// here (204) with the requested method and headers allowed.
struct ExportCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The allowed origins; `["*"]` allows any.
    let origins: [String]

    /// The `Access-Control-Allow-Origin` value for a request's `Origin`, or nil when not allowed.
    func allowedOrigin(_ origin: String?) -> String? {
        guard let origin, origin != "null" else { return nil }
        return origins == ["*"] || origins.contains(origin) ? origin : nil
    }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = allowedOrigin(request.headers[.origin]) else { return try await next(request, context) }
        var cors: HTTPFields = [.accessControlAllowOrigin: origin, .accessControlAllowCredentials: "true", .vary: "Origin"]
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            cors[.accessControlAllowMethods] = "GET, HEAD, OPTIONS"
            cors[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders] ?? "Authorization, Content-Type"
            cors[.accessControlMaxAge] = "600"
            return Response(status: .noContent, headers: cors)
        }
        // Errors reach here as responses: JSONErrorMiddleware runs inside this one.
        var response = try await next(request, context)
        response.headers.append(contentsOf: cors)
        return response
    }
}
