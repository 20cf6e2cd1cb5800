import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import SocketIO

/// A plain HTTP server on its own loopback port, so a page it serves is of another origin than
/// the services under test: it serves fixed pages and collects what the page reports
/// (`POST /report` with a text body).
final class CrossOriginPageServer: Sendable {
    private let pages: [String: String]
    private let reportsBox = NIOLockedValueBox<[String]>([])

    init(pages: [String: String]) {
        self.pages = pages
    }

    /// Everything the page posted to `/report`, in arrival order.
    var reports: [String] { reportsBox.withLockedValue { $0 } }

    /// Runs the server for the duration of `body`, which gets the page origin (`http://127.0.0.1:PORT`).
    func run<Result: Sendable>(_ body: (_ origin: String) async throws -> Result) async throws -> Result {
        var logger = Logger(label: "page-server")
        logger.logLevel = .warning
        let fallback: EngineHTTPFallback = { [pages, reportsBox] request in
            if request.path == "/report" {
                let text = String(buffer: request.body)
                reportsBox.withLockedValue { $0.append(text) }
                return EngineHTTPResponse(status: .noContent)
            }
            guard let page = pages[request.path] else { return EngineHTTPResponse(status: .notFound, text: "not found") }
            return EngineHTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", text: page)
        }
        let server = EngineIOServer(host: "127.0.0.1", port: 0, endpoints: [], fallback: fallback, logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Swift.Result<Result, any Error>
            do {
                let port = try await server.boundPort
                result = .success(try await body("http://127.0.0.1:\(port)"))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }
}
