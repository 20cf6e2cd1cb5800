@testable import ExportService
import Visibility
import Testing

@Suite struct VisibilityTests {
    @Test func merchantIDIsBase64SHA256OfToken() throws {
        for merchant in try ExportFixtures.merchants() {
            #expect(MerchantIdentity.merchantID(token: merchant.merchant_token) == merchant.merchant_id)
        }
    }

    /// As the Price Wars proxy: the token is the header's last space-separated word, whatever
    /// the scheme; no header or an empty last word is anonymous.
    @Test func authorizationForms() {
        #expect(MerchantIdentity.token(authorization: "Token abc") == "abc")
        #expect(MerchantIdentity.token(authorization: "Bearer abc") == "abc")
        #expect(MerchantIdentity.token(authorization: "Basic abc") == "abc")
        #expect(MerchantIdentity.token(authorization: "abc") == "abc")
        #expect(MerchantIdentity.token(authorization: "a b c") == "c")
        #expect(MerchantIdentity.token(authorization: nil) == nil)
        #expect(MerchantIdentity.token(authorization: "") == nil)
        #expect(MerchantIdentity.token(authorization: "Token ") == nil)
        #expect(MerchantIdentity.token(authorization: "token  abc ") == nil)
        #expect(MerchantIdentity.token(authorization: "Bearer") == "Bearer")
    }

    @Test func ownerFollowsMerchantID() throws {
        let (owner, _) = try RowBuilder.rows(topic: "buyOffer", value: Array(#"{"merchant_id":"m1","x":1}"#.utf8), kafkaTimestamp: 0)
        #expect(owner == .merchant("m1"))
        let (publicOwner, _) = try RowBuilder.rows(topic: "buyOffer", value: Array(#"{"x":1}"#.utf8), kafkaTimestamp: 0)
        #expect(publicOwner == .everyone)
        let (nobody, _) = try RowBuilder.rows(topic: "buyOffer", value: Array(#"{"merchant_id":7}"#.utf8), kafkaTimestamp: 0)
        #expect(nobody == .nobody)
    }

    @Test func marketSituationBecomesOneRowPerOffer() throws {
        let lines = try ExportFixtures.lines("marketSituation.jsonl")
        let (publicOwner, rows) = try RowBuilder.rows(topic: "marketSituation", value: lines[0], kafkaTimestamp: 0)
        #expect(publicOwner == .everyone)
        #expect(rows.count == 2)
        #expect(rows[0].fields.map { String(decoding: $0, as: UTF8.self) }
                == ["offer_id", "uid", "product_id", "quality", "merchant_id", "amount", "price", "shipping_time", "prime", "timestamp"])
        #expect(String(decoding: rows[0].line, as: UTF8.self)
                == "6,11,1,1,p6ASDWlhsJAhTbv1EnJQu5g5zhyH+5s9xGAkmRYxKf8=,30,35.0,\"{\"\"standard\"\": 3, \"\"prime\"\": 1}\",true,2018-03-16T10:02:00.000Z")
        let (owner, triggered) = try RowBuilder.rows(topic: "marketSituation", value: lines[1], kafkaTimestamp: 0)
        #expect(owner == .merchant("sBPSZ5Vkh6v6MRhYoTOO75U5t9JCbCiLnAryCV7C1cM="))
        #expect(triggered.count == 2)
        #expect(triggered.allSatisfy { $0.fields.last == Array("triggering_merchant_id".utf8) })
        #expect(String(decoding: triggered[1].line, as: UTF8.self).hasSuffix(",2018-03-16T10:02:10.000Z,sBPSZ5Vkh6v6MRhYoTOO75U5t9JCbCiLnAryCV7C1cM="))
    }

    @Test func marketSituationWithoutOffersIsRejected() {
        #expect(throws: RowBuildError.self) {
            try RowBuilder.rows(topic: "marketSituation", value: Array(#"{"timestamp":"2018-03-16T10:02:00.000Z"}"#.utf8), kafkaTimestamp: 0)
        }
    }
}
