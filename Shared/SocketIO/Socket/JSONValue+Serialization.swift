import JSON
import NIOCore

extension JSONValue {
    /// Appends the JSON text of this value to `output`.
    ///
    /// Binary attachments are appended to `attachments` and written as Socket.IO placeholders
    /// (`{"_placeholder":true,"num":n}`, n counting from the attachments already present).
    /// `.raw` bytes are copied verbatim. Non-finite doubles are written as `null` (as JavaScript
    /// does).
    public func serialize(into output: inout [UInt8], attachments: inout [ByteBuffer]) {
        switch self {
        case .null:
            output.append(contentsOf: JSONLiterals.null)
        case .bool(let value):
            output.append(contentsOf: value ? JSONLiterals.true : JSONLiterals.false)
        case .int(let value):
            JSONText.appendInteger(value, to: &output)
        case .double(let value):
            if !value.isFinite {
                output.append(contentsOf: JSONLiterals.null)
            } else if value == value.rounded(), abs(value) < 1e15 {
                JSONText.appendInteger(Int64(value), to: &output)
            } else {
                output.append(contentsOf: value.description.utf8)
            }
        case .string(let value):
            JSONText.appendString(value, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                element.serialize(into: &output, attachments: &attachments)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.serialize(into: &output, attachments: &attachments)
            }
            output.append(UInt8(ascii: "}"))
        case .binary(let buffer):
            output.append(contentsOf: JSONLiterals.placeholderPrefix)
            JSONText.appendInteger(Int64(attachments.count), to: &output)
            output.append(UInt8(ascii: "}"))
            attachments.append(buffer)
        case .raw(let bytes):
            output.append(contentsOf: bytes)
        }
    }

    /// The JSON text of this value (binary attachments appear as placeholders).
    public var jsonText: String {
        var output: [UInt8] = []
        var attachments: [ByteBuffer] = []
        serialize(into: &output, attachments: &attachments)
        return String(decoding: output, as: UTF8.self)
    }
}

enum JSONLiterals {
    static let null: [UInt8] = Array("null".utf8)
    static let `true`: [UInt8] = Array("true".utf8)
    static let `false`: [UInt8] = Array("false".utf8)
    static let placeholderPrefix: [UInt8] = Array("{\"_placeholder\":true,\"num\":".utf8)
}
