import Synchronization

/// One pending server-initiated acknowledgement: completed once, by the ACK packet, the
/// timeout, cancellation or the socket's disconnection, whichever comes first.
final class SocketIOAckWaiter: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<[JSONValue], any Error>)
        case completed(Result<[JSONValue], SocketIOAckError>)
        case delivered
    }

    private let state = Mutex(State.pending)

    func complete(_ result: Result<[JSONValue], SocketIOAckError>) {
        let continuation = state.withLock { state -> CheckedContinuation<[JSONValue], any Error>? in
            switch state {
            case .pending:
                state = .completed(result)
                return nil
            case .waiting(let continuation):
                state = .delivered
                return continuation
            case .completed, .delivered:
                return nil
            }
        }
        continuation?.resume(with: result.mapError { $0 as any Error })
    }

    func wait() async throws -> [JSONValue] {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<[JSONValue], SocketIOAckError>? in
                switch state {
                case .pending:
                    state = .waiting(continuation)
                    return nil
                case .completed(let result):
                    state = .delivered
                    return result
                case .waiting, .delivered:
                    return .failure(.cancelled)
                }
            }
            if let ready { continuation.resume(with: ready.mapError { $0 as any Error }) }
        }
    }
}
