import NIOCore
import ServiceLifecycle
import SocketIO

/// Asks clients questions with `emitWithAck` on behalf of the interop server's synchronous event
/// handlers (which must not wait), and reports the outcome: it is recorded and sent back to the
/// client as an event, so both sides observe it.
///
/// A `Service`: it runs in the test's `ServiceGroup` and stops taking requests at graceful shutdown.
final class InteropQuestionService: Service {
    /// One `emitWithAck` to make.
    struct Request: Sendable {
        var socket: SocketIOSocket
        /// The event sent to the client.
        var event: String
        var arguments: [JSONValue]
        var timeout: Duration
        /// The event that carries the outcome back to the client: the ack's arguments, or
        /// `{"error": "..."}` if there was none.
        var outcomeEvent: String
    }

    private let requests: AsyncStream<Request>
    private let continuation: AsyncStream<Request>.Continuation
    private let recorder: InteropRecorder

    /// The arguments of the `question` event (a text and a binary attachment).
    static let question: [JSONValue] = ["what?", .binary(ByteBuffer(bytes: [0xCA, 0xFE]))]

    init(recorder: InteropRecorder) {
        (requests, continuation) = AsyncStream.makeStream(of: Request.self)
        self.recorder = recorder
    }

    /// Queues a request (callable from any thread).
    func ask(_ request: Request) {
        continuation.yield(request)
    }

    func run() async throws {
        let recorder = self.recorder
        await withDiscardingTaskGroup { group in
            for await request in requests.cancelOnGracefulShutdown() {
                group.addTask {
                    let socket = request.socket
                    let name = socket.handshake.query["name"] ?? "?"
                    do {
                        let answer = try await socket.emitWithAck(request.event, request.arguments, timeout: request.timeout)
                        recorder.record(name, "\(request.event)-acked", namespace: socket.namespace.name, [("args", .array(answer))])
                        socket.emit(request.outcomeEvent, answer)
                    } catch {
                        recorder.record(name, "\(request.event)-failed", namespace: socket.namespace.name,
                                        [("error", .string("\(error)"))])
                        socket.emit(request.outcomeEvent, ["error": .string("\(error)")])
                    }
                }
            }
        }
    }
}
