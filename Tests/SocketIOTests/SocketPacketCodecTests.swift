import NIOCore
import SocketIO
import Testing

@Suite("Socket.IO packet codec")
struct SocketPacketCodecTests {
    func decode(_ text: String, version: SocketIOProtocolVersion = .v5) throws -> SocketIOPacket? {
        var decoder = SocketIOPacketDecoder(version: version)
        return try decoder.decode(.text(text))
    }

    func encodeText(_ packet: SocketIOPacket) -> String {
        guard case .text(let text) = SocketIOPacketEncoder.encode(packet).first else { return "" }
        return text
    }

    // MARK: Encoding

    @Test func encodesEveryPacketType() {
        #expect(encodeText(SocketIOPacket(type: .connect, data: ["sid": "abc"])) == #"0{"sid":"abc"}"#)
        #expect(encodeText(SocketIOPacket(type: .connect, namespace: "/admin", data: ["sid": "abc"]))
            == #"0/admin,{"sid":"abc"}"#)
        #expect(encodeText(SocketIOPacket(type: .connect)) == "0")
        #expect(encodeText(SocketIOPacket(type: .connect, namespace: "/admin")) == "0/admin,")
        #expect(encodeText(SocketIOPacket(type: .disconnect, namespace: "/admin")) == "1/admin,")
        #expect(encodeText(SocketIOPacket(type: .disconnect)) == "1")
        #expect(encodeText(SocketIOPacket(type: .event, data: ["hello", 1])) == #"2["hello",1]"#)
        #expect(encodeText(SocketIOPacket(type: .event, namespace: "/admin", id: 12, data: ["project:delete", 123]))
            == #"2/admin,12["project:delete",123]"#)
        #expect(encodeText(SocketIOPacket(type: .ack, namespace: "/admin", id: 13, data: [])) == "3/admin,13[]")
        #expect(encodeText(SocketIOPacket(type: .connectError, data: ["message": "Not authorized"]))
            == #"4{"message":"Not authorized"}"#)
        #expect(encodeText(SocketIOPacket(type: .connectError, namespace: "/admin", data: "Invalid namespace"))
            == #"4/admin,"Invalid namespace""#)
    }

    @Test func encodesBinaryEventsWithAttachments() {
        let messages = SocketIOPacketEncoder.encode(SocketIOPacket(
            type: .event, namespace: "/admin", id: 7,
            data: ["upload", .binary(ByteBuffer(bytes: [1, 2, 3])), ["inner": .binary(ByteBuffer(bytes: [4]))]]))
        #expect(messages == [
            .text(#"52-/admin,7["upload",{"_placeholder":true,"num":0},{"inner":{"_placeholder":true,"num":1}}]"#),
            .binary(ByteBuffer(bytes: [1, 2, 3])),
            .binary(ByteBuffer(bytes: [4])),
        ])
        let ack = SocketIOPacketEncoder.encode(SocketIOPacket(type: .ack, id: 3, data: [.binary(ByteBuffer(bytes: [9]))]))
        #expect(ack == [.text(#"61-3[{"_placeholder":true,"num":0}]"#), .binary(ByteBuffer(bytes: [9]))])
    }

    @Test func encodeEventMatchesGenericEncoder() {
        let args: [JSONValue] = [1, "two", ["three": 3], .raw(Array("[4]".utf8))]
        #expect(SocketIOPacketEncoder.encodeEvent(namespace: "/x", name: "ev", arguments: args, id: 5)
            == SocketIOPacketEncoder.encode(SocketIOPacket(type: .event, namespace: "/x", id: 5,
                                                           data: .array(["ev"] + args))))
        #expect(SocketIOPacketEncoder.encodeEvent(namespace: "/", name: "ev", arguments: [.binary(ByteBuffer(bytes: [1]))])
            .count == 2)
    }

    // MARK: Decoding

    @Test(arguments: [SocketIOProtocolVersion.v5, .v4])
    func decodesEveryPacketType(version: SocketIOProtocolVersion) throws {
        #expect(try decode("0", version: version) == SocketIOPacket(type: .connect))
        #expect(try decode("0/admin,", version: version) == SocketIOPacket(type: .connect, namespace: "/admin"))
        #expect(try decode(#"0/admin,{"token":"123"}"#, version: version)
            == SocketIOPacket(type: .connect, namespace: "/admin", data: ["token": "123"]))
        #expect(try decode("1/admin,", version: version) == SocketIOPacket(type: .disconnect, namespace: "/admin"))
        #expect(try decode("1/admin", version: version) == SocketIOPacket(type: .disconnect, namespace: "/admin"))
        #expect(try decode(#"2["hello",1]"#, version: version) == SocketIOPacket(type: .event, data: ["hello", 1]))
        #expect(try decode(#"2/admin,456["project:delete",123]"#, version: version)
            == SocketIOPacket(type: .event, namespace: "/admin", id: 456, data: ["project:delete", 123]))
        #expect(try decode("3/admin,456[]", version: version)
            == SocketIOPacket(type: .ack, namespace: "/admin", id: 456, data: []))
        #expect(try decode(#"4{"message":"Not authorized"}"#, version: version)
            == SocketIOPacket(type: .connectError, data: ["message": "Not authorized"]))
    }

    @Test func decodesV4ConnectWithQueryInNamespace() throws {
        #expect(try decode("0/admin?token=abc&x=1,", version: .v4)
            == SocketIOPacket(type: .connect, namespace: "/admin?token=abc&x=1"))
    }

    @Test(arguments: [SocketIOProtocolVersion.v5, .v4])
    func reassemblesBinaryAttachments(version: SocketIOProtocolVersion) throws {
        var decoder = SocketIOPacketDecoder(version: version)
        #expect(try decoder.decode(.text(#"52-/admin,9["up",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]"#)) == nil)
        #expect(decoder.isAwaitingAttachments)
        #expect(try decoder.decode(.binary(ByteBuffer(bytes: [0xA]))) == nil)
        let packet = try decoder.decode(.binary(ByteBuffer(bytes: [0xB, 0xC])))
        #expect(packet == SocketIOPacket(type: .binaryEvent, namespace: "/admin", id: 9,
                                         data: ["up", .binary(ByteBuffer(bytes: [0xB, 0xC])), .binary(ByteBuffer(bytes: [0xA]))]))
        #expect(!decoder.isAwaitingAttachments)
        let ack = try decoder.decode(.text("60-3[1]"))
        #expect(ack == SocketIOPacket(type: .binaryAck, id: 3, data: [1]))
    }

    @Test(arguments: [
        "", "7", "x", "a[]", "2", "2[]", "2{}", "2[1", "2\"a\"", #"2["connect"]"#, #"2["disconnect",1]"#, "2[null]",
        "2[{}]", "3[]", "3{}", "1[1]", "1/admin,{}", "0[]", "0\"s\"", #"0{"a":1"#, "4", "41", "5[\"a\"]", "5-[\"a\"]",
        "5x-[\"a\"]", "51[\"a\"]", "511-[\"a\"]", "51234567-[\"a\"]", "6-3[]", "2/admin,123456789012345678[\"a\"]",
        #"2["a"] junk"#,
    ])
    func rejectsMalformedPackets(_ text: String) {
        var decoder = SocketIOPacketDecoder(version: .v5)
        #expect(throws: SocketIOProtocolError.self) { try decoder.decode(.text(text)) }
    }

    @Test func rejectsOutOfOrderBinaryMessages() throws {
        var decoder = SocketIOPacketDecoder(version: .v5)
        #expect(throws: SocketIOProtocolError.self) { try decoder.decode(.binary(ByteBuffer(bytes: [1]))) }
        var waiting = SocketIOPacketDecoder(version: .v5)
        _ = try waiting.decode(.text(#"51-["a",{"_placeholder":true,"num":0}]"#))
        #expect(throws: SocketIOProtocolError.self) { try waiting.decode(.text(#"2["b"]"#)) }
    }

    @Test func rejectsPlaceholdersOutOfRange() throws {
        var decoder = SocketIOPacketDecoder(version: .v5)
        _ = try decoder.decode(.text(#"51-["a",{"_placeholder":true,"num":1}]"#))
        #expect(throws: SocketIOProtocolError.self) { try decoder.decode(.binary(ByteBuffer(bytes: [1]))) }
        var negative = SocketIOPacketDecoder(version: .v5)
        _ = try negative.decode(.text(#"51-["a",{"_placeholder":true,"num":-1}]"#))
        #expect(throws: SocketIOProtocolError.self) { try negative.decode(.binary(ByteBuffer(bytes: [1]))) }
        var notNumber = SocketIOPacketDecoder(version: .v5)
        _ = try notNumber.decode(.text(#"51-["a",{"_placeholder":true,"num":"0"}]"#))
        #expect(throws: SocketIOProtocolError.self) { try notNumber.decode(.binary(ByteBuffer(bytes: [1]))) }
    }

    @Test func boundsAttachmentCountAndSize() throws {
        let limits = SocketIOPacketDecoder.Limits(maximumAttachments: 2, maximumAttachmentBytes: 4)
        var decoder = SocketIOPacketDecoder(version: .v5, limits: limits)
        #expect(throws: SocketIOProtocolError.self) { try decoder.decode(.text(#"53-["a"]"#)) }
        var sized = SocketIOPacketDecoder(version: .v5, limits: limits)
        _ = try sized.decode(.text(#"52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#))
        _ = try sized.decode(.binary(ByteBuffer(bytes: [1, 2, 3])))
        #expect(throws: SocketIOProtocolError.self) { try sized.decode(.binary(ByteBuffer(bytes: [4, 5]))) }
    }

    @Test func roundTripsThroughEncoderAndDecoder() throws {
        let packets = [
            SocketIOPacket(type: .event, namespace: "/chat", id: 1, data: ["msg", "hi", 2.5, nil, ["k": [1, 2]]]),
            SocketIOPacket(type: .binaryEvent, namespace: "/", data: ["bin", .binary(ByteBuffer(bytes: [0, 255]))]),
            SocketIOPacket(type: .binaryAck, namespace: "/a", id: 44, data: [.binary(ByteBuffer(bytes: []))]),
            SocketIOPacket(type: .connect, namespace: "/a", data: ["token": "t"]),
            SocketIOPacket(type: .disconnect, namespace: "/a"),
        ]
        for packet in packets {
            var decoder = SocketIOPacketDecoder(version: .v5)
            var decoded: SocketIOPacket?
            for message in SocketIOPacketEncoder.encode(packet) { decoded = try decoder.decode(message) }
            #expect(decoded == packet)
        }
    }
}
