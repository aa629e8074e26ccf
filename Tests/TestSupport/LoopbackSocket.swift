// Small blocking POSIX sockets for loopback traffic: the tests' raw peers (exact bytes, bad
// headers, half-closes) next to the reference servers and client. Every call is bounded by a
// receive timeout; nothing here waits forever.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct SocketError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var code: Int32
    public init(_ call: String, _ code: Int32 = errno) {
        self.call = call
        self.code = code
    }
    public var description: String { "\(call): \(String(cString: strerror(code)))" }
}

/// A blocking socket on a loopback address. Closed on deinit.
///
/// `@unchecked Sendable`: a socket is handed to one thread (a peer or a test's client) and used
/// only by that thread from then on; nothing guards concurrent use of one socket.
public final class LoopbackSocket: @unchecked Sendable {
    public enum Family: Sendable { case v4, v6 }
    public enum Kind: Sendable { case tcp, udp }

    public private(set) var fd: Int32
    public let family: Family

    init(fd: Int32, family: Family) {
        self.fd = fd
        self.family = family
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
    }

    static func make(_ family: Family, _ kind: Kind) throws -> LoopbackSocket {
        #if canImport(Glibc)
        let type = Int32(kind == .tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue)
        #else
        let type = kind == .tcp ? SOCK_STREAM : SOCK_DGRAM
        #endif
        let fd = socket(family == .v4 ? AF_INET : AF_INET6, type, 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let s = LoopbackSocket(fd: fd, family: family)
        try s.setReceiveTimeout(seconds: 5)
        return s
    }

    /// A TCP listener on 127.0.0.1 or ::1; port 0 picks a free port (see `localPort`).
    public static func listen(_ family: Family, port: UInt16 = 0) throws -> LoopbackSocket {
        let s = try make(family, .tcp)
        try s.bind(port: port)
        guard Glibc.listen(s.fd, 16) == 0 else { throw SocketError("listen") }
        return s
    }

    /// A UDP socket bound on loopback.
    public static func udp(_ family: Family, port: UInt16 = 0) throws -> LoopbackSocket {
        let s = try make(family, .udp)
        try s.bind(port: port)
        return s
    }

    /// A TCP connection to the loopback address of `family` on `port`.
    public static func connect(_ family: Family, port: UInt16, noDelay: Bool = true) throws -> LoopbackSocket {
        let s = try make(family, .tcp)
        if noDelay {
            var one: Int32 = 1
            setsockopt(s.fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        try s.withAddress(port: port) { addr, len in
            guard Glibc.connect(s.fd, addr, len) == 0 else { throw SocketError("connect") }
        }
        return s
    }

    public func accept() throws -> LoopbackSocket {
        let c = Glibc.accept(fd, nil, nil)
        guard c >= 0 else { throw SocketError("accept") }
        let s = LoopbackSocket(fd: c, family: family)
        try s.setReceiveTimeout(seconds: 5)
        return s
    }

    public func setReceiveTimeout(seconds: Int) throws {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        guard setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw SocketError("setsockopt(SO_RCVTIMEO)")
        }
    }

    func bind(port: UInt16) throws {
        try withAddress(port: port) { addr, len in
            guard Glibc.bind(fd, addr, len) == 0 else { throw SocketError("bind") }
        }
    }

    func withAddress<T>(port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) throws -> T {
        switch family {
        case .v4:
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            a.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            return try withUnsafePointer(to: &a) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6:
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            a.sin6_addr = in6addr_loopback
            return try withUnsafePointer(to: &a) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    /// The port this socket is bound to.
    public var localPort: UInt16 {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { return 0 }
        return withUnsafePointer(to: &storage) { p -> UInt16 in
            if family == .v4 {
                return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
            return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
        }
    }

    /// Writes all of `bytes` (one `send` call per loop turn; MSG_NOSIGNAL so a closed peer is an
    /// error, not SIGPIPE).
    public func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { p in
                Glibc.send(fd, p.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketError("send")
            }
            off += n
        }
    }

    /// One `recv` of at most `max` bytes; empty at end of stream. Times out per the receive timeout.
    public func receive(max: Int = 65536) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: max)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, max, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketError("recv")
            }
            return Array(buf.prefix(n))
        }
    }

    /// Reads exactly `count` bytes (the lesson's read-exactly loop); throws at early end of stream.
    public func receive(exactly count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            let chunk = try receive(max: count - out.count)
            if chunk.isEmpty { throw SocketError("recv: connection closed after \(out.count) of \(count) bytes", ECONNRESET) }
            out += chunk
        }
        return out
    }

    /// Sends a datagram to the loopback address of this socket's family on `port`.
    public func sendDatagram(_ bytes: [UInt8], toPort port: UInt16) throws {
        try withAddress(port: port) { addr, len in
            let n = bytes.withUnsafeBytes { Glibc.sendto(fd, $0.baseAddress, bytes.count, 0, addr, len) }
            guard n == bytes.count else { throw SocketError("sendto") }
        }
    }

    /// Receives one datagram and the sender's port.
    public func receiveDatagram(max: Int = 65536) throws -> (bytes: [UInt8], port: UInt16) {
        var buf = [UInt8](repeating: 0, count: max)
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = buf.withUnsafeMutableBytes { b in
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.recvfrom(fd, b.baseAddress, max, 0, $0, &len) }
            }
        }
        guard n >= 0 else { throw SocketError("recvfrom") }
        let port = withUnsafePointer(to: &storage) { p -> UInt16 in
            if family == .v4 {
                return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
            return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
        }
        return (Array(buf.prefix(n)), port)
    }

    /// Half-closes the sending side (FIN).
    public func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }
}

/// A `!I` header (4-byte big-endian unsigned length) in front of `body`: Python's
/// `struct.pack('!I', len(body)) + body`. The Framing module (issue 3) generalises this.
public func lengthPrefixed(_ body: [UInt8]) -> [UInt8] {
    let n = UInt32(truncatingIfNeeded: body.count)
    return [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + body
}
