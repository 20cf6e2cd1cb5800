import Foundation
import RealtimeService
import Testing
import Visibility

/// The rules of `AUTH_MODE=token` alone: who owns a record, who a token is, who sees what.
@Suite struct RealtimeAccessRulesTests {
    @Test(arguments: [
        (#"{"merchant_id":"m1","price":1}"#, RecordOwner.merchant("m1")),
        (#"{"price":1,"merchant_id":"m\u0031"}"#, .merchant("m1")),
        (#"{"price":1}"#, .everyone),
        (#"{"offer":{"merchant_id":"m1"}}"#, .everyone),
        (#"{"merchant_id":42}"#, .nobody),
        (#"{"merchant_id":null}"#, .nobody),
        (#"[{"merchant_id":"m1"}]"#, .everyone),
        (#""text""#, .everyone),
        (#"{"merchant_id":"m1""#, .merchant("m1")),
    ])
    func theOwnerIsTheTopLevelMerchantID(value: String, owner: RecordOwner) {
        #expect(RecordOwner(value: Array(value.utf8)) == owner)
    }

    @Test func aTombstoneIsPublic() {
        #expect(RecordOwner(value: nil) == .everyone)
    }

    @Test func merchantsSeePublicRecordsAndTheirOwnOperatorsEverything() {
        let owners: [RecordOwner] = [.everyone, .merchant("m1"), .merchant("m2"), .nobody]
        #expect(owners.map { $0.isVisible(to: .merchant("m1")) } == [true, true, false, false])
        #expect(owners.map { $0.isVisible(to: .operator) } == [true, true, true, true])
    }

    @Test func aTokenIsAMerchantUnlessItsDigestIsAnOperators() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("operators-\(UUID().uuidString)")
        try "\(MerchantIdentity.tokenDigest("boss").uppercased())  # the boss\n\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var configuration = RealtimeConfiguration()
        configuration.authMode = .token
        configuration.operatorTokensFile = file.path
        let access = try RealtimeAccess(configuration: configuration)
        #expect(try access.viewer(token: "boss").get() == .operator)
        #expect(try access.viewer(token: "shop").get() == .merchant(MerchantIdentity.merchantID(token: "shop")))
        #expect(throws: RealtimeAccess.Refusal.unauthorized) { try access.viewer(token: nil).get() }
        #expect(throws: RealtimeAccess.Refusal.unauthorized) { try access.viewer(token: "").get() }
        #expect(try RealtimeAccess().viewer(token: nil).get() == nil, "AUTH_MODE=none: no identity, everything")
        #expect(MerchantIdentity.tokenDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
