import SocketIO
import Synchronization

/// The server side's observations of an interop run, safe to record from any thread (the
/// Socket.IO handlers run on the connections' event loops).
final class InteropRecorder: Sendable {
    private let records = Mutex<[JSONValue]>([])

    /// Records `event` of the client named `client` in `namespace`, with extra fields.
    func record(_ client: String, _ event: String, namespace: String, _ fields: [(String, JSONValue)] = []) {
        var members: [(key: String, value: JSONValue)] = [
            ("client", .string(client)), ("event", .string(event)), ("namespace", .string(namespace)),
        ]
        for (key, value) in fields { members.append((key, value)) }
        let record = JSONValue.object(members)
        records.withLock { $0.append(record) }
    }

    /// A snapshot of everything recorded so far.
    var observations: InteropObservations {
        InteropObservations(records: records.withLock { $0 })
    }
}
