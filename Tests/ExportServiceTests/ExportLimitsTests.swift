import Foundation
import Testing
import TestSupport

/// Issue 11 against the real exportd: export files are bounded per merchant and in all (429 and
/// 503 with `Retry-After`, counted), expiry frees the allowance, and the HTTP listener cuts off
/// silent peers and caps connections per address.
@Suite(.serialized) struct ExportLimitsTests {
    let broker: TansuBroker

    init() throws {
        broker = try TansuBroker()
    }

    func exportURL(_ exportd: ExportdProcess, token: String?) async -> (status: Int, headers: [String: String], body: String)? {
        guard let answer = await exportd.get("/export/data/buyOffer",
                                             headers: token.map { ["Authorization": "Token \($0)"] } ?? [:]) else { return nil }
        return (answer.status, answer.headers, String(decoding: answer.body, as: UTF8.self))
    }

    @Test func exportFilesAreBoundedPerMerchantAndInAll() async throws {
        let ingestd = try IngestdProcess(broker: broker, group: "export-limits")
        try await ingestd.waitUntilReady()
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: try ExportFixtures.temporaryDirectory(), environment: [
            "MERCHANT_TOPICS": "buyOffer", "EXPORT_MAX_FILES_PER_MERCHANT": "2", "EXPORT_MAX_FILES": "5",
            "EXPORT_FILE_TTL": "3s",
        ])
        try await exportd.waitUntilReady()

        for _ in 0..<2 { #expect(await exportURL(exportd, token: "alpha")?.status == 200) }
        let refused = try #require(await exportURL(exportd, token: "alpha"))
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "60")
        #expect(refused.body.contains("too many export files for this merchant"), "\(refused.body)")
        // Another merchant and anonymous requests have their own allowance ...
        for _ in 0..<2 { #expect(await exportURL(exportd, token: "beta")?.status == 200) }
        #expect(await exportURL(exportd, token: nil)?.status == 200)
        // ... until the server's total is reached.
        let full = try #require(await exportURL(exportd, token: "gamma"))
        #expect(full.status == 503, "\(full.body)")
        #expect(await exportd.metric(#"export_requests_refused_total{limit="merchant_files"}"#) == 1)
        #expect(await exportd.metric(#"export_requests_refused_total{limit="total_files"}"#) == 1)
        // Expired files free their place.
        let freed = await eventually(timeout: 15, interval: 0.2) { await exportURL(exportd, token: "alpha")?.status == 200 }
        #expect(freed)
    }

    @Test func silentPeersAreCutOffAndConnectionsCappedPerAddress() async throws {
        let ingestd = try IngestdProcess(broker: broker, group: "export-listener")
        try await ingestd.waitUntilReady()
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: try ExportFixtures.temporaryDirectory(), environment: [
            "MERCHANT_TOPICS": "buyOffer", "HTTP_HEAD_TIMEOUT_MS": "500", "HTTP_BODY_TIMEOUT_MS": "500",
            "MAX_CONNECTIONS_PER_ADDRESS": "20",
        ])
        try await exportd.waitUntilReady()
        let port = exportd.port
        let (silentClosed, slowClosed, refused) = try await RawConnection.onThread { () -> (Bool, Bool, Int) in
            let silent = try RawConnection(port: port, source: "127.0.0.2")
            silent.send("GET /export/data/buyOffer HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
            let slow = try RawConnection(port: port, source: "127.0.0.2")
            slow.send("GET /health HTTP/1.1\r\n")
            for _ in 0..<10 { slow.send("X: 1\r\n"); usleep(100_000) }
            let silentClosed = silent.closedByPeer(within: 2)
            let slowClosed = slow.closedByPeer(within: 2)
            let flood = (0..<60).compactMap { _ in try? RawConnection(port: port, source: "127.0.0.3") }
            let refused = flood.filter { $0.closedByPeer(within: 0.1) }.count
            return (silentClosed, slowClosed, refused)
        }
        #expect(silentClosed)
        #expect(slowClosed)
        #expect(refused >= 40)
        #expect(await exportd.metric(#"export_connections_refused_total{limit="per_address"}"#) ?? 0 >= 40)
        #expect(await exportd.metric(#"export_http_timeouts_total{part="head"}"#) ?? 0 >= 1)
        #expect(await exportd.get("/health")?.status == 200)
    }
}
