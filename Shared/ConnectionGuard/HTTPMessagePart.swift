import NIOHTTP1

/// A part of an HTTP message as a pipeline carries it: the deadline handler only needs to know
/// heads and ends. NIOHTTP1's parts conform; other codecs' parts can too.
public protocol HTTPMessagePart: SendableMetatype {
    /// The part is a message head.
    var isHead: Bool { get }
    /// The part is a message end.
    var isEnd: Bool { get }
}

extension HTTPPart: HTTPMessagePart {
    public var isHead: Bool {
        if case .head = self { return true }
        return false
    }

    public var isEnd: Bool {
        if case .end = self { return true }
        return false
    }
}
