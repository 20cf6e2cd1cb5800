/// How many export files and streams exportd serves at once, per merchant and in all (issue 11).
/// Anonymous requests share one allowance, as they share the public rows.
public struct ExportLimits: Sendable, Equatable {
    /// `EXPORT_MAX_FILES_PER_MERCHANT`: live export files of one merchant.
    public var maxFilesPerMerchant = 64
    /// `EXPORT_MAX_BYTES_PER_MERCHANT`: bytes of one merchant's live export files; a new file is
    /// refused once they hold this much.
    public var maxBytesPerMerchant = 512 << 20
    /// `EXPORT_MAX_FILES`: live export files in all.
    public var maxFiles = 4096
    /// `EXPORT_MAX_BYTES`: bytes of all live export files.
    public var maxBytes = 4 << 30
    /// `EXPORT_MAX_STREAMS_PER_MERCHANT`: streamed exports (`/export/data/{topic}.csv`) of one
    /// merchant at once.
    public var maxStreamsPerMerchant = 4
    /// `EXPORT_MAX_STREAMS`: streamed exports at once in all.
    public var maxStreams = 64

    public init() {}
}
