import Dispatch

/// Runs `operation` and blocks the calling thread until it finishes.
///
/// Only for ingestd's dedicated threads (the consumer thread, the decode threads; never a Swift
/// concurrency thread), for the rare schema registry fetch; the task is awaited here, so it never outlives the call.
func blockingAwait<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
    let semaphore = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    Task {
        do { box.result = .success(try await operation()) } catch { box.result = .failure(error) }
        semaphore.signal()
    }
    semaphore.wait()
    return try box.result!.get()
}

/// Hands a result from the task to the waiting thread (the semaphore orders the accesses).
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
