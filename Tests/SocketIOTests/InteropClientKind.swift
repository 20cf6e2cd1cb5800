/// A reference client the interop tests drive, and what it reports differently.
enum InteropClientKind: String, Sendable, CustomStringConvertible {
    /// python-socketio 5.x (Socket.IO v5 over Engine.IO v4).
    case python5
    /// python-socketio 4.6.1 with python-engineio 3.14.2 (Socket.IO v4 over Engine.IO v3).
    case python4
    /// The official JS client (socket.io.min.js 4.x) under node (Socket.IO v5 over Engine.IO v4).
    case javascript

    var description: String {
        switch self {
        case .python5: "python-socketio 5.x"
        case .python4: "python-socketio 4.6.1"
        case .javascript: "socket.io JS client"
        }
    }

    /// Whether the client speaks Socket.IO protocol v5.
    var speaksV5: Bool { self != .python4 }

    /// The reason the client reports when the server disconnects it (nil: it reports none).
    var serverDisconnectReason: String? {
        switch self {
        case .python5: "server disconnect"
        case .python4: nil
        case .javascript: "io server disconnect"
        }
    }

    /// The reason the client reports when it disconnects itself (nil: it calls no handler).
    var clientDisconnectReason: String? {
        switch self {
        case .python5: "client disconnect"
        case .python4: nil
        case .javascript: "io client disconnect"
        }
    }

    /// The reasons the client may report when the server shuts down (empty: it reports none).
    /// Over polling the Engine.IO close packet reaches the client only if one of its polls is
    /// parked at that moment: the engine then closes every connection, so a client between two
    /// polls sees its next poll fail ("transport error"). (The reference server keeps a polling
    /// session open up to 30 s for the next poll to carry the close packet.)
    var serverShutdownReasons: Set<String> {
        switch self {
        case .python5: ["server disconnect", "transport error"]
        case .python4: []
        case .javascript: ["transport close", "transport error"]
        }
    }

    /// The reasons the server may record when the client disconnects its last namespace itself.
    /// The python clients close the transport without waiting for their DISCONNECT packet to be
    /// written (python-engineio's `disconnect()` closes the WebSocket, or aborts the pending poll,
    /// right after queueing it), so the server may see the transport go first; the reference
    /// python-socketio server reports "transport close" for them just the same. The JS client
    /// drains its write buffer before closing.
    var serverReasonsForClientDisconnect: Set<String> {
        switch self {
        case .javascript: ["client namespace disconnect"]
        case .python5, .python4:
            ["client namespace disconnect", "transport close", "transport error: poll connection closed prematurely"]
        }
    }

    /// Whether the client reports its own namespace disconnects (python-socketio sends the
    /// DISCONNECT for a single namespace without a public call, so the script reports the request).
    var reportsOwnNamespaceDisconnect: Bool { self == .javascript }
}
