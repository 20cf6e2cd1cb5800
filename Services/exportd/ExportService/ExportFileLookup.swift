/// What a live `/data/<id>.csv` is.
enum ExportFileLookup: Equatable {
    /// A pending export, streamed from the store.
    case pending(ExportPendingFile)
    /// A file rendered by an earlier exportd (before pending exports), at this path.
    case file(String)
}
