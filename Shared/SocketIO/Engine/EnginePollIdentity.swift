import NIOCore

/// What ``EngineSessionStateMachine`` needs of a `GET` poll it holds: telling two requests
/// apart (a late timer or a closed connection must act on its own poll only).
protocol EnginePollIdentity {
    /// Whether `other` is this very request.
    func isSame(as other: Self) -> Bool
}

extension EventLoopPromise: EnginePollIdentity where Value == EngineHTTPResponse {
    func isSame(as other: EventLoopPromise<EngineHTTPResponse>) -> Bool {
        futureResult === other.futureResult
    }
}
