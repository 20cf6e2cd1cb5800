import Testing
@testable import ExportService

@Suite struct ExportUsageTests {
    private var limits: ExportLimits {
        var limits = ExportLimits()
        limits.maxFilesPerMerchant = 2
        limits.maxBytesPerMerchant = 1000
        limits.maxFiles = 3
        limits.maxBytes = 5000
        limits.maxStreamsPerMerchant = 1
        limits.maxStreams = 2
        return limits
    }

    @Test func filesAreLimitedPerMerchantThenInAllAndFreedWhenRemoved() {
        var usage = ExportUsage(limits: limits)
        #expect(usage.reserveFile(owner: "a") == nil)
        usage.fileWritten(owner: "a", bytes: 10)
        #expect(usage.reserveFile(owner: "a") == nil)
        #expect(usage.reserveFile(owner: "a") == .merchantFiles)
        #expect(usage.reserveFile(owner: "b") == nil)
        #expect(usage.reserveFile(owner: "c") == .totalFiles)
        usage.fileRemoved(owner: "a", bytes: 10)
        #expect(usage.files == 2 && usage.bytes == 0)
        #expect(usage.reserveFile(owner: "c") == nil)
    }

    @Test func bytesAreLimitedOnceReached() {
        var usage = ExportUsage(limits: limits)
        #expect(usage.reserveFile(owner: "a") == nil)
        usage.fileWritten(owner: "a", bytes: 1000)
        #expect(usage.reserveFile(owner: "a") == .merchantBytes)
        usage.adopt(bytes: 4000)  // files of an earlier run count in the totals
        #expect(usage.reserveFile(owner: "b") == .totalBytes)
    }

    @Test func streamsAreLimitedPerMerchantAndInAll() {
        var usage = ExportUsage(limits: limits)
        #expect(usage.beginStream(owner: "a") == nil)
        #expect(usage.beginStream(owner: "a") == .merchantStreams)
        #expect(usage.beginStream(owner: "b") == nil)
        #expect(usage.beginStream(owner: "c") == .totalStreams)
        usage.endStream(owner: "a")
        #expect(usage.beginStream(owner: "c") == nil)
        #expect(ExportRefusal.merchantStreams.status == .tooManyRequests)
        #expect(ExportRefusal.totalBytes.status == .serviceUnavailable)
    }
}
