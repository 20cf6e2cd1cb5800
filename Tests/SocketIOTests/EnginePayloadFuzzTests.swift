import NIOCore
import Testing
import TestSupport
@testable import SocketIO

/// Random and mutated polling payloads never crash the Engine.IO payload decoders: each input
/// either decodes (and then re-encodes to something that decodes to the same packets) or throws.
@Suite("Engine.IO payload fuzzing")
struct EnginePayloadFuzzTests {
    static let seeds: [[UInt8]] = [
        Array("4hello\u{1e}bAQIDBA==\u{1e}2\u{1e}3probe\u{1e}6\u{1e}1".utf8),
        Array("2:4€5:4a😀b6:3probe10:b4AQIDBA==".utf8),
        [0, 3, 0xFF, 0x34, 0xC3, 0xA9, 1, 3, 0xFF, 4, 9, 8],
        Array("0{\"sid\":\"x\"}".utf8),
    ]

    static let modes: [(EngineProtocolVersion, Bool)] = [(.v4, false), (.v3, false), (.v3, true)]

    func mutate(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<4, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 1:
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
            case 2 where !bytes.isEmpty:
                bytes.remove(at: Int.random(in: 0..<bytes.count, using: &random))
            default:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            }
        }
        return bytes
    }

    @Test func decodersNeverCrashAndRoundTripWhatTheyAccept() {
        var random = SplitMix64(seed: FuzzSettings.seed(0xE1_0F))
        var accepted = 0
        for round in 0..<FuzzSettings.iterations(short: 10_000) {
            let input: [UInt8]
            if round % 3 == 0 {
                input = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                input = mutate(Self.seeds[round % Self.seeds.count], &random)
            }
            for (version, isBinary) in Self.modes {
                guard let packets = try? EnginePollingPayload.decode(ByteBuffer(bytes: input), version: version, isBinary: isBinary) else {
                    continue
                }
                accepted += 1
                let (encoded, contentType) = EnginePollingPayload.encode(packets, version: version, supportsBinary: isBinary)
                let binaryBody = contentType == "application/octet-stream"
                let again = try? EnginePollingPayload.decode(encoded, version: version, isBinary: binaryBody)
                #expect(again == packets, "\(version) \(isBinary): \(input)")
            }
        }
        #expect(accepted > 100)  // the mutations keep many inputs valid, so the round trip is exercised
    }
}
