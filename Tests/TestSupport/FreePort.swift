#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds a currently free TCP port on 127.0.0.1 by binding port 0 and reading it back.
public func freeLoopbackPort() -> Int {
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

/// `count` distinct free loopback ports: the kernel may hand the same free port to two calls in
/// a row (a test once started ingestd with one port for its bus and its snapshot side).
public func distinctFreeLoopbackPorts(_ count: Int) -> [Int] {
    var ports: [Int] = []
    while ports.count < count {
        let port = freeLoopbackPort()
        if !ports.contains(port) { ports.append(port) }
    }
    return ports
}
