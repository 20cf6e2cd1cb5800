/// A small Price Wars marketplace: three merchants (``DemoMerchant/all``) sell three products,
/// consumers buy, merchants undercut each other and restock. Each ``step(at:into:)`` writes the
/// records the Price Wars services would log, shaped like `../shared/fixtures/*.jsonl`:
///
/// - `buyOffer`: one purchase attempt per step; `http_code` 200, or 410 when the offer is sold
///   out, or 409 when the price changed under the consumer (about one in twenty);
/// - `updateOffer`: a merchant's new price;
/// - `addOffer`: a merchant's new offer some steps after one sold out;
/// - `marketSituation`: every offer on the market, after each change (with the changing
///   merchant's `merchant_id`) and every fifth step;
/// - `revenuePerMinute`: every tenth step, each merchant's revenue over the last 60 s.
public struct PriceWarsMarket: Sendable {
    /// The topics the market writes.
    public static let topics = ["buyOffer", "updateOffer", "addOffer", "marketSituation", "revenuePerMinute"]

    /// Stock of a new offer.
    static let restockAmount = 15
    /// Consumers of the demo market (ids as in the fixtures).
    static let consumerIDs = [
        "M+vLAIwHTf3zXqLi1rd/S9AjcOJFGHS2LwQN6p6V7nI=",
        "8vV0Bw6yHkpJ3Xk2m3XtFJQm7r1qYkI9sWbT5Ewz4Qc=",
    ]
    /// Base price per product (product 1, 2, 3).
    static let basePrices = [35.0, 18.0, 62.0]

    private let merchants: [DemoMerchant]
    private var random: DemoRandom
    private var offers: [MarketOffer] = []
    private var nextOfferID = 1
    private var stepCount = 0
    private var sales: [(time: Double, merchantIndex: Int, revenue: Double)] = []

    /// A market of ``DemoMerchant/all`` whose choices are fixed by `seed`.
    public init(seed: UInt64) {
        self.merchants = DemoMerchant.all
        self.random = DemoRandom(seed: seed)
        for productIndex in Self.basePrices.indices {
            for merchantIndex in merchants.indices {
                offers.append(newOffer(productIndex: productIndex, merchantIndex: merchantIndex))
            }
        }
    }

    /// Advances the market by one step at `time` (seconds since 1970) and appends its records.
    public mutating func step(at time: Double, into records: inout [DemoRecord]) {
        defer { stepCount += 1 }
        let timestamp = ISOTimestamp.string(time)
        var changedBy: Int?

        // A consumer tries to buy: usually the cheapest offer of a product, sometimes any.
        let productID = Int.random(in: 1...Self.basePrices.count, using: &random)
        let candidates = offers.indices.filter { offers[$0].productID == productID }
        let chosen = random.chance(0.7)
            ? candidates.min { offers[$0].price < offers[$1].price }!
            : candidates.randomElement(using: &random)!
        let httpCode: Int
        if offers[chosen].amount == 0 {
            httpCode = 410
        } else if random.chance(0.05) {
            httpCode = 409
        } else {
            httpCode = 200
            offers[chosen].amount -= 1
            sales.append((time, offers[chosen].merchantIndex, offers[chosen].price))
        }
        records.append(buyOffer(offers[chosen], httpCode: httpCode, timestamp: timestamp))

        // A sold-out offer stays on the market (consumers get 410) until its merchant restocks:
        // then a fresh offer at about the base price replaces it.
        for index in offers.indices where offers[index].amount == 0 && index != chosen && random.chance(0.25) {
            let old = offers[index]
            offers[index] = newOffer(productIndex: old.productID - 1, merchantIndex: old.merchantIndex)
            records.append(DemoRecord(topic: "addOffer", value: offerRecord(offers[index], timestamp: timestamp)))
            changedBy = old.merchantIndex
        }

        // Now and then a merchant undercuts the cheapest competitor (never below 60 % of base).
        if random.chance(0.3) {
            let index = Int.random(in: offers.indices, using: &random)
            let offer = offers[index]
            let cheapestOther = offers.filter { $0.productID == offer.productID && $0.merchantIndex != offer.merchantIndex }
                .map(\.price).min() ?? offer.price
            let base = Self.basePrices[offer.productID - 1]
            var price = cheapestOther - Double.random(in: 0.1...1.0, using: &random)
            if price < base * 0.6 { price = base * Double.random(in: 0.95...1.15, using: &random) }
            offers[index].price = (price * 100).rounded() / 100
            records.append(DemoRecord(topic: "updateOffer", value: offerRecord(offers[index], timestamp: timestamp)))
            changedBy = offer.merchantIndex
        }

        if changedBy != nil || stepCount % 5 == 0 {
            records.append(DemoRecord(topic: "marketSituation", value: marketSituation(timestamp: timestamp, triggeredBy: changedBy)))
        }
        if stepCount % 10 == 0 {
            sales.removeAll { $0.time < time - 60 }
            for merchantIndex in merchants.indices {
                let revenue = sales.filter { $0.merchantIndex == merchantIndex }.reduce(0) { $0 + $1.revenue }
                var writer = JSONObjectWriter(capacity: 128)
                writer.field("merchant_id", merchants[merchantIndex].merchantID)
                writer.field("revenue", (revenue * 100).rounded() / 100)
                writer.field("timestamp", timestamp)
                records.append(DemoRecord(topic: "revenuePerMinute", value: writer.finish()))
            }
        }
    }

    private mutating func newOffer(productIndex: Int, merchantIndex: Int) -> MarketOffer {
        defer { nextOfferID += 1 }
        let base = Self.basePrices[productIndex]
        return MarketOffer(
            offerID: nextOfferID, uid: (productIndex + 1) * 10 + 1, productID: productIndex + 1, quality: 1,
            merchantIndex: merchantIndex, amount: Self.restockAmount,
            price: (base * Double.random(in: 0.95...1.1, using: &random) * 100).rounded() / 100,
            prime: random.chance(0.5))
    }

    private mutating func buyOffer(_ offer: MarketOffer, httpCode: Int, timestamp: String) -> DemoRecord {
        var writer = JSONObjectWriter(capacity: 320)
        writer.field("amount", 1)
        writer.field("consumer_id", Self.consumerIDs.randomElement(using: &random)!)
        writer.field("http_code", httpCode)
        writer.field("left_in_stock", offer.amount)
        writer.field("merchant_id", merchants[offer.merchantIndex].merchantID)
        writer.field("offer_id", offer.offerID)
        writer.field("price", offer.price)
        writer.field("product_id", offer.productID)
        writer.field("quality", offer.quality)
        writer.field("timestamp", timestamp)
        writer.field("uid", offer.uid)
        return DemoRecord(topic: "buyOffer", value: writer.finish())
    }

    private func offerRecord(_ offer: MarketOffer, timestamp: String) -> [UInt8] {
        offer.json(merchantID: merchants[offer.merchantIndex].merchantID) { writer in
            writer.field("http_code", 200)
            writer.field("timestamp", timestamp)
        }
    }

    private func marketSituation(timestamp: String, triggeredBy merchantIndex: Int?) -> [UInt8] {
        var writer = JSONObjectWriter(capacity: 256 * offers.count)
        writer.field("timestamp", timestamp)
        writer.field("offers", jsonArray: offers.map { $0.json(merchantID: merchants[$0.merchantIndex].merchantID) })
        if let merchantIndex {
            writer.field("merchant_id", merchants[merchantIndex].merchantID)
        }
        return writer.finish()
    }
}
