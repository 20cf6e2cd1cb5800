import Avro
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches Avro schemas by id from a Confluent-compatible schema registry
/// (`GET {base}/schemas/ids/{id}` answering `{"schema": "<schema JSON as a string>"}`).
///
/// Concurrent requests for one id share a single fetch: the first caller fetches, later callers wait
/// for its result. Results go into the shared cache that the synchronous decode path reads.
actor SchemaRegistryClient {
    let baseURL: URL
    private let session: URLSession
    private let cache: LockedValue<RegistrySchemaCache>
    /// Callers waiting for a fetch in progress, by schema id.
    private var waiting: [Int32: [CheckedContinuation<Result<Void, RecordDecodingError>, Never>]] = [:]

    init(baseURL: URL, cache: LockedValue<RegistrySchemaCache>, requestTimeout: TimeInterval = 10) {
        self.baseURL = baseURL
        self.cache = cache
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = requestTimeout
        self.session = URLSession(configuration: configuration)
    }

    deinit {
        session.invalidateAndCancel()
    }

    /// Loads schema `id` into the cache, fetching it unless it is already loaded.
    func load(id: Int32) async throws(RecordDecodingError) {
        if cache.withLock({ $0.loaded[id] != nil }) { return }
        if waiting[id] != nil {
            let result = await withCheckedContinuation { continuation in
                waiting[id, default: []].append(continuation)
            }
            return try result.get()
        }
        waiting[id] = []
        let result: Result<Void, RecordDecodingError>
        do {
            let decoder = try await fetch(id: id)
            cache.withLock {
                $0.loaded[id] = decoder
                $0.failures[id] = nil
            }
            result = .success(())
        } catch {
            let reason = (error as? SchemaFetchError)?.reason ?? "\(error)"
            cache.withLock { $0.failures[id] = .init(reason: reason, time: .now) }
            result = .failure(.schemaFetchFailed(id: id, reason: reason))
        }
        for continuation in waiting.removeValue(forKey: id) ?? [] {
            continuation.resume(returning: result)
        }
        try result.get()
    }

    private struct SchemaFetchError: Error {
        let reason: String
    }

    private struct SchemaResponse: Decodable {
        let schema: String
        let schemaType: String?
    }

    private func fetch(id: Int32) async throws -> AvroJSONDecoder {
        let url = baseURL.appendingPathComponent("schemas").appendingPathComponent("ids")
            .appendingPathComponent(String(id))
        var request = URLRequest(url: url)
        request.setValue("application/vnd.schemaregistry.v1+json, application/json", forHTTPHeaderField: "Accept")
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw SchemaFetchError(reason: "GET \(url.absoluteString) failed: \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw SchemaFetchError(reason: "GET \(url.absoluteString): not an HTTP response")
        }
        guard http.statusCode == 200 else {
            let body = String(decoding: data.prefix(200), as: UTF8.self)
            throw SchemaFetchError(reason: "GET \(url.absoluteString) answered HTTP \(http.statusCode): \(body)")
        }
        let decoded: SchemaResponse
        do {
            decoded = try JSONDecoder().decode(SchemaResponse.self, from: data)
        } catch {
            throw SchemaFetchError(reason: "GET \(url.absoluteString): response has no \"schema\" string")
        }
        if let type = decoded.schemaType, type.uppercased() != "AVRO" {
            throw SchemaFetchError(reason: "schema type \(type) is not supported (only AVRO)")
        }
        do {
            return AvroJSONDecoder(schema: try AvroSchema(json: decoded.schema))
        } catch {
            throw SchemaFetchError(reason: error.description)
        }
    }
}
