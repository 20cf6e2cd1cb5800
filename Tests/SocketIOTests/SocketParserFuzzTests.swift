import NIOCore
import SocketIO
import Testing
import TestSupport

@Suite("Socket.IO parser fuzzing")
struct SocketParserFuzzTests {
    static let seeds: [String] = [
        "0", "0/admin,", #"0{"token":"x"}"#, #"0/admin,{"pid":"p","offset":"o"}"#, "1", "1/admin,",
        #"2["hello",1,"two",{"a":[1,2,{"b":null}]}]"#, #"2/admin,12["ev",true,false,-1.5e3]"#, "3/admin,12[]",
        #"4{"message":"m","data":{"x":1}}"#, #"51-["up",{"_placeholder":true,"num":0}]"#,
        #"61-/admin,3[{"_placeholder":true,"num":0}]"#, #"2["\u00e9\ud83d\ude00\n"]"#,
    ]
    static let alphabet: [UInt8] = Array(#"0123456789-/,[]{}":.eE+-_\u tfnrl"#.utf8) + [0x00, 0x1F, 0xC3, 0xA9, 0xFF]

    static func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !bytes.isEmpty:
                bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng))
            case 1:
                bytes.insert(alphabet.randomElement(using: &rng)!, at: Int.random(in: 0...bytes.count, using: &rng))
            case 2 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = alphabet.randomElement(using: &rng)!
            case 3 where !bytes.isEmpty:
                bytes = Array(bytes[0..<Int.random(in: 0..<bytes.count, using: &rng)])
            default:
                let start = Int.random(in: 0...bytes.count, using: &rng)
                bytes.insert(contentsOf: bytes[start...].prefix(8), at: start)
            }
        }
        return bytes
    }

    @Test func mutatedAndRandomJSONNeverCrashes() {
        var rng = SplitMix64(seed: FuzzSettings.seed(0x5EED_0001))
        var accepted = 0
        for i in 0..<FuzzSettings.iterations(short: 20_000) {
            let bytes: [UInt8]
            if i % 4 == 0 {
                bytes = (0..<Int.random(in: 0...24, using: &rng)).map { _ in Self.alphabet.randomElement(using: &rng)! }
            } else {
                let seed = Array(Self.seeds.randomElement(using: &rng)!.utf8)
                bytes = Self.mutate(Array(seed.drop(while: { $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "{") })), using: &rng)
            }
            if let value = try? JSONValue(parsing: bytes) {
                accepted += 1
                // Whatever parses must serialize to text that parses back to the same text
                // (integral doubles are written as integers, as JavaScript does).
                let text = value.jsonText
                #expect((try? JSONValue(parsing: text))?.jsonText == text, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(accepted > 100)
    }

    @Test func mutatedAndRandomPacketsNeverCrashTheDecoder() {
        var rng = SplitMix64(seed: FuzzSettings.seed(0x5EED_0002))
        var decoded = 0
        var rejected = 0
        for version in [SocketIOProtocolVersion.v5, .v4] {
            var decoder = SocketIOPacketDecoder(version: version)
            for i in 0..<FuzzSettings.iterations(short: 30_000) / 2 {
                let message: EngineMessage
                if i % 7 == 0 {
                    message = .binary(ByteBuffer(bytes: (0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }))
                } else {
                    let seed = Array(Self.seeds.randomElement(using: &rng)!.utf8)
                    message = .text(String(decoding: Self.mutate(seed, using: &rng), as: UTF8.self))
                }
                do {
                    if try decoder.decode(message) != nil { decoded += 1 }
                } catch {
                    rejected += 1
                    decoder = SocketIOPacketDecoder(version: version)  // as the server closes the client
                }
            }
        }
        #expect(decoded > 100)
        #expect(rejected > 100)
    }

    @Test func mutatedPacketsNeverCrashTheServer() {
        var rng = SplitMix64(seed: FuzzSettings.seed(0x5EED_0003))
        let server = SocketIOServer(configuration: .init(connectionStateRecovery: .init()))
        _ = server.of("/admin")
        server.main.onConnection { socket in
            socket.on("hello") { args, ack in ack?(.array(args)) }
            socket.onAny { _, _, _ in socket.join("r") }
        }
        var closedByServer = 0
        for i in 0..<FuzzSettings.iterations(short: 8_000) / 20 {
            let client = SocketTestClient(server: server, version: i % 2 == 0 ? .v4 : .v3)
            client.receive("0")
            for _ in 0..<20 where !client.connection.isClosed {
                if Int.random(in: 0..<8, using: &rng) == 0 {
                    client.receive(binary: [UInt8.random(in: 0...255, using: &rng)])
                } else {
                    let seed = Array(Self.seeds.randomElement(using: &rng)!.utf8)
                    client.receive(String(decoding: Self.mutate(seed, using: &rng), as: UTF8.self))
                }
                server.main.emit("tick", 1)
            }
            if client.connection.isClosed { closedByServer += 1 }
            client.close(client.connection.isClosed ? .serverClose : .transportClose)
        }
        #expect(closedByServer > 10)
        #expect(server.connectionCount == 0)
        #expect(server.main.socketCount == 0)
        #expect(server.existingNamespace("/admin")?.socketCount == 0)
    }
}
