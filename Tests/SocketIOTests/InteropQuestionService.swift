import NIOCore
import ServiceLifecycle
import SocketIO

/// Asks clients a question with `emitWithAck` on behalf of the interop server's synchronous event
/// handlers (which must not wait), and reports the answer: the acknowledgement's arguments are
/// recorded and sent back to the client as an `answer-received` event.
///
/// A `Service`: it runs in the test's `ServiceGroup` and stops taking requests at graceful shutdown.
final class InteropQuestionService: Service {
    private let requests: AsyncStream<SocketIOSocket>
    private let continuation: AsyncStream<SocketIOSocket>.Continuation
    private let recorder: InteropRecorder

    /// The question's arguments (a text and a binary attachment).
    static let question: [JSONValue] = ["what?", .binary(ByteBuffer(bytes: [0xCA, 0xFE]))]

    init(recorder: InteropRecorder) {
        (requests, continuation) = AsyncStream.makeStream(of: SocketIOSocket.self)
        self.recorder = recorder
    }

    /// Queues a question for `socket` (callable from any thread).
    func ask(_ socket: SocketIOSocket) {
        continuation.yield(socket)
    }

    func run() async throws {
        let recorder = self.recorder
        await withDiscardingTaskGroup { group in
            for await socket in requests.cancelOnGracefulShutdown() {
                group.addTask {
                    let name = socket.handshake.query["name"] ?? "?"
                    do {
                        let answer = try await socket.emitWithAck("question", Self.question, timeout: .seconds(10))
                        recorder.record(name, "question-acked", namespace: socket.namespace.name, [("args", .array(answer))])
                        socket.emit("answer-received", answer)
                    } catch {
                        recorder.record(name, "question-failed", namespace: socket.namespace.name, [("error", .string("\(error)"))])
                    }
                }
            }
        }
    }
}
