/// An offer on the demo marketplace, with the fields Price Wars logs for offers.
struct MarketOffer: Sendable {
    var offerID: Int
    var uid: Int
    var productID: Int
    var quality: Int
    var merchantIndex: Int
    var amount: Int
    var price: Double
    var prime: Bool

    /// The offer as the JSON object `marketSituation`, `addOffer` and `updateOffer` carry.
    func json(merchantID: String, extra: (inout JSONObjectWriter) -> Void = { _ in }) -> [UInt8] {
        var writer = JSONObjectWriter(capacity: 256)
        writer.field("offer_id", offerID)
        writer.field("uid", uid)
        writer.field("product_id", productID)
        writer.field("quality", quality)
        writer.field("merchant_id", merchantID)
        writer.field("amount", amount)
        writer.field("price", price)
        writer.field("shipping_time", json: Self.shippingTime)
        writer.field("prime", prime)
        extra(&writer)
        return writer.finish()
    }

    private static let shippingTime: [UInt8] = Array(#"{"standard":3,"prime":1}"#.utf8)
}
