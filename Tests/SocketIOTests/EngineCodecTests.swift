import NIOCore
import Testing
@testable import SocketIO

@Suite("Engine.IO packet and payload codecs")
struct EngineCodecTests {
    @Test func base64RoundTripsAllLengths() throws {
        for length in 0..<10 {
            let bytes = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 1) })
            let encoded = EngineBase64.encode(bytes)
            #expect(EngineBase64.decode(Array(encoded.utf8)) == bytes)
        }
        #expect(EngineBase64.encode(ByteBuffer(bytes: [1, 2, 3, 4])) == "AQIDBA==")
        #expect(EngineBase64.decode(Array("AQ!D".utf8)) == nil)
    }

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
