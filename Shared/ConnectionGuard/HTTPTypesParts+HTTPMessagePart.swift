import NIOHTTPTypes

/// Hummingbird's pipeline carries swift-http-types parts; the request deadline handler only
/// needs to tell heads and ends.
extension HTTPRequestPart: HTTPMessagePart {
    public var isHead: Bool {
        if case .head = self { return true }
        return false
    }

    public var isEnd: Bool {
        if case .end = self { return true }
        return false
    }
}

extension HTTPResponsePart: HTTPMessagePart {
    public var isHead: Bool {
        if case .head = self { return true }
        return false
    }

    public var isEnd: Bool {
        if case .end = self { return true }
        return false
    }
}
