import DemoData
import Foundation
import TestSupport
import Testing

@Suite("Price Wars market")
struct PriceWarsMarketTests {
    /// The records of `steps` market steps, one a second, parsed.
    static func run(steps: Int = 3000, seed: UInt64 = 11) throws -> [(topic: String, object: [String: Any])] {
        var market = PriceWarsMarket(seed: seed)
        var records: [DemoRecord] = []
        for step in 0..<steps {
            market.step(at: 1_521_194_460 + Double(step), into: &records)
        }
        return try records.map { record in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any])
            return (record.topic, object)
        }
    }

    static func fixtureLines(_ name: String) throws -> [[String: Any]] {
        try String(contentsOf: TestEnvironment.fixture(name), encoding: .utf8)
            .split(separator: "\n")
            .map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    @Test("every market topic is written, as valid JSON objects")
    func allTopics() throws {
        let records = try Self.run()
        #expect(Set(records.map(\.topic)) == Set(PriceWarsMarket.topics))
    }

    @Test("buyOffer records have exactly the fixture's fields")
    func buyOfferShape() throws {
        let fixtureKeys = Set(try #require(try Self.fixtureLines("buyOffer.jsonl").first).keys)
        let buys = try Self.run().filter { $0.topic == "buyOffer" }
        #expect(buys.count == 3000)
        for buy in buys {
            #expect(Set(buy.object.keys) == fixtureKeys)
            #expect((buy.object["timestamp"] as? String)?.hasPrefix("2018-03-16T") == true)
        }
    }

    @Test("all three merchants sell; two are the fixture merchants, so their tokens open exports")
    func merchants() throws {
        let fixtureMerchants = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: TestEnvironment.fixture("merchants.json"))) as? [[String: String]])
        for fixture in fixtureMerchants {
            let demo = try #require(DemoMerchant.all.first { $0.name == fixture["name"] })
            #expect(demo.token == fixture["merchant_token"])
            #expect(demo.merchantID == fixture["merchant_id"])
        }
        let sellers = Set(try Self.run().filter { $0.topic == "buyOffer" }.compactMap { $0.object["merchant_id"] as? String })
        #expect(sellers == Set(DemoMerchant.all.map(\.merchantID)))
    }

    @Test("some purchases fail: 410 for sold-out offers, 409 now and then; stock never goes negative")
    func failedPurchases() throws {
        let buys = try Self.run().filter { $0.topic == "buyOffer" }.map(\.object)
        let codes = buys.compactMap { $0["http_code"] as? Int }
        #expect(codes.contains(200) && codes.contains(409) && codes.contains(410))
        #expect(Set(codes).isSubset(of: [200, 409, 410]))
        for buy in buys where buy["http_code"] as? Int == 410 {
            #expect(buy["left_in_stock"] as? Int == 0)
        }
        #expect(buys.allSatisfy { ($0["left_in_stock"] as? Int ?? -1) >= 0 })
        #expect(Double(codes.filter { $0 == 200 }.count) / Double(codes.count) > 0.6)
    }

    @Test("marketSituation lists every offer with the fixture's offer fields; changes name the merchant")
    func marketSituationShape() throws {
        let fixture = try #require(try Self.fixtureLines("marketSituation.jsonl").first)
        let fixtureOfferKeys = Set(try #require((fixture["offers"] as? [[String: Any]])?.first).keys)
        let situations = try Self.run().filter { $0.topic == "marketSituation" }.map(\.object)
        #expect(situations.count >= 3000 / 5)
        for situation in situations {
            let offers = try #require(situation["offers"] as? [[String: Any]])
            #expect(offers.count == 9)
            #expect(offers.allSatisfy { Set($0.keys) == fixtureOfferKeys })
            #expect(Set(situation.keys).isSubset(of: ["timestamp", "offers", "merchant_id"]))
        }
        #expect(situations.contains { $0["merchant_id"] != nil })
        #expect(situations.contains { $0["merchant_id"] == nil })
    }

    @Test("updateOffer and addOffer carry the offer, its merchant and a timestamp")
    func offerUpdates() throws {
        let records = try Self.run()
        let merchantIDs = Set(DemoMerchant.all.map(\.merchantID))
        for record in records where record.topic == "updateOffer" || record.topic == "addOffer" {
            #expect(merchantIDs.contains(record.object["merchant_id"] as? String ?? ""))
            #expect((record.object["price"] as? Double ?? 0) > 0)
            #expect(record.object["offer_id"] is Int && record.object["timestamp"] is String)
        }
        // A restocked offer is new: its id was never seen in an earlier buy.
        let added = Set(records.filter { $0.topic == "addOffer" }.compactMap { $0.object["offer_id"] as? Int })
        #expect(added.allSatisfy { $0 > 9 })
    }

    @Test("revenuePerMinute sums each merchant's successful sales of the last 60 s")
    func revenue() throws {
        let records = try Self.run(steps: 200)
        var sales: [(time: Double, merchant: String, price: Double)] = []
        var checked = 0
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for record in records {
            let time = try #require(formatter.date(from: record.object["timestamp"] as? String ?? "")).timeIntervalSince1970
            if record.topic == "buyOffer", record.object["http_code"] as? Int == 200 {
                sales.append((time, record.object["merchant_id"] as! String, record.object["price"] as! Double))
            } else if record.topic == "revenuePerMinute" {
                let merchant = try #require(record.object["merchant_id"] as? String)
                let expected = sales.filter { $0.merchant == merchant && $0.time >= time - 60 }.reduce(0) { $0 + $1.price }
                #expect(abs((record.object["revenue"] as? Double ?? -1) - expected) < 0.01)
                checked += 1
            }
        }
        #expect(checked == 20 * 3)
    }

    @Test("the same seed gives the same records")
    func determinism() throws {
        var first = PriceWarsMarket(seed: 5), second = PriceWarsMarket(seed: 5)
        var a: [DemoRecord] = [], b: [DemoRecord] = []
        for step in 0..<500 {
            first.step(at: Double(step), into: &a)
            second.step(at: Double(step), into: &b)
        }
        #expect(a.map(\.value) == b.map(\.value))
    }
}
