/// Parsing of the query part of a request URI (`EIO=4&transport=polling&sid=...`).
enum EngineQueryString {
    /// Splits a URI into its path and its decoded query parameters (the last value wins).
    static func split(uri: String) -> (path: String, query: [String: String]) {
        guard let mark = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (uri, [:]) }
        let path = String(uri[..<mark])
        let queryText = uri.utf8[uri.utf8.index(after: mark)...]
        var query: [String: String] = [:]
        for pair in queryText.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                let name = percentDecode(pair[pair.startIndex..<equals])
                let value = percentDecode(pair[pair.index(after: equals)...])
                query[name] = value
            } else {
                query[percentDecode(pair)] = ""
            }
        }
        return (path, query)
    }

    /// Decodes `%XX` escapes and `+` (as a space); invalid escapes are kept as they are.
    static func percentDecode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        guard bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"),
               let first = bytes.index(index, offsetBy: 1, limitedBy: bytes.endIndex), first != bytes.endIndex,
               let second = bytes.index(first, offsetBy: 1, limitedBy: bytes.endIndex), second != bytes.endIndex,
               let high = hexValue(bytes[first]), let low = hexValue(bytes[second]) {
                output.append(high << 4 | low)
                index = bytes.index(after: second)
                continue
            }
            output.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = bytes.index(after: index)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
