import NIOCore

/// JSONP long-polling (the `j` query parameter), as engine.io 3.x's `polling-jsonp` transport
/// serves it to clients that cannot use XHR (old browsers, cross-domain without CORS).
///
/// - A session is JSONP when its handshake request carries `j`; its index is `j` with every
///   non-digit removed, and every later poll of the session is answered that way.
/// - `GET` answers are JavaScript: `___eio[<j>]("<payload>");`, the payload a JSON string
///   literal (as `JSON.stringify`, plus `\u2028` and `\u2029` escaped so it is valid
///   JavaScript), `Content-Type: text/javascript; charset=UTF-8`. Payloads are always text
///   (binary as base64), since a JavaScript string cannot carry raw bytes.
/// - `POST` bodies are form-encoded, `d=<payload>`. Browsers turn `\n` in a form field into
///   `\r\n`, so the client sends newlines as `\n` (backslash, n) and an escaped `\n` as `\\n`;
///   the server turns `\n` into a newline and then `\\n` into `\n`. A body without a single
///   `d` field is ignored (answered `ok`), as the reference server does.
enum EngineJSONP {
    /// The content type of `GET` answers.
    static let contentType = "text/javascript; charset=UTF-8"

    /// The callback index of a handshake's query (`j` with non-digits removed), nil if the
    /// request is not JSONP.
    static func callbackIndex(query: [String: String]) -> String? {
        guard let j = query["j"] else { return nil }
        return String(j.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }.map(Character.init))
    }

    /// Wraps a text polling payload as `___eio[<index>]("<escaped payload>");`.
    static func wrap(_ payload: ByteBuffer, index: String) -> ByteBuffer {
        var output = ByteBuffer()
        output.reserveCapacity(payload.readableBytes + payload.readableBytes / 8 + index.utf8.count + 12)
        output.writeString("___eio[")
        output.writeString(index)
        output.writeString("](\"")
        let hex = Array("0123456789abcdef".utf8)
        var bytes = payload.readableBytesView[...]
        while let byte = bytes.first {
            bytes = bytes.dropFirst()
            switch byte {
            case UInt8(ascii: "\""): output.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): output.writeStaticString("\\\\")
            case 0x08: output.writeStaticString("\\b")
            case 0x0C: output.writeStaticString("\\f")
            case 0x0A: output.writeStaticString("\\n")
            case 0x0D: output.writeStaticString("\\r")
            case 0x09: output.writeStaticString("\\t")
            case 0x00..<0x20:
                output.writeStaticString("\\u00")
                output.writeInteger(hex[Int(byte >> 4)])
                output.writeInteger(hex[Int(byte & 0x0F)])
            case 0xE2 where bytes.count >= 2 && bytes[bytes.startIndex] == 0x80
                && (bytes[bytes.startIndex + 1] == 0xA8 || bytes[bytes.startIndex + 1] == 0xA9):
                // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR end a JavaScript line.
                output.writeStaticString(bytes[bytes.startIndex + 1] == 0xA8 ? "\\u2028" : "\\u2029")
                bytes = bytes.dropFirst(2)
            default: output.writeInteger(byte)
            }
        }
        output.writeString("\");")
        return output
    }

    /// The payload of a form-encoded `POST` body (`d=...`), unescaped; nil if the body has no
    /// `d` field or more than one.
    static func payload(fromFormBody body: ByteBuffer) -> ByteBuffer? {
        var value: String?
        for pair in body.readableBytesView.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = EngineQueryString.percentDecode(pair[pair.startIndex..<(equals ?? pair.endIndex)])
            guard name == "d" else { continue }
            if value != nil { return nil }
            value = equals.map { EngineQueryString.percentDecode(pair[pair.index(after: $0)...]) } ?? ""
        }
        guard let value else { return nil }
        return unescapeNewlines(Array(value.utf8))
    }

    /// `\n` (backslash, n) becomes a newline, then `\\n` becomes `\n`: the two replacements of
    /// the reference server, in its order.
    static func unescapeNewlines(_ text: [UInt8]) -> ByteBuffer {
        let backslash = UInt8(ascii: "\\")
        let n = UInt8(ascii: "n")
        guard text.contains(backslash) else { return ByteBuffer(bytes: text) }
        // 1: `(\\)?\\n` → a match with the leading backslash stays, `\n` becomes a newline.
        var first: [UInt8] = []
        first.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == backslash {
                if index + 2 < text.count, text[index + 1] == backslash, text[index + 2] == n {
                    first.append(contentsOf: text[index...(index + 2)])
                    index += 3
                    continue
                }
                if index + 1 < text.count, text[index + 1] == n {
                    first.append(0x0A)
                    index += 2
                    continue
                }
            }
            first.append(text[index])
            index += 1
        }
        // 2: `\\\\n` → `\\n`.
        var output = ByteBuffer()
        output.reserveCapacity(first.count)
        index = 0
        while index < first.count {
            if index + 2 < first.count, first[index] == backslash, first[index + 1] == backslash, first[index + 2] == n {
                output.writeInteger(backslash)
                output.writeInteger(n)
                index += 3
                continue
            }
            output.writeInteger(first[index])
            index += 1
        }
        return output
    }
}
