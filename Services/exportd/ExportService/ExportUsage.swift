/// What export files and streams are in use, per owner (a merchant id, or ``ExportUsage/anonymous``)
/// and in all, checked against ``ExportLimits``. A pure value: the registry keeps it under its lock.
struct ExportUsage: Sendable {
    /// The owner of anonymous requests (public rows only).
    static let anonymous = "-"
    /// The owner of files left by an earlier run (counted in the totals only).
    static let unknown = ""

    private struct Allowance {
        var files = 0
        var bytes = 0
        var streams = 0
    }

    let limits: ExportLimits
    private var owners: [String: Allowance] = [:]
    private(set) var files = 0
    private(set) var bytes = 0
    private(set) var streams = 0

    init(limits: ExportLimits) {
        self.limits = limits
    }

    /// Counts one more file of `owner` (its bytes come with ``fileWritten(owner:bytes:)``), or says
    /// which limit refuses it.
    mutating func reserveFile(owner: String) -> ExportRefusal? {
        let own = owners[owner] ?? Allowance()
        if own.files >= limits.maxFilesPerMerchant { return .merchantFiles }
        if own.bytes >= limits.maxBytesPerMerchant { return .merchantBytes }
        if files >= limits.maxFiles { return .totalFiles }
        if bytes >= limits.maxBytes { return .totalBytes }
        owners[owner, default: Allowance()].files += 1
        files += 1
        return nil
    }

    /// A reserved file was written with `bytes` bytes.
    mutating func fileWritten(owner: String, bytes: Int) {
        owners[owner, default: Allowance()].bytes += bytes
        self.bytes += bytes
    }

    /// A file (reserved, written with `bytes`, or found from an earlier run) is gone.
    mutating func fileRemoved(owner: String, bytes: Int) {
        files -= 1
        self.bytes -= bytes
        update(owner) { $0.files -= 1; $0.bytes -= bytes }
    }

    /// A file found on disk from an earlier run.
    mutating func adopt(bytes: Int) {
        owners[Self.unknown, default: Allowance()].files += 1
        owners[Self.unknown, default: Allowance()].bytes += bytes
        files += 1
        self.bytes += bytes
    }

    /// Counts one more stream of `owner`, or says which limit refuses it.
    mutating func beginStream(owner: String) -> ExportRefusal? {
        if owners[owner]?.streams ?? 0 >= limits.maxStreamsPerMerchant { return .merchantStreams }
        if streams >= limits.maxStreams { return .totalStreams }
        owners[owner, default: Allowance()].streams += 1
        streams += 1
        return nil
    }

    /// A stream of `owner` ended.
    mutating func endStream(owner: String) {
        streams -= 1
        update(owner) { $0.streams -= 1 }
    }

    private mutating func update(_ owner: String, _ change: (inout Allowance) -> Void) {
        guard var own = owners[owner] else { return }
        change(&own)
        owners[owner] = own.files <= 0 && own.streams <= 0 && own.bytes <= 0 ? nil : own
    }
}
