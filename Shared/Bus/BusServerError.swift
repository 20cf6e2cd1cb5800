/// An `ERROR` reply: a code to decide on and a message for people.
public struct BusServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for programs.
    public var code: BusErrorCode
    /// What went wrong, for logs.
    public var message: String

    public init(_ code: BusErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `["ERROR", message, code]`.
    var frames: [[UInt8]] { [BusReply.errorCommand, Array(message.utf8), Array(code.rawValue.utf8)] }

    public var description: String { "\(message) [\(code.rawValue)]" }
}
