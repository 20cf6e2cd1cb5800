import JSON
import Testing

@Suite struct Base64Tests {
    @Test func roundTripsAllLengths() {
        for length in 0..<10 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 1) }
            let encoded = Base64.encode(bytes)
            #expect(encoded.utf8.count == Base64.encodedLength(length))
            #expect(Base64.decode(Array(encoded.utf8)) == bytes)
        }
        #expect(Base64.encode([1, 2, 3, 4]) == "AQIDBA==")
        #expect(Base64.encode([0xFB, 0xFF]) == "+/8=")
        #expect(Base64.decode(Array("AQIDBA".utf8)) == [1, 2, 3, 4])
    }

    @Test(arguments: ["AQ!D", "A===", "AQ=D", "A"])
    func refusesWhatIsNotBase64(_ text: String) {
        #expect(Base64.decode(Array(text.utf8)) == nil)
    }
}
