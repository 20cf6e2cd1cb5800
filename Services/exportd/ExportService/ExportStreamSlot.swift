import Synchronization

/// One streamed export's place in the stream limits: ended once, by the body when it is done,
/// or when the response is dropped without its body ever running.
final class ExportStreamSlot: Sendable {
    private let files: ExportFileRegistry
    private let owner: String
    private let ended = Atomic(false)

    init(files: ExportFileRegistry, owner: String) {
        self.files = files
        self.owner = owner
    }

    func end() {
        guard !ended.exchange(true, ordering: .relaxed) else { return }
        files.endStream(owner: owner)
    }

    deinit { end() }
}
