import NIOCore

/// The deadline of an HTTP/1 connection, as a pure state machine: events from the connection
/// (its start, a request's head and end, an answer's end, the clock) return what to do.
///
/// A connection waiting for a request must complete its head within `timeouts.head`; a request
/// whose head arrived must complete its body within `timeouts.body`. While a request is being
/// answered (a parked long poll included) no deadline runs.
public struct HTTPRequestDeadline: Sendable {
    /// What the connection is doing.
    public enum Phase: Sendable, Equatable {
        /// Waiting for a request's head, which is due at `due`.
        case awaitingHead(due: NIODeadline)
        /// Reading a request's body, due at `due`.
        case readingBody(due: NIODeadline)
        /// A request was read and is being answered.
        case answering
        /// The deadline passed; the connection is closed.
        case expired
    }

    /// What the I/O layer does after an event.
    public enum Action: Sendable, Equatable {
        /// Schedule a check at this time (replacing any earlier one).
        case schedule(NIODeadline)
        /// Cancel the scheduled check.
        case cancel
        /// Close the connection: it missed its deadline.
        case close(HTTPRequestTimeoutKind)
        /// Nothing to do.
        case none
    }

    /// The timeouts applied.
    public let timeouts: HTTPRequestTimeouts
    /// Where the connection is.
    public private(set) var phase: Phase

    /// A connection that started at `now`, awaiting its first request.
    public init(timeouts: HTTPRequestTimeouts, now: NIODeadline) {
        self.timeouts = timeouts
        self.phase = .awaitingHead(due: now + timeouts.head)
    }

    /// The check to schedule for the connection's start.
    public var initialAction: Action {
        if case .awaitingHead(let due) = phase { return .schedule(due) }
        return .none
    }

    /// A request's head arrived.
    public mutating func headReceived(now: NIODeadline) -> Action {
        guard case .awaitingHead = phase else { return .none }
        let due = now + timeouts.body
        phase = .readingBody(due: due)
        return .schedule(due)
    }

    /// A request's end arrived: it is answered now, with no deadline.
    public mutating func endReceived() -> Action {
        switch phase {
        case .awaitingHead, .readingBody:
            phase = .answering
            return .cancel
        case .answering, .expired:
            return .none
        }
    }

    /// An answer's end was written: the next request is awaited.
    public mutating func answerSent(now: NIODeadline) -> Action {
        guard case .answering = phase else { return .none }
        let due = now + timeouts.head
        phase = .awaitingHead(due: due)
        return .schedule(due)
    }

    /// The scheduled check runs.
    public mutating func check(now: NIODeadline) -> Action {
        switch phase {
        case .awaitingHead(let due) where now >= due:
            phase = .expired
            return .close(.head)
        case .readingBody(let due) where now >= due:
            phase = .expired
            return .close(.body)
        case .awaitingHead(let due), .readingBody(let due):
            return .schedule(due)
        case .answering, .expired:
            return .none
        }
    }
}
