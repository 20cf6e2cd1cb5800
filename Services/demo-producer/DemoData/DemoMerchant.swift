/// A merchant of the Price Wars demo market. `merchantID` is base64(sha256(`token`)), as
/// exportd computes it, so the token opens the merchant's exports.
public struct DemoMerchant: Equatable, Sendable {
    public let name: String
    public let token: String
    public let merchantID: String

    public init(name: String, token: String, merchantID: String) {
        self.name = name
        self.token = token
        self.merchantID = merchantID
    }

    /// The demo's three merchants: alpha and beta are the fixture merchants
    /// (`../shared/fixtures/merchants.json`), gamma is the demo's own.
    public static let all = [
        DemoMerchant(name: "alpha", token: "alphaTokenK3x9Qm2Lw8Rt5Yv1",
                     merchantID: "p6ASDWlhsJAhTbv1EnJQu5g5zhyH+5s9xGAkmRYxKf8="),
        DemoMerchant(name: "beta", token: "betaTokenP7s4Dn6Jh2Gf9Ck0",
                     merchantID: "sBPSZ5Vkh6v6MRhYoTOO75U5t9JCbCiLnAryCV7C1cM="),
        DemoMerchant(name: "gamma", token: "gammaTokenDemo5Hq8Vb3Nz6Wc",
                     merchantID: "vFR7zQ94iTe4vlDKjG+duc1VuUlc90r6qndbkSfMWqQ="),
    ]
}
