import NIOCore
import NIOHTTPTypes

/// The guards of a listener whose pipeline carries swift-http-types parts (Hummingbird's HTTP/1
/// channel), for its `additionalChannelHandlers`.
public enum HTTPTypesGuards {
    /// A new connection's handlers: the limiter's slot holder and the request deadline handler.
    public static func handlers(limiter: ConnectionLimiter, timeouts: HTTPRequestTimeouts,
                                onTimeout: @escaping @Sendable (HTTPRequestTimeoutKind) -> Void)
        -> [any RemovableChannelHandler]
    {
        [limiter.handler(), HTTPRequestDeadlineHandler<HTTPRequestPart, HTTPResponsePart>(timeouts: timeouts, onTimeout: onTimeout)]
    }
}
