import JSON
import Avro

/// Writes one flat or nested JSON object into a byte buffer, field by field, without
/// Foundation (the demo producer writes records at high rates).
struct JSONObjectWriter {
    private(set) var bytes: [UInt8]
    private var needsComma = false

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    mutating func field(_ name: String, _ value: Int) {
        key(name)
        JSONText.appendInteger(Int64(value), to: &bytes)
    }

    mutating func field(_ name: String, _ value: Double) {
        key(name)
        JSONText.appendDouble(value, to: &bytes)
    }

    mutating func field(_ name: String, _ value: String) {
        key(name)
        JSONText.appendString(value, to: &bytes)
    }

    mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: value ? Self.trueText : Self.falseText)
    }

    /// A field whose value is JSON text already (an object or array).
    mutating func field(_ name: String, json: [UInt8]) {
        key(name)
        bytes.append(contentsOf: json)
    }

    /// A field holding an array of JSON texts.
    mutating func field(_ name: String, jsonArray elements: [[UInt8]]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: element)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Closes the object and returns its bytes.
    consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private mutating func key(_ name: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        JSONText.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private static let trueText: [UInt8] = Array("true".utf8)
    private static let falseText: [UInt8] = Array("false".utf8)
}
