import Logging
import NIOPosix
import ServiceLifecycle

/// Deletes expired export files periodically (the seed needed a cron job for this).
struct ExportFileJanitor: Service {
    let files: ExportFileRegistry
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            let files = self.files
            let deleted = (try? await NIOThreadPool.singleton.runIfActive { files.deleteExpired() }) ?? 0
            if deleted > 0 { logger.debug("deleted expired export files", metadata: ["count": "\(deleted)"]) }
        }
    }
}
