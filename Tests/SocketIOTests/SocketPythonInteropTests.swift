import Foundation
import NIOCore
import SocketIO
import Testing
import TestSupport

/// Cross-checks the packet codec against python-socketio's packet module: 5.x for protocol v5
/// (`TEST_PYTHON`) and 4.6.1 for protocol v4 (`TEST_PYTHON_EIO3`). Python encodes, we decode;
/// we encode, Python decodes.
@Suite("Socket.IO codec against python-socketio")
struct SocketPythonInteropTests {
    static let script = #"""
    import json, sys
    import socketio.packet as P

    def mark(v):
        if isinstance(v, (bytes, bytearray)): return {"$bin": bytes(v).hex()}
        if isinstance(v, list): return [mark(x) for x in v]
        if isinstance(v, dict): return {k: mark(x) for k, x in v.items()}
        return v

    def unmark(v):
        if isinstance(v, dict) and list(v.keys()) == ["$bin"]: return bytes.fromhex(v["$bin"])
        if isinstance(v, list): return [unmark(x) for x in v]
        if isinstance(v, dict): return {k: unmark(x) for k, x in v.items()}
        return v

    mode, path = sys.argv[1], sys.argv[2]
    cases = json.load(open(path))
    out = []
    for c in cases:
        if mode == "encode":
            # python-socketio picks the binary types by itself
            pkt = P.Packet({5: 2, 6: 3}.get(c["type"], c["type"]), data=unmark(c.get("data")), namespace=c.get("namespace"), id=c.get("id"))
            e = pkt.encode()
            text, atts = (e[0], e[1:]) if isinstance(e, list) else (e, [])
            out.append({"text": text, "attachments": [bytes(a).hex() for a in atts]})
        else:
            pkt = P.Packet(encoded_packet=c["text"])
            for a in c["attachments"]:
                pkt.add_attachment(bytes.fromhex(a))
            out.append({"type": pkt.packet_type, "namespace": pkt.namespace or "/", "id": pkt.id,
                        "data": mark(pkt.data)})
    print("RESULT:" + json.dumps(out, separators=(",", ":")))
    """#

    /// Packets both protocol revisions share.
    static let commonCases: [SocketIOPacket] = [
        SocketIOPacket(type: .event, data: ["hello", 1, "two", ["a": [true, nil]], 2.5]),
        SocketIOPacket(type: .event, namespace: "/admin", id: 12, data: ["project:delete", 123]),
        SocketIOPacket(type: .event, namespace: "/admin", data: ["unicode", "é😀\n\"\\ \u{01}"]),
        SocketIOPacket(type: .binaryEvent, namespace: "/admin", id: 3,
                       data: ["up", .binary(ByteBuffer(bytes: [1, 2, 3])), ["nested": .binary(ByteBuffer(bytes: [0xFF]))]]),
        SocketIOPacket(type: .ack, namespace: "/admin", id: 5, data: ["ok", ["n": -7]]),
        SocketIOPacket(type: .binaryAck, id: 6, data: [.binary(ByteBuffer(bytes: [9, 8]))]),
        SocketIOPacket(type: .disconnect, namespace: "/admin"),
    ]

    static let v5Cases: [SocketIOPacket] = commonCases + [
        SocketIOPacket(type: .connect, namespace: "/admin", data: ["token": "x"]),
        SocketIOPacket(type: .connect, data: ["sid": "abc", "pid": "def"]),
        SocketIOPacket(type: .connectError, namespace: "/admin", data: ["message": "Not authorized", "data": ["x": 1]]),
    ]

    static let v4Cases: [SocketIOPacket] = commonCases + [
        SocketIOPacket(type: .connect, namespace: "/admin"),
        SocketIOPacket(type: .connectError, namespace: "/admin", data: "Not authorized"),
    ]

    static func marked(_ value: JSONValue) -> JSONValue {
        switch value {
        case .binary(let buffer):
            return ["$bin": .string(buffer.readableBytesView.map { String(format: "%02x", $0) }.joined())]
        case .array(let elements): return .array(elements.map(marked))
        case .object(let members): return .object(members.map { ($0.key, marked($0.value)) })
        default: return value
        }
    }

    static func unmarked(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members) where members.count == 1 && members[0].key == "$bin":
            let hex = Array(members[0].value.stringValue?.utf8 ?? "".utf8)
            var bytes: [UInt8] = []
            var i = 0
            while i + 1 < hex.count {
                bytes.append(UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16) ?? 0)
                i += 2
            }
            return .binary(ByteBuffer(bytes: bytes))
        case .array(let elements): return .array(elements.map(unmarked))
        case .object(let members): return .object(members.map { ($0.key, unmarked($0.value)) })
        default: return value
        }
    }

    static func hex(_ buffer: ByteBuffer) -> String {
        buffer.readableBytesView.map { String(format: "%02x", $0) }.joined()
    }

    /// Runs the script with `mode` on `cases`; returns its result array.
    static func runPython(_ python: String, mode: String, cases: JSONValue) throws -> [JSONValue] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sio-interop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scriptURL = directory.appendingPathComponent("codec.py")
        let casesURL = directory.appendingPathComponent("cases.json")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        try cases.jsonText.write(to: casesURL, atomically: true, encoding: .utf8)
        let child = try ChildProcess(python, [scriptURL.path, mode, casesURL.path], label: "sio-interop")
        let status = try #require(child.waitForExit(timeout: 60), "python did not finish: \(child.output)")
        #expect(status == 0, "python failed: \(child.output)")
        let line = try #require(child.output.split(separator: "\n").first { $0.hasPrefix("RESULT:") },
                                "no result from python: \(child.output)")
        return try #require(try JSONValue(parsing: String(line.dropFirst("RESULT:".count))).arrayValue)
    }

    static func python(for version: SocketIOProtocolVersion) throws -> String {
        try TestEnvironment.require(version == .v5 ? TestEnvironment.python : TestEnvironment.pythonEIO3)
    }

    static func cases(for version: SocketIOProtocolVersion) -> [SocketIOPacket] {
        version == .v5 ? v5Cases : v4Cases
    }

    @Test(arguments: [SocketIOProtocolVersion.v5, .v4])
    func pythonEncodingsDecodeToTheSamePackets(version: SocketIOProtocolVersion) throws {
        let packets = Self.cases(for: version)
        let input = JSONValue.array(packets.map { packet in
            var members: [(key: String, value: JSONValue)] = [
                ("type", .int(Int64(packet.type.rawValue))), ("namespace", .string(packet.namespace)),
            ]
            if let id = packet.id { members.append(("id", .int(Int64(id)))) }
            if let data = packet.data { members.append(("data", Self.marked(data))) }
            return .object(members)
        })
        let encodings = try Self.runPython(Self.python(for: version), mode: "encode", cases: input)
        try #require(encodings.count == packets.count)
        for (packet, encoding) in zip(packets, encodings) {
            var decoder = SocketIOPacketDecoder(version: version)
            var decoded = try decoder.decode(.text(try #require(encoding["text"]?.stringValue)))
            for attachment in encoding["attachments"]?.arrayValue ?? [] {
                guard case .binary(let buffer) = Self.unmarked(["$bin": attachment]) else { continue }
                decoded = try decoder.decode(.binary(buffer))
            }
            #expect(decoded == packet, "python sent \(encoding.jsonText)")
        }
    }

    @Test(arguments: [SocketIOProtocolVersion.v5, .v4])
    func ourEncodingsDecodeInPython(version: SocketIOProtocolVersion) throws {
        let packets = Self.cases(for: version)
        let input = JSONValue.array(packets.map { packet in
            let messages = SocketIOPacketEncoder.encode(packet)
            var text = ""
            var attachments: [JSONValue] = []
            for message in messages {
                switch message {
                case .text(let value): text = value
                case .binary(let buffer): attachments.append(.string(Self.hex(buffer)))
                }
            }
            return ["text": .string(text), "attachments": .array(attachments)]
        })
        let decoded = try Self.runPython(Self.python(for: version), mode: "decode", cases: input)
        try #require(decoded.count == packets.count)
        for (packet, result) in zip(packets, decoded) {
            #expect(result["type"]?.intValue == Int64(packet.type.rawValue), "\(result.jsonText)")
            #expect(result["namespace"]?.stringValue == packet.namespace, "\(result.jsonText)")
            #expect(result["id"]?.intValue.map(Int.init) == packet.id, "\(result.jsonText)")
            let data = result["data"].map(Self.unmarked)
            #expect((data?.isNull ?? true ? nil : data) == packet.data, "\(result.jsonText)")
        }
    }
}
