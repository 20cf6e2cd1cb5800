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
            Self.appendInteger(value, to: &output)
        case .double(let value):
            if !value.isFinite {
                output.append(contentsOf: JSONLiterals.null)
            } else if value == value.rounded(), abs(value) < 1e15 {
                Self.appendInteger(Int64(value), to: &output)
            } else {
                output.append(contentsOf: value.description.utf8)
            }
        case .string(let value):
            Self.appendString(value, to: &output)
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
                Self.appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.serialize(into: &output, attachments: &attachments)
            }
            output.append(UInt8(ascii: "}"))
        case .binary(let buffer):
            output.append(contentsOf: JSONLiterals.placeholderPrefix)
            Self.appendInteger(Int64(attachments.count), to: &output)
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

    static func appendInteger(_ value: Int64, to output: inout [UInt8]) {
        if value == 0 {
            output.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64) = (0, 0)  // scratch space for up to 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            while magnitude > 0 {
                scratch[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            if value < 0 { output.append(UInt8(ascii: "-")) }
            for i in stride(from: count - 1, through: 0, by: -1) { output.append(scratch[i]) }
        }
    }

    static func appendString(_ value: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "\\"))
            case 0x0A: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "n"))
            case 0x0D: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "r"))
            case 0x09: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "t"))
            case 0x08: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "b"))
            case 0x0C: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "f"))
            case 0x00..<0x20:
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                output.append(JSONLiterals.hexDigits[Int(byte >> 4)])
                output.append(JSONLiterals.hexDigits[Int(byte & 0xF)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

enum JSONLiterals {
    static let null: [UInt8] = Array("null".utf8)
    static let `true`: [UInt8] = Array("true".utf8)
    static let `false`: [UInt8] = Array("false".utf8)
    static let placeholderPrefix: [UInt8] = Array("{\"_placeholder\":true,\"num\":".utf8)
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
