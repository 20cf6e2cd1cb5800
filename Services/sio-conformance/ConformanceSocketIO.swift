import SocketIO

/// The server settings the socket.io-protocol test suite expects: the connect timeout of its
/// reference server (1 s), checked often enough to close idle clients within the suite's 2 s.
public func conformanceSocketIOConfiguration() -> SocketIOServer.Configuration {
    SocketIOServer.Configuration(connectTimeout: .seconds(1), maintenanceInterval: .milliseconds(100))
}

/// Sets up the Socket.IO handlers the socket.io-protocol test suite expects of the server under
/// test (its README's reference server, run with pingInterval 300 ms, pingTimeout 200 ms,
/// maxPayload 1,000,000 and connectTimeout 1,000 ms — those are Engine.IO settings):
///
/// - main namespace: on connection emit `auth` with the CONNECT auth payload (`{}` if none);
///   echo `message` as `message-back` with the same arguments (binary attachments included);
///   acknowledge `message-with-ack` with its own arguments.
/// - `/custom`: on connection emit `auth` with the auth payload.
/// - any other namespace is refused with `CONNECT_ERROR` "Invalid namespace" (the default).
public func configureConformanceSocketIO(_ server: SocketIOServer) {
    server.main.onConnection { socket in
        socket.emit("auth", socket.handshake.auth ?? .object([]))
        socket.on("message") { arguments, _ in
            socket.emit("message-back", arguments)
        }
        socket.on("message-with-ack") { arguments, ack in
            ack?.send(arguments)
        }
    }
    server.of("/custom").onConnection { socket in
        socket.emit("auth", socket.handshake.auth ?? .object([]))
    }
}
