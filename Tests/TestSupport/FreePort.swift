#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Every port ``freeLoopbackPort()`` handed out in this test process.
private let handedOut = Mutex<Set<Int>>([])

/// A currently free TCP port on 127.0.0.1 that no earlier call in this test process returned.
///
/// The kernel may hand the same free port to two binds of port 0 in a row, so two servers a test
/// starts one after the other (two ingestd shards, ingestd's bus and snapshot sides) could get
/// one port and the second would fail to bind; remembering what was handed out rules that out.
public func freeLoopbackPort() -> Int {
    while true {
        let port = unusedLoopbackPort()
        let fresh = handedOut.withLock { $0.insert(port).inserted }
        if fresh { return port }
    }
}

/// Binds port 0 on 127.0.0.1 and reads back the port the kernel chose.
private func unusedLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(fd >= 0, "socket() failed")
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    precondition(bound == 0, "bind() failed")
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// `count` distinct free loopback ports (each one ``freeLoopbackPort()``).
public func distinctFreeLoopbackPorts(_ count: Int) -> [Int] {
    (0..<count).map { _ in freeLoopbackPort() }
}
