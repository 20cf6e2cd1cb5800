import NIOCore
import Testing
@testable import SocketIO

@Suite("Engine.IO packet and payload codecs")
struct EngineCodecTests {
    @Test func v4PayloadRoundTrip() throws {
        let body = ByteBuffer(string: "4hello\u{1e}bAQIDBA==\u{1e}2")
        let packets = try EnginePollingPayload.decode(body, version: .v4, isBinary: false)
        #expect(packets == [.message(.text("hello")), .message(.binary(ByteBuffer(bytes: [1, 2, 3, 4]))), .ping(nil)])
        let (encoded, contentType) = EnginePollingPayload.encode(packets, version: .v4, supportsBinary: true)
        #expect(encoded == body)
        #expect(contentType.hasPrefix("text/plain"))
    }

    @Test func v3TextPayloadCountsUTF16CodeUnits() throws {
        // "€" is one UTF-16 unit (3 UTF-8 bytes), "😀" is two UTF-16 units (4 UTF-8 bytes).
        let packets: [EnginePacket] = [.message(.text("€")), .message(.text("a😀b")), .pong("probe")]
        let (encoded, _) = EnginePollingPayload.encode(packets, version: .v3, supportsBinary: false)
        #expect(String(buffer: encoded) == "2:4€5:4a😀b6:3probe")
        #expect(try EnginePollingPayload.decode(encoded, version: .v3, isBinary: false) == packets)
    }

    @Test func v3TextPayloadWithBase64Binary() throws {
        let packets: [EnginePacket] = [.message(.binary(ByteBuffer(bytes: [1, 2, 3, 4]))), .message(.text("x"))]
        let (encoded, contentType) = EnginePollingPayload.encode(packets, version: .v3, supportsBinary: false)
        #expect(String(buffer: encoded) == "10:b4AQIDBA==2:4x")
        #expect(contentType.hasPrefix("text/plain"))
        #expect(try EnginePollingPayload.decode(encoded, version: .v3, isBinary: false) == packets)
    }

    @Test func v3BinaryPayloadFraming() throws {
        let packets: [EnginePacket] = [.message(.text("é")), .message(.binary(ByteBuffer(bytes: [9, 8])))]
        let (encoded, contentType) = EnginePollingPayload.encode(packets, version: .v3, supportsBinary: true)
        #expect(contentType == "application/octet-stream")
        // string: marker 0, length 3 (UTF-8 bytes of "4é") as digits, 0xFF, bytes;
        // binary: marker 1, length 3 (type byte + 2), 0xFF, 0x04, data.
        #expect(Array(encoded.readableBytesView) == [0, 3, 0xFF, 0x34, 0xC3, 0xA9, 1, 3, 0xFF, 4, 9, 8])
        #expect(try EnginePollingPayload.decode(encoded, version: .v3, isBinary: true) == packets)
    }

    /// Text with accents, a degree sign, a check mark, CJK, an emoji (a surrogate pair in
    /// UTF-16) and U+2028: 23 characters, 27 UTF-16 units, 38 UTF-8 bytes.
    static let unicodeRecord = "Kühlbetrieb 8 °C ✓ 日本 😀\u{2028}x"

    static func bytes(hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    /// engine.io-parser 2.2.1 `encodePayloadAsBinary` of [message(unicodeRecord), message("é")]
    /// (node, the reference's own code): byte lengths, UTF-8 bytes.
    static let referenceBinaryPayload = bytes(hex:
        "000309ff344bc3bc686c62657472696562203820c2b04320e29c9320e697a5e69cac20f09f9880e280a878"
        + "0003ff34c3a9")
    /// engine.io-parser 2.2.1 `encodePayload(packets, false)` of the same packets, as UTF-8 on the
    /// wire: lengths in UTF-16 units (`27:`, `2:`).
    static let referenceTextPayload = bytes(hex:
        "32373a344bc3bc686c62657472696562203820c2b04320e29c9320e697a5e69cac20f09f9880e280a878"
        + "323a34c3a9")

    @Test func v3ClientsWithoutB64GetTheBinaryFramingForTextOnlyPayloads() throws {
        let packets: [EnginePacket] = [.message(.text(Self.unicodeRecord)), .message(.text("é"))]
        let (encoded, contentType) = EnginePollingPayload.encode(packets, version: .v3, supportsBinary: true)
        #expect(contentType == "application/octet-stream")
        #expect(Array(encoded.readableBytesView) == Self.referenceBinaryPayload)
        #expect(try EnginePollingPayload.decode(encoded, version: .v3, isBinary: true) == packets)
    }

    @Test func v3B64ClientsGetTheTextFramingWithUTF16Lengths() throws {
        let packets: [EnginePacket] = [.message(.text(Self.unicodeRecord)), .message(.text("é"))]
        let (encoded, contentType) = EnginePollingPayload.encode(packets, version: .v3, supportsBinary: false)
        #expect(contentType == "text/plain; charset=UTF-8")
        #expect(Array(encoded.readableBytesView) == Self.referenceTextPayload)
        #expect(try EnginePollingPayload.decode(encoded, version: .v3, isBinary: false) == packets)
    }

    @Test func v3DecoderReadsReferencePostBodiesInBothFramings() throws {
        // engine.io-parser 2.2.1 encodePayloadAsBinary of [message(unicodeRecord), message(<09 08>)].
        let mixed = Self.bytes(hex:
            "000309ff344bc3bc686c62657472696562203820c2b04320e29c9320e697a5e69cac20f09f9880e280a878"
            + "0103ff040908")
        #expect(try EnginePollingPayload.decode(ByteBuffer(bytes: mixed), version: .v3, isBinary: true) == [
            .message(.text(Self.unicodeRecord)), .message(.binary(ByteBuffer(bytes: [9, 8]))),
        ])
        #expect(try EnginePollingPayload.decode(
            ByteBuffer(bytes: Self.referenceTextPayload), version: .v3, isBinary: false) == [
            .message(.text(Self.unicodeRecord)), .message(.text("é")),
        ])
        // A length that counts UTF-8 bytes instead of UTF-16 units overruns the text payload.
        #expect(throws: EnginePacket.DecodingError.self) {
            try EnginePollingPayload.decode(ByteBuffer(string: "9:4ü😀2:4é"), version: .v3, isBinary: false)
        }
    }

    @Test func payloadSizesMatchTheEncoding() {
        let packets: [EnginePacket] = [
            .open(#"{"sid":"x"}"#), .message(.text(Self.unicodeRecord)), .message(.binary(ByteBuffer(bytes: [1, 2, 3, 4]))),
            .ping("probe"), .noop,
        ]
        for (version, supportsBinary) in [(EngineProtocolVersion.v4, true), (.v3, false), (.v3, true)] {
            let whole = EnginePollingPayload.encode(packets, version: version, supportsBinary: supportsBinary).body
            let sum = packets.map { EnginePollingPayload.encodedSize($0, version: version, supportsBinary: supportsBinary) }
                .reduce(0, +) + (version == .v4 ? packets.count - 1 : 0)
            #expect(sum == whole.readableBytes, "\(version) binary: \(supportsBinary)")
            #expect(EnginePollingPayload.countFitting(
                packets, version: version, supportsBinary: supportsBinary, limit: whole.readableBytes) == packets.count)
            #expect(EnginePollingPayload.countFitting(
                packets, version: version, supportsBinary: supportsBinary, limit: whole.readableBytes - 1) == packets.count - 1)
            // One packet over the limit still goes out alone.
            #expect(EnginePollingPayload.countFitting(
                packets, version: version, supportsBinary: supportsBinary, limit: 1) == 1)
        }
    }

    @Test func malformedPayloadsThrow() {
        #expect(throws: EnginePacket.DecodingError.self) {
            try EnginePollingPayload.decode(ByteBuffer(string: "abc"), version: .v4, isBinary: false)
        }
        #expect(throws: EnginePacket.DecodingError.self) {
            try EnginePollingPayload.decode(ByteBuffer(string: "9:4hi"), version: .v3, isBinary: false)
        }
        #expect(throws: EnginePacket.DecodingError.self) {
            try EnginePollingPayload.decode(ByteBuffer(string: "x:4hi"), version: .v3, isBinary: false)
        }
        #expect(throws: EnginePacket.DecodingError.self) {
            try EnginePollingPayload.decode(ByteBuffer(bytes: [0, 5, 0xFF, 0x34]), version: .v3, isBinary: true)
        }
        #expect(throws: EnginePacket.DecodingError.self) {
            try EnginePollingPayload.decode(ByteBuffer(string: "b!!!"), version: .v4, isBinary: false)
        }
        #expect(throws: EnginePacket.DecodingError.self) {
            try EnginePollingPayload.decode(ByteBuffer(), version: .v4, isBinary: false)
        }
    }

    @Test func sharedMessagesPrecomputeWebSocketFrames() {
        let shared = SharedEngineMessages([.text("hi"), .binary(ByteBuffer(bytes: [7]))])
        #expect(Array(shared.webSocketFramesV4.readableBytesView) == [0x81, 3, 0x34, 0x68, 0x69, 0x82, 1, 7])
        #expect(Array(shared.webSocketFramesV3.readableBytesView) == [0x81, 3, 0x34, 0x68, 0x69, 0x82, 2, 4, 7])
        let textOnly = SharedEngineMessages([.text(String(repeating: "a", count: 200))])
        // 200 + type byte = 201 bytes: 16-bit extended length.
        #expect(Array(textOnly.webSocketFramesV4.readableBytesView.prefix(4)) == [0x81, 126, 0, 201])
        #expect(textOnly.webSocketFramesV3.readableBytes == textOnly.webSocketFramesV4.readableBytes)
    }

    @Test func configurationValidation() {
        #expect(throws: EngineIOConfiguration.ValidationError.self) {
            try EngineIOConfiguration(path: "socket.io").validate()
        }
        #expect(throws: EngineIOConfiguration.ValidationError.self) {
            try EngineIOConfiguration(pingInterval: .zero).validate()
        }
        #expect(throws: EngineIOConfiguration.ValidationError.self) {
            try EngineIOConfiguration(maxPayload: 0).validate()
        }
        #expect(throws: EngineIOConfiguration.ValidationError.self) {
            try EngineIOConfiguration(allowPolling: false, allowWebSocket: false).validate()
        }
        #expect(throws: EngineIOConfiguration.ValidationError.self) {
            try EngineIOConfiguration(maxQueuedMessages: 0).validate()
        }
        #expect(throws: Never.self) { try EngineIOConfiguration().validate() }
    }
}
