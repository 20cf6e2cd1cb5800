/// Why JSON text does not follow ``JSONPolicy``: the byte offset and a code.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable {
        case unexpectedEnd = "unexpected end of input"
        case unexpectedCharacter = "unexpected character"
        case invalidLiteral = "invalid literal"
        case tooDeep = "nesting too deep"
        case expectedMemberName = "expected a member name"
        case expectedColon = "expected ':'"
        case expectedCommaOrEnd = "expected ',' or the end of the array or object"
        case controlCharacterInString = "control character in string"
        case invalidEscape = "invalid escape"
        case invalidUnicodeEscape = "invalid \\u escape"
        case invalidUTF8 = "invalid UTF-8"
        case invalidNumber = "invalid number"
        case trailingData = "unexpected data after the value"
        case unexpectedType = "unexpected type of value"
    }

    /// Byte offset in the input where the problem was found.
    public var offset: Int
    /// What is wrong.
    public var code: Code

    /// Creates an error at `offset`.
    public init(_ code: Code, at offset: Int) {
        self.offset = offset
        self.code = code
    }

    /// The reason and offset, for logs and error bodies.
    public var description: String { "invalid JSON at byte \(offset): \(code.rawValue)" }
}
