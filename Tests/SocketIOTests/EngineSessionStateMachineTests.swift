import NIOCore
@testable import SocketIO
import Testing

/// The session's decisions alone: no loop, no socket, no clock but the deadlines the tests pass.
@Suite("Engine.IO session state machine")
struct EngineSessionStateMachineTests {
    final class Link {}

    final class Poll: EnginePollIdentity {
        func isSame(as other: Poll) -> Bool { self === other }
    }

    typealias Machine = EngineSessionStateMachine<Link, Poll>

    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func machine(_ version: EngineProtocolVersion = .v4, webSocket: Link? = nil,
                        _ change: (inout EngineIOConfiguration) -> Void = { _ in }) -> Machine {
        var configuration = EngineIOConfiguration()
        change(&configuration)
        return Machine(protocolVersion: version, supportsBinary: true, webSocket: webSocket,
                       configuration: configuration, now: start)
    }

    static func text(_ packets: [EnginePacket]) -> [String] {
        packets.map { packet in
            if case .message(.text(let text)) = packet { return text }
            return "\(packet)"
        }
    }

    @Test func theFirstSendSchedulesOneFlushAndTheBoundClosesASlowConsumer() {
        var machine = Self.machine { $0.maxQueuedMessages = 2 }
        guard case .queued(flush: .polling) = machine.enqueue(.messages([.text("a")], byteCount: 2)) else {
            Issue.record("the first send schedules the polling flush"); return
        }
        guard case .queued(flush: nil) = machine.enqueue(.messages([.text("b")], byteCount: 2)) else {
            Issue.record("the second send rides on the scheduled flush"); return
        }
        guard case .overLimit(2, 4) = machine.enqueue(.messages([.text("c")], byteCount: 2)) else {
            Issue.record("past the bound the session must close"); return
        }
        _ = machine.close(reason: .slowConsumer)
        guard case .closed = machine.enqueue(.messages([.text("d")], byteCount: 2)) else {
            Issue.record("nothing is queued once closed"); return
        }
    }

    @Test func aHeldPollIsAnsweredByTheFlushAndASecondPollIsRefused() {
        var machine = Self.machine()
        let poll = Poll()
        guard case .parked = machine.poll(poll, isOnLinkLoop: { _ in true }) else { Issue.record("held"); return }
        guard case .refuseAndClose(.badRequest, _) = machine.poll(Poll(), isOnLinkLoop: { _ in true }) else {
            Issue.record("overlapping polls close the session"); return
        }
        _ = machine.enqueue(.messages([.text("hello")], byteCount: 6))
        let flushed = machine.takePollingFlush()
        #expect(flushed?.poll === poll)
        #expect(Self.text(flushed?.packets ?? []) == ["hello"])
        #expect(!machine.hasPendingPoll)
    }

    @Test func aPollResponseStopsAtThePacketCapAndTheRestWaitsInOrder() {
        var machine = Self.machine { $0.maxPollingResponsePackets = 3 }
        for index in 0..<7 { _ = machine.enqueue(.messages([.text("\(index)")], byteCount: 2)) }
        var answered: [[String]] = []
        for _ in 0..<3 {
            guard case .answer(let packets) = machine.poll(Poll(), isOnLinkLoop: { _ in true }) else {
                Issue.record("queued packets answer at once"); return
            }
            answered.append(Self.text(packets))
        }
        #expect(answered == [["0", "1", "2"], ["3", "4", "5"], ["6"]])
    }

    /// Issue 15's orders, decided by the machine alone: a poll read after the probe waits for
    /// the WebSocket; `5` refuses it and moves what was queued over to the WebSocket.
    @Test func aPollAfterTheProbeIsRefusedByTheUpgradeAndQueuedPacketsMoveOver() {
        var machine = Self.machine()
        let link = Link()
        let began = machine.beginUpgrade(link)
        #expect(began)
        guard case .answerProbe(releasing: nil) = machine.webSocketPacket(.ping("probe"), from: link) else {
            Issue.record("the probe is answered"); return
        }
        let poll = Poll()
        guard case .decideOnLinkLoop(let decidingLink) = machine.poll(poll, isOnLinkLoop: { _ in false }),
              decidingLink === link else {
            Issue.record("decided on the WebSocket's loop"); return
        }
        guard case .parkedForUpgrade(checkOn: let checkLink?) = machine.poll(poll, isOnLinkLoop: { _ in true }),
              checkLink === link else {
            Issue.record("held until the upgrade is decided"); return
        }
        _ = machine.enqueue(.messages([.text("meanwhile")], byteCount: 10))
        let flushed = machine.takePollingFlush()
        #expect(flushed == nil, "a poll held for the upgrade is not answered by packets")
        guard case .upgraded(poll: let refused?, refusePoll: true, flush: true) = machine.webSocketPacket(.upgrade, from: link),
              refused === poll else {
            Issue.record("the upgrade refuses the held poll"); return
        }
        #expect(machine.transportName == "websocket")
        var drain: [ByteBuffer] = []
        guard case .writeDrained = machine.nextWebSocketWrite(on: link, isWritable: true, now: Self.start, into: &drain) else {
            Issue.record("the moved packet is written"); return
        }
        #expect(drain.count == 1 && String(buffer: drain[0]).hasSuffix("4meanwhile"))
        let released = machine.releaseParkedPoll(poll)
        #expect(released == nil, "a late check finds nothing to release")
    }

    @Test func aPollAfterTheProbeStaysAPollWhenTheWebSocketGoesAway() {
        var machine = Self.machine()
        let link = Link()
        let began = machine.beginUpgrade(link)
        #expect(began)
        _ = machine.webSocketPacket(.ping("probe"), from: link)
        let poll = Poll()
        _ = machine.poll(poll, isOnLinkLoop: { _ in true })
        let end = machine.webSocketEnded(link)
        #expect(!end.wasTransport && end.flushPolling)
        _ = machine.enqueue(.messages([.text("hello")], byteCount: 6))
        let flushed = machine.takePollingFlush()
        #expect(Self.text(flushed?.packets ?? []) == ["hello"])
    }

    @Test func aPollWithoutUpgradeIsReleasedWithANoop() throws {
        var machine = Self.machine()
        let link = Link()
        let began = machine.beginUpgrade(link)
        #expect(began)
        _ = machine.webSocketPacket(.ping("probe"), from: link)
        let poll = Poll()
        _ = machine.poll(poll, isOnLinkLoop: { _ in true })
        let other = machine.releaseParkedPoll(Poll())
        #expect(other == nil, "another poll's timer releases nothing")
        let released = machine.releaseParkedPoll(poll)
        let packets = try #require(released)
        guard case .noop = try #require(packets.first) else { Issue.record("a noop"); return }
    }

    @Test func aGracefulCloseOfAPollingSessionLeavesTheCloseForTheNextPoll() {
        var machine = Self.machine()
        _ = machine.enqueue(.messages([.text("last")], byteCount: 5))
        let closing = machine.close(reason: .serverClose)
        #expect(closing?.keepForFinalPoll == true)
        let again = machine.close(reason: .serverClose)
        #expect(again == nil, "closed once")
        guard case .answerFinal(let packets) = machine.poll(Poll(), isOnLinkLoop: { _ in true }) else {
            Issue.record("the next poll collects the last packets"); return
        }
        #expect(Self.text(packets) == ["last", "close"])
        guard case .refuse(.unknownSessionID) = machine.poll(Poll(), isOnLinkLoop: { _ in true }) else {
            Issue.record("then the session is unknown"); return
        }
    }

    @Test func aClientCloseAnswersTheHeldPollWithANoop() throws {
        var machine = Self.machine()
        let poll = Poll()
        _ = machine.poll(poll, isOnLinkLoop: { _ in true })
        _ = machine.enqueue(.messages([.text("dropped")], byteCount: 8))
        let closed = machine.close(reason: .clientClose)
        let closing = try #require(closed)
        #expect(closing.poll === poll)
        #expect(Self.text(closing.pollPackets) == ["noop"])
    }

    /// v4: the pong is due `pingTimeout` after the ping was due, however late the timer ran.
    @Test func thePongDeadlineCountsFromWhenThePingWasDue() {
        var machine = Self.machine(.v4) { $0.pingInterval = .seconds(25); $0.pingTimeout = .seconds(20) }
        let due = Self.start + .seconds(25)
        machine.pingScheduled(at: due)
        #expect(!machine.heartbeatExpired(at: due + .seconds(60)), "no ping sent, nothing awaited")
        let pongDue = machine.pingSent()
        #expect(pongDue == due + .seconds(20))
        #expect(!machine.heartbeatExpired(at: due + .seconds(20) - .nanoseconds(1)))
        #expect(machine.heartbeatExpired(at: due + .seconds(20)))
        let awaited = machine.pongReceived()
        let unasked = machine.pongReceived()
        #expect(awaited)
        #expect(!unasked, "an unasked pong schedules nothing")
        #expect(!machine.heartbeatExpired(at: due + .seconds(60)))
    }

    /// v3: the client must show a sign of life within `pingInterval + pingTimeout`.
    @Test func aV3SessionExpiresAfterPingIntervalPlusTimeoutOfSilence() {
        var machine = Self.machine(.v3) { $0.pingInterval = .seconds(25); $0.pingTimeout = .seconds(20) }
        #expect(!machine.heartbeatExpired(at: Self.start + .seconds(44)))
        machine.clientActivity(at: Self.start + .seconds(40))
        #expect(!machine.heartbeatExpired(at: Self.start + .seconds(84)))
        #expect(machine.heartbeatExpired(at: Self.start + .seconds(85)))
    }

    /// Paced mode writes one unit per spacing, asking to come back when it is early.
    @Test func pacedWritesAreSpacedOnTheClockTheyAreGiven() {
        let link = Link()
        var machine = Self.machine(webSocket: link) { $0.webSocketWriteSpacing = .milliseconds(10) }
        for text in ["a", "b"] { _ = machine.enqueue(.messages([.text(text)], byteCount: 2)) }
        var drain: [ByteBuffer] = []
        guard case .writePaced(_, nextIn: let next) = machine.nextWebSocketWrite(
            on: link, isWritable: true, now: Self.start, into: &drain), next == .milliseconds(10) else {
            Issue.record("one unit now, the next in 10 ms"); return
        }
        guard case .retry(in: let wait) = machine.nextWebSocketWrite(
            on: link, isWritable: true, now: Self.start + .milliseconds(6), into: &drain), wait == .milliseconds(4) else {
            Issue.record("too early: come back when due"); return
        }
        guard case .writePaced(_, nextIn: nil) = machine.nextWebSocketWrite(
            on: link, isWritable: true, now: Self.start + .milliseconds(10), into: &drain) else {
            Issue.record("the last unit"); return
        }
        guard case .done = machine.nextWebSocketWrite(on: link, isWritable: true, now: Self.start + .seconds(1), into: &drain) else {
            Issue.record("nothing left"); return
        }
    }

    @Test func anUnwritableOrStaleLinkWritesNothing() {
        let link = Link()
        var machine = Self.machine(webSocket: link)
        _ = machine.enqueue(.messages([.text("a")], byteCount: 2))
        var drain: [ByteBuffer] = []
        guard case .done = machine.nextWebSocketWrite(on: Link(), isWritable: true, now: Self.start, into: &drain),
              case .done = machine.nextWebSocketWrite(on: link, isWritable: false, now: Self.start, into: &drain) else {
            Issue.record("nothing written"); return
        }
        #expect(drain.isEmpty && machine.hasQueuedFrames)
        guard case .queued(flush: nil) = machine.enqueue(.messages([.text("b")], byteCount: 2)) else {
            Issue.record("an unwritable link stays scheduled: its writability change resumes it"); return
        }
    }
}
