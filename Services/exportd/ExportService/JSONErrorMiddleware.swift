import Hummingbird

/// Answers errors thrown below it (unknown routes, other methods, failed handlers) as JSON
/// `{"error": "..."}` with the error's status, like every other exportd answer.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            return JSONResponse.error(error.status, error.body ?? error.status.reasonPhrase.lowercased(), headers: error.headers)
        }
    }
}
