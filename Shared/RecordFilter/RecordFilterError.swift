/// Why a filter was refused: a code, the byte position and a message for people.
public struct RecordFilterError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case tooLong = "too-long"
        case tooDeep = "too-deep"
        case tooManyNodes = "too-many-nodes"
        case tooManyItems = "too-many-items"
        case syntax = "syntax"
        case unknownField = "unknown-field"
        case badOperand = "bad-operand"
    }

    public var code: Code
    public var position: Int
    public var message: String

    public init(_ code: Code, at position: Int, _ message: String) {
        self.code = code
        self.position = position
        self.message = message
    }

    public var description: String { "invalid filter at byte \(position): \(message)" }
}
