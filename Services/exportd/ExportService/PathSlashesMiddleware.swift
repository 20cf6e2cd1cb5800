import Hummingbird

/// Collapses runs of slashes in the request path before routing, so `//export/data/buyOffer`
/// reaches the same route as `/export/data/buyOffer`. The Price Wars management UI joins its
/// configured origin, which ends in a slash (`http://host:8001/`), with paths that start with
/// one; the original Flask server accepted both.
struct PathSlashesMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let path = request.head.path, path.contains("//") else { return try await next(request, context) }
        var head = request.head
        head.path = Self.collapsed(path)
        return try await next(Request(head: head, body: request.body), context)
    }

    /// `path` with every run of slashes before the query reduced to one.
    static func collapsed(_ path: String) -> String {
        let query = path.firstIndex(of: "?") ?? path.endIndex
        var out = ""
        out.reserveCapacity(path.count)
        var previousWasSlash = false
        for character in path[..<query] {
            if character == "/" && previousWasSlash { continue }
            previousWasSlash = character == "/"
            out.append(character)
        }
        return out + path[query...]
    }
}
