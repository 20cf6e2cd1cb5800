import Foundation
import ConnectionGuard
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Prometheus
import RecordFilter
import ServiceSupport
import Visibility
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// exportd's HTTP API (issue 5): export URLs, export files, streamed CSV, topics, health and
/// metrics. Tokens are read from `Authorization` and never logged.
struct ExportHTTPServer {
    let configuration: ExportConfiguration
    let store: ExportStore
    let files: ExportFileRegistry
    let status: ExportStatus
    let metrics: ExportMetrics
    let registry: PrometheusCollectorRegistry
    /// With `AUTH_MODE=jwt`, the verifier of the tokens.
    let jwt: JWTAccessVerifier?
    let logger: Logger
    let refusalLog = SharedRateLimitedLog()

    /// Size of the chunks a streamed export is written (and compressed) in.
    static let chunkSize = 256 * 1024

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.middlewares.add(PathSlashesMiddleware())
        router.middlewares.add(ExportCORSMiddleware(origins: configuration.corsOrigins))
        router.middlewares.add(JSONErrorMiddleware())
        router.get("/export/data") { request, _ in try await exportURL(request, topics: store.topics, topicColumn: true) }
        router.get("/export/data/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            if store.isMerchantTopic(name) {
                return try await exportURL(request, topics: [name], topicColumn: false)
            }
            if name.hasSuffix(".csv"), store.isMerchantTopic(String(name.dropLast(4))) {
                return stream(request, topic: String(name.dropLast(4)))
            }
            return JSONResponse.error(.notFound, "unknown topic")
        }
        router.get("/data/:file") { _, context in try await serveFile(context.parameters.get("file") ?? "", context: context) }
        // As the Price Wars proxy: a JSON array of the merchant topics.
        router.get("/topics") { _, _ in JSONResponse.response(.ok, JSONResponse.array(store.topics)) }
        router.get("/health") { _, _ in
            let synced = status.isSynced
            let storing = !status.isStorageFailing
            var members = [("status", synced && storing ? "ready" : "not ready"), ("bus", synced ? "synced" : "joining"),
                           ("storage", storing ? "ok" : "failing")]
            let unserved = status.unservedTopics
            if !unserved.isEmpty { members.append(("unservedTopics", unserved.joined(separator: ","))) }
            let gaps = status.replayGaps
            if !gaps.isEmpty { members.append(("replayGaps", gaps.map(\.description).joined(separator: "; "))) }
            if let error = status.error { members.append(("lastError", error)) }
            return JSONResponse.response(synced && storing ? .ok : .serviceUnavailable, JSONResponse.object(members))
        }
        router.get("/metrics") { _, _ -> Response in
            var output: [UInt8] = []
            registry.emit(into: &output)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(bytes: output)))
        }
        let connectionGuards = guards()
        return Application(router: router,
                           server: .http1(configuration: .init(additionalChannelHandlers: connectionGuards())),
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                serverName: "exportd"),
                           logger: logger)
    }

    /// The connection caps and request deadlines every connection gets (as realtimed's listener),
    /// refusals and timeouts counted and logged at most every 5 s.
    private func guards() -> @Sendable () -> [any RemovableChannelHandler] {
        let metrics = self.metrics
        let logger = self.logger
        let refusalLog = self.refusalLog
        let limiter = ConnectionLimiter(limits: ConnectionLimits(maxConnections: configuration.maxConnections,
                                                                 maxConnectionsPerAddress: configuration.maxConnectionsPerAddress)) {
            reason, address in
            (reason == .total ? metrics.connectionsRefusedTotal : metrics.connectionsRefusedPerAddress).increment()
            refusalLog.log(logger, level: .warning, key: "connections-\(reason.rawValue)",
                           "connection from \(address ?? "?") refused: \(ConnectionRefusalError(reason: reason))")
        }
        let timeouts = HTTPRequestTimeouts(head: .milliseconds(Int64(configuration.httpHeadTimeoutMilliseconds)),
                                           body: .milliseconds(Int64(configuration.httpBodyTimeoutMilliseconds)))
        return {
            HTTPTypesGuards.handlers(limiter: limiter, timeouts: timeouts) { part in
                (part == .head ? metrics.headTimeouts : metrics.bodyTimeouts).increment()
            }
        }
    }

    /// Who asks. `AUTH_MODE=token`: the merchant id of the request's token, or nil without a
    /// token (anonymous: public rows only, as the Price Wars proxy served the management UI's
    /// data page). `AUTH_MODE=jwt`: the merchant its JWT names (401 without a valid one, 403 for
    /// one naming no one), with the topics it may export; an operator's JWT exports the view of
    /// `?merchant=<id>`, else the public rows.
    private func requester(_ request: Request) -> Result<ExportRequester, ExportQueryProblem> {
        let token = MerchantIdentity.token(authorization: request.headers[.authorization])
        guard let jwt else { return .success(ExportRequester(merchant: token.map(MerchantIdentity.merchantID(token:)))) }
        guard let token else { return .failure(ExportQueryProblem(.unauthorized, "a JWT is required (Authorization: Bearer <token>)")) }
        do {
            let grant = try jwt.verify(token)
            switch grant.viewer {
            case .merchant(let id): return .success(ExportRequester(merchant: id, topics: grant.topics))
            case .operator:
                let merchant = request.uri.queryParameters["merchant"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
                return .success(ExportRequester(merchant: merchant, topics: grant.topics))
            }
        } catch {
            metrics.tokensRefused(code: error.code.rawValue)
            if error.code == .noIdentity { return .failure(ExportQueryProblem(.forbidden, "the token names no merchant")) }
            return .failure(ExportQueryProblem(.unauthorized, "the token is not accepted (\(error.code.rawValue))"))
        }
    }

    /// The topics of `topics` the requester may export; 403 when it asked for one topic it may not.
    private func permitted(_ topics: [String], _ requester: ExportRequester, single: Bool) -> Result<[String], ExportQueryProblem> {
        let allowed = topics.filter(requester.topics.permits)
        if single, allowed.isEmpty { return .failure(ExportQueryProblem(.forbidden, "the token may not export this topic")) }
        return .success(allowed)
    }

    /// Answers a request refused by a limit: 429 or 503 with `Retry-After`, counted and logged
    /// at most every 5 s.
    private func refuse(_ refusal: ExportRefusal) -> Response {
        metrics.refused(refusal)
        refusalLog.log(logger, level: .warning, key: refusal.rawValue, "export refused: \(refusal.message)")
        return JSONResponse.error(refusal.status, refusal.message,
                                  headers: [.retryAfter: String(refusal.retryAfterSeconds)])
    }

    /// What an export's rows look like: `?columns=` and `?filter=` (counted), or the 400 to answer.
    private func shape(_ request: Request) -> Result<(columns: [String]?, filter: RecordFilter?), ExportQueryProblem> {
        Self.columns(request).flatMap { columns in
            switch Self.filter(request) {
            case .success(let filter):
                if filter != nil { metrics.filteredRequests.increment() }
                return .success((columns, filter))
            case .failure(let problem):
                metrics.filterRefused(code: problem.code ?? "other")
                return .failure(problem)
            }
        }
    }

    /// Answers the URL of a new export file: a pending export that remembers the selection (the
    /// rows that exist now, `?columns=`, `?filter=`), streamed from the store when downloaded.
    private func exportURL(_ request: Request, topics: [String], topicColumn: Bool) async throws -> Response {
        let columns: [String]?
        switch shape(request) {
        case .success(let (list, _)): columns = list
        case .failure(let problem): return problem.response
        }
        // The filter is kept as asked (shape() refused a bad one) and parsed again when read.
        let filterText = (try? Self.formValue("filter", query: request.uri.query).get()) ?? nil
        let merchant: String?
        let allowed: [String]
        switch requester(request).flatMap({ who in permitted(topics, who, single: !topicColumn).map { (who, $0) } }) {
        case .success(let (who, permitted)): (merchant, allowed) = (who.merchant, permitted)
        case .failure(let problem): return problem.response
        }
        let owner = merchant ?? ExportUsage.anonymous
        if let refusal = files.reserve(owner: owner) { return refuse(refusal) }
        let start = ContinuousClock.now
        let id = ExportFileRegistry.newID()
        let files = self.files
        let store = self.store
        do {
            // The description is written to disk: on the thread pool.
            try await NIOThreadPool.singleton.runIfActive {
                let pending = store.pendingFile(topics: allowed, merchant: merchant, topicColumn: topicColumn, columns: columns,
                                                filter: filterText)
                try files.register(id: id, owner: owner, pending: pending)
            }
        } catch {
            files.cancel(owner: owner)
            logger.error("cannot write export file", metadata: ["error": "\(error)"])
            return JSONResponse.error(.internalServerError, "cannot write the export file")
        }
        metrics.exportDuration.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
        metrics.exportsServed.increment()
        return JSONResponse.response(.ok, JSONResponse.object([("url", "data/\(id).csv")]))
    }

    /// Streams the export of one topic, filtered by `since`/`until` and `filter`, gzip-compressed
    /// when asked.
    private func stream(_ request: Request, topic: String) -> Response {
        let merchant: String?
        switch requester(request).flatMap({ who in permitted([topic], who, single: true).map { _ in who } }) {
        case .success(let who): merchant = who.merchant
        case .failure(let problem): return problem.response
        }
        var bounds: [Int64?] = []
        for name in ["since", "until"] {
            guard let text = request.uri.queryParameters[Substring(name)].map(String.init), !text.isEmpty else {
                bounds.append(nil)
                continue
            }
            guard let value = ExportTimestamp.milliseconds(query: text) else {
                return JSONResponse.error(.badRequest, "\(name) is not a timestamp (ISO 8601 or milliseconds since the epoch)")
            }
            bounds.append(value)
        }
        let columns: [String]?, filter: RecordFilter?
        switch shape(request) {
        case .success(let (list, parsed)): (columns, filter) = (list, parsed)
        case .failure(let problem): return problem.response
        }
        let owner = merchant ?? ExportUsage.anonymous
        if let refusal = files.beginStream(owner: owner) { return refuse(refusal) }
        // Ends the stream's count when the body is done or dropped unsent.
        let slot = ExportStreamSlot(files: files, owner: owner)
        let renderer = store.renderer(topics: [topic], merchant: merchant, since: bounds[0], until: bounds[1], columns: columns,
                                      filter: filter)
        metrics.streamsServed.increment()
        var headers: HTTPFields = [.contentType: "text/csv; charset=utf-8",
                                   .contentDisposition: "attachment; filename=\"\(topic).csv\"",
                                   .vary: "Accept-Encoding"]
        let gzip = Self.acceptsGzip(request.headers[.acceptEncoding])
        if gzip { headers[.contentEncoding] = "gzip" }
        let metrics = self.metrics
        return Response(status: .ok, headers: headers, body: .init { writer in
            defer { slot.end() }
            let start = ContinuousClock.now
            var renderer = renderer
            let compressor = gzip ? GzipCompressor() : nil
            if gzip && compressor == nil { throw HTTPError(.internalServerError) }
            while let chunk = renderer.nextChunk(size: Self.chunkSize) {
                if let compressor {
                    let compressed = chunk.withUnsafeReadableBytes { compressor.compress($0, finish: false) }
                    if !compressed.isEmpty { try await writer.write(ByteBuffer(bytes: compressed)) }
                } else {
                    try await writer.write(chunk)
                }
            }
            if let compressor {
                let trailer = compressor.compress(UnsafeRawBufferPointer(start: nil, count: 0), finish: true)
                try await writer.write(ByteBuffer(bytes: trailer))
            }
            try await writer.finish(nil)
            metrics.exportDuration.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
        })
    }

    /// `GET /data/<id>.csv`: a live pending export streamed from the store (410 when the store
    /// no longer holds its rows), or a file rendered by an earlier exportd; 404 for anything else.
    private func serveFile(_ name: String, context: some RequestContext) async throws -> Response {
        guard let id = ExportFileRegistry.id(fileName: name), let found = files.lookup(id: id) else {
            return JSONResponse.error(.notFound, "no such file")
        }
        let headers: HTTPFields = [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""]
        switch found {
        case .file(let path):
            let body: ResponseBody
            do {
                body = try await FileIO().loadFile(path: path, context: context)
            } catch {
                return JSONResponse.error(.notFound, "no such file")
            }
            metrics.filesServed.increment()
            return Response(status: .ok, headers: headers, body: body)
        case .pending(let pending):
            let store = self.store
            // Parsed when the URL was asked; should a later exportd refuse it, never serve the rows unfiltered.
            guard case .success(let filter) = Self.filter(query: pending.filter) else {
                logger.error("cannot parse the filter of a pending export file", metadata: ["id": "\(id)"])
                return JSONResponse.error(.internalServerError, "cannot read the export file")
            }
            // The rows' size is known before sending: the file goes out with a Content-Length,
            // as the Price Wars proxy's file download did.
            let rendered: (CSVExportRenderer, Int)?
            if filter == nil {
                // Locating the rows and walking them for the header and size, here as the streamed
                // export does (a hop to the thread pool and back costs a busy machine more).
                rendered = store.renderer(pending: pending, filter: nil).map { ($0, $0.documentByteCount()) }
            } else {
                // A filter's pass over every record: on the thread pool.
                rendered = try await NIOThreadPool.singleton.runIfActive {
                    store.renderer(pending: pending, filter: filter).map { ($0, $0.documentByteCount()) }
                }
            }
            guard let (renderer, byteCount) = rendered else {
                metrics.filesGone.increment()
                return JSONResponse.error(.gone, "the export's rows are no longer held; ask for a new export")
            }
            metrics.filesServed.increment()
            let metrics = self.metrics
            return Response(status: .ok, headers: headers, body: .init(contentLength: byteCount) { writer in
                let start = ContinuousClock.now
                var renderer = renderer
                while let chunk = renderer.nextChunk(size: Self.chunkSize) { try await writer.write(chunk) }
                try await writer.finish(nil)
                metrics.exportDuration.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
            })
        }
    }

    /// The most columns `?columns=` may name, and the longest name.
    static let maximumColumns = 256
    static let maximumColumnBytes = 256

    /// `?columns=a,b,c`: the columns an export has, in order (nil: every field); a problem when
    /// a name is empty, repeated or too long, or there are too many.
    static func columns(_ request: Request) -> Result<[String]?, ExportQueryProblem> {
        guard let text = request.uri.queryParameters["columns"].map(String.init) else { return .success(nil) }
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.contains(where: \.isEmpty) else { return .failure(ExportQueryProblem("columns names an empty column")) }
        guard names.count <= maximumColumns else {
            return .failure(ExportQueryProblem("columns names \(names.count) columns; at most \(maximumColumns)"))
        }
        guard !names.contains(where: { $0.utf8.count > maximumColumnBytes }) else {
            return .failure(ExportQueryProblem("a column name longer than \(maximumColumnBytes) bytes"))
        }
        guard Set(names).count == names.count else { return .failure(ExportQueryProblem("columns names a column twice")) }
        return .success(names)
    }

    /// `?filter=`: the shared filter language (docs/filters.md), JSON form when the value starts
    /// with `{`, else the text form (nil: no parameter); a problem with the filter error's code
    /// and byte position when it is refused (syntax, unknown field, or beyond
    /// ``RecordFilterLimits``).
    static func filter(_ request: Request) -> Result<RecordFilter?, ExportQueryProblem> {
        switch formValue("filter", query: request.uri.query) {
        case .success(let text): return filter(query: text)
        case .failure(let problem): return .failure(problem)
        }
    }

    /// The first value of parameter `name` in a raw query string, form-decoded as browsers and
    /// Python's `requests` encode it: `+` is a space (so a plus is `%2B`), then percent escapes;
    /// nil when absent, a problem when the escapes are not UTF-8.
    static func formValue(_ name: String, query: String?) -> Result<String?, ExportQueryProblem> {
        guard let query else { return .success(nil) }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == name else { continue }
            let raw = parts.count > 1 ? parts[1].replacingOccurrences(of: "+", with: " ") : ""
            guard let value = raw.removingPercentEncoding else {
                var problem = ExportQueryProblem("\(name) is not percent-encoded UTF-8")
                problem.code = "encoding"
                return .failure(problem)
            }
            return .success(value)
        }
        return .success(nil)
    }

    /// The filter of a `?filter=` value (nil: no parameter).
    static func filter(query text: String?) -> Result<RecordFilter?, ExportQueryProblem> {
        guard let text else { return .success(nil) }
        do {
            return .success(try RecordFilter(parsing: text, limits: RecordFilterLimits()))
        } catch {
            return .failure(ExportQueryProblem(filter: error))
        }
    }

    /// Whether an `Accept-Encoding` value allows gzip (and does not give it `q=0`).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.lowercased().split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let coding = pieces.first, coding == "gzip" || coding == "x-gzip" else { continue }
            let zero = pieces.dropFirst().contains { $0.hasPrefix("q=") && Double($0.dropFirst(2)) == 0 }
            return !zero
        }
        return false
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
