import Logging
import NIOCore
import NIOEmbedded
@testable import SocketIO
import Testing

/// Issue 15: the events of one session are applied in the order the server received them,
/// whichever connection brought them. These tests drive a session directly, so the order of the
/// polling request and the WebSocket's packets is chosen by the test, not by loop scheduling.
@Suite("Engine.IO upgrade order")
struct EngineUpgradeOrderTests {
    /// A session in the middle of an upgrade, with its WebSocket link on an embedded channel.
    struct Upgrading {
        let loop = EmbeddedEventLoop()
        let session: EngineSession
        let link: EngineWebSocketLink
        let endpoint: EngineIOEndpoint

        init() throws {
            endpoint = try EngineIOEndpoint(delegate: EngineTestDelegate(echo: false))
            session = EngineSession(
                id: "order", protocolVersion: .v4,
                request: EngineRequestInfo(headers: [], query: [:], remoteAddress: nil), supportsBinary: true,
                eventLoop: loop, webSocket: nil, endpoint: endpoint, configuration: endpoint.configuration,
                logger: Logger(label: "engine.test"))
            let writer = EngineWebSocketWriter()
            let channel = EmbeddedChannel(handler: writer, loop: loop)
            link = EngineWebSocketLink(channel: channel, writer: writer)
        }

        /// Starts a poll and returns a box that holds its response once answered.
        func poll() -> ResponseBox {
            let box = ResponseBox()
            let promise = loop.makePromise(of: EngineHTTPResponse.self)
            promise.futureResult.whenSuccess { box.response = $0 }
            session.handlePoll(promise)
            loop.run()
            return box
        }
    }

    final class ResponseBox: @unchecked Sendable {
        var response: EngineHTTPResponse?
        var bodyText: String? { response.map { String(buffer: $0.body) } }
    }

    /// The official suite's "ignores HTTP requests with same sid after upgrade": the client sends
    /// `5` and immediately polls; the poll may be read before the `5` (another loop). It must
    /// still be refused with 400, not answered with a noop.
    @Test func pollRacingTheUpgradePacketIsRefused() throws {
        let upgrading = try Upgrading()
        #expect(upgrading.session.beginUpgrade(upgrading.link))
        upgrading.session.receive(.ping("probe"), from: upgrading.link)
        let racing = upgrading.poll()
        #expect(racing.response == nil, "a poll after the probe waits for the WebSocket's decision")
        upgrading.session.receive(.upgrade, from: upgrading.link)
        upgrading.loop.run()
        #expect(racing.response?.status == .badRequest)
        #expect(upgrading.session.transportName == "websocket")
        // And a poll read after the upgrade packet is refused at once.
        #expect(upgrading.poll().response?.status == .badRequest)
    }

    /// The official suite also polls after the probe and expects a noop: without an upgrade
    /// packet within `upgradeCheckInterval`, the parked poll is answered with a noop.
    @Test func pollAfterTheProbeWithoutUpgradeGetsANoop() throws {
        let upgrading = try Upgrading()
        #expect(upgrading.session.beginUpgrade(upgrading.link))
        upgrading.session.receive(.ping("probe"), from: upgrading.link)
        let parked = upgrading.poll()
        upgrading.loop.advanceTime(by: upgrading.session.upgradeCheckInterval - .milliseconds(1))
        #expect(parked.response == nil)
        upgrading.loop.advanceTime(by: .milliseconds(1))
        #expect(parked.response?.status == .ok)
        #expect(parked.bodyText == "6")
    }

    /// The suite sends `2probe` and `5` without waiting, then polls: the poll can be read before
    /// even the probe. It is still refused once the upgrade packet is read.
    @Test func pollRacingTheProbeAndUpgradePacketIsRefused() throws {
        let upgrading = try Upgrading()
        #expect(upgrading.session.beginUpgrade(upgrading.link))
        let racing = upgrading.poll()
        #expect(racing.response == nil)
        upgrading.session.receive(.ping("probe"), from: upgrading.link)
        #expect(racing.response == nil)
        upgrading.session.receive(.upgrade, from: upgrading.link)
        upgrading.loop.run()
        #expect(racing.response?.status == .badRequest)
    }

    /// The poll a client holds open before probing is released with a noop by the probe (the
    /// client waits for it before sending `5`), as before.
    @Test func pollBeforeTheProbeIsReleasedByTheProbe() throws {
        let upgrading = try Upgrading()
        let parked = upgrading.poll()
        #expect(parked.response == nil)
        #expect(upgrading.session.beginUpgrade(upgrading.link))
        upgrading.session.receive(.ping("probe"), from: upgrading.link)
        upgrading.loop.run()
        #expect(parked.response?.status == .ok)
        #expect(parked.bodyText == "6")
    }

    /// The upgrade fails after the probe: the parked poll is an ordinary poll again and receives
    /// the next packets instead of a refusal.
    @Test func pollAfterTheProbeStaysAPollWhenTheWebSocketFails() throws {
        let upgrading = try Upgrading()
        #expect(upgrading.session.beginUpgrade(upgrading.link))
        upgrading.session.receive(.ping("probe"), from: upgrading.link)
        let parked = upgrading.poll()
        upgrading.session.webSocketClosed(upgrading.link)
        #expect(upgrading.session.transportName == "polling")
        #expect(parked.response == nil)
        upgrading.session.send([.text("hello")])
        upgrading.loop.run()
        #expect(parked.response?.status == .ok)
        #expect(parked.bodyText == "4hello")
    }

    /// The official suite POSTs a close beside a poll: when the close is read first, that poll
    /// still gets the noop it would have got had it been read first; a later poll gets 400.
    @Test func pollReadAfterTheClientsCloseGetsTheNoopThenTheSessionIsGone() throws {
        let polling = try Upgrading()
        polling.session.receive(.close)
        polling.loop.run()
        let racing = polling.poll()
        polling.loop.run()
        #expect(racing.response?.status == .ok)
        #expect(racing.bodyText == "6")
        let later = polling.poll()
        polling.loop.run()
        #expect(later.response?.status == .badRequest)
    }

    /// A heartbeat or message queued while a poll is held after the probe does not answer that
    /// poll (the official suite expects its noop; under load a ping used to come first): the
    /// poll gets the upgrade's outcome, the packet waits for the WebSocket.
    @Test func packetsQueuedWhileAPollIsHeldDoNotAnswerIt() throws {
        let upgrading = try Upgrading()
        #expect(upgrading.session.beginUpgrade(upgrading.link))
        upgrading.session.receive(.ping("probe"), from: upgrading.link)
        let parked = upgrading.poll()
        upgrading.session.send([.text("hello")])
        upgrading.loop.run()
        #expect(parked.response == nil)
        upgrading.loop.advanceTime(by: upgrading.session.upgradeCheckInterval)
        #expect(parked.response?.status == .ok)
        #expect(parked.bodyText == "6")
    }

    /// The WebSocket's 101 goes out before it is set up; a poll read in between (the client
    /// already sent `2probe` and `5`) is held and refused once the upgrade packet is read.
    @Test func pollReadBetweenTheAcceptedUpgradeAndItsSetUpIsRefused() throws {
        let upgrading = try Upgrading()
        upgrading.session.upgradeWasAccepted()
        let racing = upgrading.poll()
        upgrading.loop.run()
        #expect(racing.response == nil)
        #expect(upgrading.session.beginUpgrade(upgrading.link))
        upgrading.session.receive(.ping("probe"), from: upgrading.link)
        upgrading.session.receive(.upgrade, from: upgrading.link)
        upgrading.loop.run()
        #expect(racing.response?.status == .badRequest)
    }

    /// An accepted upgrade that never sets up: the held poll gets what is queued, and polling
    /// goes on as before.
    @Test func anAcceptedUpgradeThatNeverComesLeavesPollingAsItWas() throws {
        let polling = try Upgrading()
        polling.session.upgradeWasAccepted()
        let held = polling.poll()
        polling.session.send([.text("hello")])
        polling.loop.run()
        #expect(held.response == nil)
        polling.loop.advanceTime(by: polling.session.upgradeCheckInterval)
        #expect(held.bodyText == "4hello")
        let next = polling.poll()
        polling.session.send([.text("again")])
        polling.loop.run()
        #expect(next.bodyText == "4again")
    }
}
