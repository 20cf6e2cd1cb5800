import Foundation
import Kafka
import Testing
import TestSupport
import Visibility

/// Issue 18: exportd with `AUTH_MODE=jwt` accepts realtimed's JWTs: a merchant's token exports
/// the public rows and its own, its `topics` limit what it may export, an operator's token exports
/// the view of `?merchant=`; no token, an expired or a forged one gets 401.
@Suite(.serialized) struct ExportJWTTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    @Test func merchantsExportTheirRowsOfTheirTopicsWithAJWT() async throws {
        try producer.createTopics(["buyOffer", "marketSituation"])
        let ingestd = try IngestdProcess(broker: broker, group: "export-jwt")
        try await ingestd.waitUntilReady()
        let owners = ["m1", "m2", nil, "m1", nil, "m2", "m1"]
        for (n, owner) in owners.enumerated() {
            let merchant = owner.map { #","merchant_id":"\#($0)""# } ?? ""
            try producer.send(topic: "buyOffer", value: Array(#"{"n":\#(n)\#(merchant)}"#.utf8), timestamp: 1_521_194_460_000)
        }
        try producer.flush()
        let secret = Data((0..<32).map { UInt8($0 &+ 100) })
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent("hs256-\(UUID().uuidString)")
        try secret.write(to: secretFile)
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: try ExportFixtures.temporaryDirectory(), environment: [
            "MERCHANT_TOPICS": "buyOffer,marketSituation", "AUTH_MODE": "jwt", "JWT_HS256_SECRET_FILE": secretFile.path])
        try await exportd.waitUntilReady()
        let stored = await eventually(timeout: 30, interval: 0.1) {
            Int(await exportd.metric("export_records_stored_total") ?? 0) >= owners.count
        }
        #expect(stored)

        func csv(_ path: String, _ token: String?) async -> (status: Int, numbers: [Int]) {
            let answer = await exportd.get(path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
            let text = String(decoding: answer?.body ?? Data(), as: UTF8.self)
            let lines = text.split(separator: "\n").dropFirst()
            return (answer?.status ?? 0, lines.compactMap { Int($0.split(separator: ",").first ?? "") })
        }
        let m1 = try TestJWT.token(["merchant_id": "m1", "exp": TestJWT.time(60)], key: .hs256(secret))
        #expect(await csv("/export/data/buyOffer.csv", m1) == (200, [0, 2, 3, 4, 6]))
        let operatorToken = try TestJWT.token(["operator": true], key: .hs256(secret))
        #expect(await csv("/export/data/buyOffer.csv?merchant=m2", operatorToken) == (200, [1, 2, 4, 5]))
        #expect(await csv("/export/data/buyOffer.csv", operatorToken) == (200, [2, 4]))
        let limited = try TestJWT.token(["merchant_id": "m1", "topics": ["deny": ["buy*"]]], key: .hs256(secret))
        #expect(await csv("/export/data/buyOffer.csv", limited).status == 403)
        #expect(await exportd.get("/export/data/buyOffer", headers: ["Authorization": "Bearer \(limited)"])?.status == 403)
        #expect(await csv("/export/data/buyOffer.csv", nil).status == 401)
        let expired = try TestJWT.token(["merchant_id": "m1", "exp": TestJWT.time(-1)], key: .hs256(secret))
        #expect(await csv("/export/data/buyOffer.csv", expired).status == 401)
        let forged = try TestJWT.token(["merchant_id": "m1"], key: .hs256(Data(repeating: 1, count: 32)))
        #expect(await csv("/export/data/buyOffer.csv", forged).status == 401)
        #expect(await csv("/export/data/buyOffer.csv", try TestJWT.token(["merchant_id": "m1"], key: .unsigned)).status == 401)
        #expect(await exportd.metric("export_tokens_refused_total{code=\"expired\"}") == 1)
        // The two-step form: the file holds what the token may see.
        let url = try #require(await exportd.get("/export/data/buyOffer", headers: ["Authorization": "Bearer \(m1)"]))
        let link = try #require((try JSONSerialization.jsonObject(with: url.body) as? [String: String])?["url"])
        #expect(await csv("/" + link, nil).numbers == [0, 2, 3, 4, 6])
    }
}
