import NIOCore
import NIOPosix
@testable import SocketIO

/// A raw TCP client for the engine tests: writes HTTP requests and masked WebSocket frames by
/// hand and parses responses and frames itself, so it checks the server's bytes directly.
final class EngineTestConnection {
    struct HTTPResponse {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: ByteBuffer

        var text: String { String(buffer: body) }

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    struct Frame: Equatable {
        var opcode: UInt8
        var payload: ByteBuffer

        var text: String { String(buffer: payload) }
        var isText: Bool { opcode == 0x1 }
        var isBinary: Bool { opcode == 0x2 }
        var isClose: Bool { opcode == 0x8 }
        var bytes: [UInt8] { Array(payload.readableBytesView) }
    }

    enum Failure: Error, CustomStringConvertible {
        case connectionClosed
        case malformed(String)

        var description: String {
            switch self {
            case .connectionClosed: return "connection closed by the server"
            case .malformed(let what): return "malformed server output: \(what)"
            }
        }
    }

    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var buffer = ByteBuffer()

    private init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Connects to 127.0.0.1:`port` and runs `body`; the connection is closed afterwards.
    /// A small `receiveBufferSize` makes a client that stops reading back up quickly.
    static func with<Result>(
        port: Int, receiveBufferSize: Int? = nil, _ body: (EngineTestConnection) async throws -> Result
    ) async throws -> Result {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        if let receiveBufferSize {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize))
        }
        let channel = try await bootstrap
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(EngineTestConnection(inbound: inbound, outbound: outbound))
        }
    }

    // MARK: - Raw bytes

    func write(_ bytes: ByteBuffer) async throws {
        try await outbound.write(bytes)
    }

    func write(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Reads more bytes into the buffer; false when the server closed the connection.
    private func fill() async throws -> Bool {
        guard var more = try await inbound.next() else { return false }
        if buffer.readerIndex > 64 * 1024 { buffer.discardReadBytes() }
        buffer.writeBuffer(&more)
        return true
    }

    /// Whether the server closes the connection (reading and dropping anything still sent).
    func readUntilClosed() async throws {
        buffer.clear()
        while try await fill() { buffer.clear() }
    }

    // MARK: - HTTP

    /// Sends one HTTP/1.1 request.
    func sendRequest(_ method: String, _ target: String, headers: [(String, String)] = [], body: ByteBuffer? = nil)
        async throws
    {
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if let body { request += "Content-Length: \(body.readableBytes)\r\n" }
        request += "\r\n"
        var bytes = ByteBuffer(string: request)
        if let body { bytes.writeImmutableBuffer(body) }
        try await write(bytes)
    }

    /// Reads one HTTP response (the server always sends Content-Length).
    func readResponse() async throws -> HTTPResponse {
        var headerEnd: Int?
        while true {
            if let range = buffer.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) {
                headerEnd = range.upperBound - buffer.readableBytesView.startIndex
                break
            }
            guard try await fill() else { throw Failure.connectionClosed }
        }
        let headText = buffer.readString(length: headerEnd!)!
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: true)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw Failure.malformed("status line \(statusLine)")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        while buffer.readableBytes < length {
            guard try await fill() else { throw Failure.connectionClosed }
        }
        let body = buffer.readSlice(length: length)!
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    /// One request and its response on this connection.
    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: ByteBuffer? = nil)
        async throws -> HTTPResponse
    {
        try await sendRequest(method, target, headers: headers, body: body)
        return try await readResponse()
    }

    /// One request on a fresh connection.
    static func request(
        port: Int, _ method: String, _ target: String, headers: [(String, String)] = [], body: ByteBuffer? = nil
    ) async throws -> HTTPResponse {
        try await with(port: port) { try await $0.request(method, target, headers: headers, body: body) }
    }

    static func request(port: Int, _ method: String, _ target: String, text: String,
                        headers: [(String, String)] = []) async throws -> HTTPResponse {
        try await request(port: port, method, target, headers: headers, body: ByteBuffer(string: text))
    }

    // MARK: - WebSocket

    /// Performs the WebSocket handshake; returns the HTTP response (101 on success).
    func upgrade(_ target: String) async throws -> HTTPResponse {
        try await request("GET", target, headers: [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
        ])
    }

    /// Sends one masked client frame.
    func sendFrame(opcode: UInt8, payload: ByteBuffer) async throws {
        try await write(Self.maskedFrame(opcode: opcode, payload: payload))
    }

    /// The bytes of one masked client frame.
    static func maskedFrame(opcode: UInt8, payload: ByteBuffer) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.writeInteger(0x80 | opcode)
        let length = payload.readableBytes
        if length < 126 {
            frame.writeInteger(UInt8(0x80 | length))
        } else if length <= 0xFFFF {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(length))
        } else {
            frame.writeInteger(UInt8(0x80 | 127))
            frame.writeInteger(UInt64(length))
        }
        let mask: [UInt8] = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame.writeBytes(mask)
        for (index, byte) in payload.readableBytesView.enumerated() { frame.writeInteger(byte ^ mask[index % 4]) }
        return frame
    }

    func sendText(_ text: String) async throws {
        try await sendFrame(opcode: 0x1, payload: ByteBuffer(string: text))
    }

    func sendBinary(_ bytes: [UInt8]) async throws {
        try await sendFrame(opcode: 0x2, payload: ByteBuffer(bytes: bytes))
    }

    /// Reads one server frame (server frames are never masked).
    func readFrame() async throws -> Frame {
        while true {
            if let frame = try parseFrame() { return frame }
            guard try await fill() else { throw Failure.connectionClosed }
        }
    }

    /// Reads frames until a text frame arrives (skipping nothing: returns whatever comes first).
    func readText() async throws -> String {
        let frame = try await readFrame()
        guard frame.isText else { throw Failure.malformed("expected a text frame, got opcode \(frame.opcode)") }
        return frame.text
    }

    private func parseFrame() throws -> Frame? {
        let view = buffer.readableBytesView
        guard view.count >= 2 else { return nil }
        let first = view[view.startIndex]
        let second = view[view.startIndex + 1]
        guard second & 0x80 == 0 else { throw Failure.malformed("masked server frame") }
        guard first & 0x80 != 0 else { throw Failure.malformed("fragmented server frame") }
        var headerLength = 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard view.count >= 4 else { return nil }
            length = Int(buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self)!)
            headerLength = 4
        } else if length == 127 {
            guard view.count >= 10 else { return nil }
            length = Int(buffer.getInteger(at: buffer.readerIndex + 2, as: UInt64.self)!)
            headerLength = 10
        }
        guard view.count >= headerLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: headerLength)
        let payload = buffer.readSlice(length: length)!
        return Frame(opcode: first & 0x0F, payload: payload)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
