import Bus
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain blocking TCP connection for attack tests (slow heads, floods, hand-made WebSocket
/// frames). Its calls block: run them with ``RawConnection/onThread(_:)``, never on the shared
/// concurrency pool.
public final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32
    private var closed = false

    /// Connects to 127.0.0.1:`port`, from `source` (a loopback address such as `127.0.0.2`) when
    /// given; a small `receiveBufferSize` makes a peer that never reads back up quickly.
    public init(port: Int, source: String? = nil, receiveBufferSize: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawConnectionError("socket: errno \(errno)") }
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBufferSize {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if let source {
            var local = Self.address(source, port: 0)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { Glibc.close(descriptor); throw RawConnectionError("bind \(source): errno \(errno)") }
        }
        var remote = Self.address("127.0.0.1", port: port)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { Glibc.close(descriptor); throw RawConnectionError("connect: errno \(errno)") }
    }

    deinit { if !closed { Glibc.close(descriptor) } }

    private static func address(_ ip: String, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, ip, &address.sin_addr)
        return address
    }

    /// Sends every byte; false when the peer closed or reset the connection.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Sends UTF-8 text; false when the peer closed or reset the connection.
    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Sends one masked WebSocket frame (client to server); false when the peer is gone.
    @discardableResult
    public func sendFrame(opcode: UInt8, payload: [UInt8]) -> Bool {
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame.append(0x80 | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        // The mask 0 leaves the payload as it is (a valid mask; servers only require one).
        frame += [0, 0, 0, 0]
        frame += payload
        return send(frame)
    }

    /// Upgrades to WebSocket at `target`; true on `101`.
    public func upgrade(_ target: String) -> Bool {
        send("GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
             + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        guard let head = readHead(timeout: 5) else { return false }
        return head.hasPrefix("HTTP/1.1 101")
    }

    /// Reads until the end of an HTTP head (or `timeout` seconds); the head, or nil.
    public func readHead(timeout: Double) -> String? {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let chunk = read(timeout: deadline.timeIntervalSinceNow) else { return nil }
            guard !chunk.isEmpty else { return nil }
            received += chunk
            // The head is text; what follows it (a WebSocket frame, a body) may not be.
            if let end = (0..<max(0, received.count - 3)).first(where: { received[$0..<$0 + 4] == [13, 10, 13, 10] }) {
                return String(decoding: received[..<(end + 4)], as: UTF8.self)
            }
        }
        return nil
    }

    /// Reads what arrives within `timeout` seconds: bytes, an empty array at end of stream, nil
    /// when nothing arrived.
    public func read(timeout: Double) -> [UInt8]? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(max(0, timeout) * 1000)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 ? Array(buffer.prefix(count)) : []
    }

    /// Whether the peer closes (or resets) the connection within `timeout` seconds, reading and
    /// dropping whatever it sends meanwhile.
    public func closedByPeer(within timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let chunk = read(timeout: deadline.timeIntervalSinceNow), chunk.isEmpty { return true }
        }
        return false
    }

    /// Closes the connection.
    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(descriptor)
    }

    /// Runs blocking `work` on a new thread (not the concurrency pool) and returns its result.
    public static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await DedicatedThread.run(name: "raw-connection", work)
    }
}
