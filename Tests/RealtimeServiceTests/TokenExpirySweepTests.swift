import Foundation
@testable import RealtimeService
import Testing
import Visibility

/// The bookkeeping of `AUTH_MODE=jwt` expiries and refreshes, without sockets or a clock.
@Suite struct TokenExpirySweepTests {
    private let start = Date(timeIntervalSince1970: 1_000_000)

    @Test func theSweepTakesEachExpiredGrantOnceAndWaitsForTheNextExpiry() {
        var state = RealtimeHub.State()
        RealtimeHub.record(AccessGrant(viewer: .merchant("a"), expires: start + 10), of: "a", in: &state)
        RealtimeHub.record(AccessGrant(viewer: .merchant("b"), expires: start + 5), of: "b", in: &state)
        RealtimeHub.record(AccessGrant(viewer: .operator), of: "op", in: &state)
        #expect(state.nextExpiry == start + 5)

        #expect(RealtimeHub.takeExpired(now: start + 4, in: &state).isEmpty)
        #expect(RealtimeHub.takeExpired(now: start + 5, in: &state) == ["b"])
        #expect(state.nextExpiry == start + 10)
        #expect(state.viewer(of: "b") == .merchant("b"), "who it is holds until the socket is gone")
        #expect(RealtimeHub.takeExpired(now: start + 6, in: &state).isEmpty, "taken once")
        #expect(RealtimeHub.takeExpired(now: start + 20, in: &state) == ["a"])
        #expect(state.nextExpiry == nil, "no expiry left: the sweep costs nothing")
    }

    @Test func aRefreshedOrForgottenGrantIsNotTakenAndTheNextExpiryIsRecomputed() {
        var state = RealtimeHub.State()
        RealtimeHub.record(AccessGrant(viewer: .merchant("a"), expires: start + 5), of: "a", in: &state)
        RealtimeHub.record(AccessGrant(viewer: .merchant("b"), expires: start + 6), of: "b", in: &state)
        RealtimeHub.record(AccessGrant(viewer: .merchant("a"), expires: start + 60), of: "a", in: &state)
        RealtimeHub.forgetGrant(of: "b", in: &state)
        #expect(RealtimeHub.takeExpired(now: start + 30, in: &state).isEmpty)
        #expect(state.nextExpiry == start + 60)
        #expect(RealtimeHub.takeExpired(now: start + 60, in: &state) == ["a"])
    }

    @Test func topicLimitsAreKeptOnlyWhenTheyLimit() {
        var state = RealtimeHub.State()
        RealtimeHub.record(AccessGrant(viewer: .operator), of: "all", in: &state)
        let limited = TopicPermissions(allow: ["buy*"], deny: [])
        RealtimeHub.record(AccessGrant(viewer: .merchant("m"), topics: limited), of: "some", in: &state)
        #expect(state.permissions(of: "all") == nil)
        #expect(state.permissions(of: "some") == limited)
        #expect(RealtimeHub.permits("sellOffer", for: "some", in: state) == false)
        #expect(RealtimeHub.permits("buyOffer", for: "some", in: state))
        #expect(RealtimeHub.permits("sellOffer", for: "nobody-known", in: state))
    }

    @Test func aConnectionMayRefreshThreeTimesPerTenSeconds() {
        var allowance = RefreshAllowance()
        let t0 = ContinuousClock.now
        var taken: [Bool] = []
        for _ in 0..<5 { taken.append(allowance.take(at: t0)) }
        for offset in [9.9, 10, 11] { taken.append(allowance.take(at: t0 + .seconds(offset))) }
        #expect(taken == [true, true, true, false, false, false, true, true])
    }
}
