/// Random JSON texts that reach the corners of the grammar: numbers beyond `Double`, lone and
/// paired surrogate escapes, raw non-ASCII text, every escape, deep nesting, odd whitespace.
public struct RandomJSONText {
    /// The deepest nesting generated (past ``maximumDepth`` only when asked).
    public var maximumDepth: Int

    public init(maximumDepth: Int = 8) {
        self.maximumDepth = maximumDepth
    }

    private static let numbers = [
        "0", "-0", "1", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "123456789012345678901234567890", "1e400", "-1E+999", "1e-400", "0.5", "-12.25e-3", "1.7976931348623157e308",
        "2.5E3", "0e0",
    ]
    private static let strings = [
        #""""#, #""plain""#, #""\ud800""#, #""\udc00x""#, #""\ud83d\ude00""#, #""\ud83d\ud83d\ude00""#, #""\u0000\u001f""#,
        #""\"\\\/\b\f\n\r\t""#, "\"é😀€\"", "\"\u{7F}\"", #""\uFFFF\uFFFE""#, #""a\u00e9b""#,
    ]
    private static let whitespace = ["", " ", "\t", "\n", "\r\n", "  "]

    /// One JSON text, an object at the top when `object`.
    public func text(object: Bool, using random: inout SplitMix64) -> [UInt8] {
        var output = ""
        if object {
            appendObject(depth: 1, to: &output, using: &random)
        } else {
            appendValue(depth: 0, to: &output, using: &random)
        }
        return Array(output.utf8)
    }

    /// `levels` nested arrays around a number (deeper than the policy allows when asked).
    public static func nested(_ levels: Int) -> [UInt8] {
        Array((String(repeating: "[", count: levels) + "1" + String(repeating: "]", count: levels)).utf8)
    }

    private func space(_ random: inout SplitMix64) -> String { Self.whitespace.randomElement(using: &random)! }

    private func appendValue(depth: Int, to output: inout String, using random: inout SplitMix64) {
        output += space(&random)
        let choice = depth >= maximumDepth ? Int.random(in: 0..<4, using: &random) : Int.random(in: 0..<6, using: &random)
        switch choice {
        case 0: output += Self.numbers.randomElement(using: &random)!
        case 1: output += Self.strings.randomElement(using: &random)!
        case 2: output += ["true", "false", "null"].randomElement(using: &random)!
        case 3: output += "\"" + String(repeating: "x", count: Int.random(in: 0..<20, using: &random)) + "\""
        case 4: appendObject(depth: depth + 1, to: &output, using: &random)
        default:
            output += "["
            let count = Int.random(in: 0..<4, using: &random)
            for index in 0..<count {
                if index > 0 { output += "," }
                appendValue(depth: depth + 1, to: &output, using: &random)
            }
            output += space(&random) + "]"
        }
        output += space(&random)
    }

    private func appendObject(depth: Int, to output: inout String, using random: inout SplitMix64) {
        output += "{"
        let count = Int.random(in: 0..<5, using: &random)
        for index in 0..<count {
            if index > 0 { output += "," }
            output += space(&random)
            output += ["\"timestamp\"", "\"merchant_id\"", "\"v\"", "\"\\ud800k\"", "\"k\(index)\"", "\"é\""]
                .randomElement(using: &random)!
            output += space(&random) + ":"
            appendValue(depth: depth, to: &output, using: &random)
        }
        output += space(&random) + "}"
    }
}
