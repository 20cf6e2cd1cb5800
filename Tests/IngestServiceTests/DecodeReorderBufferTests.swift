import Testing
@testable import IngestService

@Suite struct DecodeReorderBufferTests {
    @Test func releasesInTicketOrderWhateverTheCompletionOrder() {
        var buffer = DecodeReorderBuffer<String>()
        let tickets = (0..<5).map { _ in buffer.submit() }
        #expect(tickets == [0, 1, 2, 3, 4])
        #expect(buffer.outstanding == 5)
        buffer.complete(3, with: "d")
        buffer.complete(1, with: "b")
        #expect(!buffer.hasReady)
        #expect(buffer.takeReady().isEmpty)  // 0 is still missing
        buffer.complete(0, with: "a")
        #expect(buffer.hasReady)
        #expect(buffer.takeReady() == ["a", "b"])  // 2 is missing: 3 waits
        #expect(buffer.outstanding == 3)
        buffer.complete(4, with: "e")
        buffer.complete(2, with: "c")
        #expect(buffer.takeReady() == ["c", "d", "e"])
        #expect(buffer.outstanding == 0)
        #expect(buffer.takeReady().isEmpty)
    }

    @Test func ticketsKeepCountingAcrossReleases() {
        var buffer = DecodeReorderBuffer<Int>()
        var released: [Int] = []
        for round in 0..<100 {
            let first = buffer.submit()
            let second = buffer.submit()
            // Every other round the later ticket finishes first.
            if round % 2 == 0 {
                buffer.complete(second, with: second)
                buffer.complete(first, with: first)
            } else {
                buffer.complete(first, with: first)
                buffer.complete(second, with: second)
            }
            released += buffer.takeReady()
        }
        #expect(released == Array(0..<200))
    }
}
