// The chat client's socket: blocking POSIX calls, every wait bounded with poll(2). A client has
// one conversation and nothing else to do while it waits, so a blocking socket with deadlines is
// the simplest correct tool; the servers, which juggle many peers, use SwiftNIO.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `HOST:PORT`, `[::1]:PORT` or `::1:PORT` (the last colon separates the port).
public struct ChatAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init?(parsing text: String) {
        var host: Substring
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct ChatClientError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}

/// A connected TCP or UDP client socket (UDP `connect`ed, so it hears only its server).
final class ClientSocket {
    private(set) var fd: Int32

    /// Resolves `address`, refuses a non-loopback one unless `allowRemote`, connects within
    /// `timeout` seconds.
    init(_ address: ChatAddress, udp: Bool, noDelay: Bool, allowRemote: Bool, timeout: Double) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM
        #endif
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(address.host, String(address.port), &hints, &list)
        guard rc == 0, let first = list else {
            throw ChatClientError("cannot resolve \(address.host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address for \(address.host)"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        var count = 0
        while let ai = candidate, count < 64 {
            count += 1
            candidate = ai.pointee.ai_next
            guard let sa = ai.pointee.ai_addr else { continue }
            if !allowRemote && !Self.isLoopback(sa) {
                lastError = "\(address.host) is not a loopback address; framescope chat talks to 127.0.0.1 or ::1 unless you pass --allow-remote"
                continue
            }
            let s = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            guard s >= 0 else { lastError = "socket: \(String(cString: strerror(errno)))"; continue }
            var tv = timeval(tv_sec: Int(timeout), tv_usec: .init((timeout - Double(Int(timeout))) * 1_000_000))
            setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))  // bounds connect too
            if !udp {
                var flag: Int32 = noDelay ? 1 : 0
                setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &flag, socklen_t(MemoryLayout<Int32>.size))
            }
            if connect(s, sa, ai.pointee.ai_addrlen) == 0 {
                fd = s
                return
            }
            lastError = "cannot connect to \(address): \(String(cString: strerror(errno)))"
            close(s)
        }
        throw ChatClientError(lastError)
    }

    deinit { closeNow() }

    func closeNow() {
        if fd >= 0 { close(fd); fd = -1 }
    }

    static func isLoopback(_ sa: UnsafePointer<sockaddr>) -> Bool {
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            return sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127
            }
        case AF_INET6:
            return sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p -> Bool in
                var a = p.pointee.sin6_addr
                return withUnsafeBytes(of: &a) { b -> Bool in
                    let loop6 = b.prefix(15).allSatisfy { $0 == 0 } && b[15] == 1
                    let mapped = b.prefix(10).allSatisfy { $0 == 0 } && b[10] == 0xff && b[11] == 0xff && b[12] == 127
                    return loop6 || mapped
                }
            }
        default:
            return false
        }
    }

    /// Writes all of `bytes` in one `send` call where the kernel takes it (a burst is one write);
    /// a short write is continued. False when the peer is gone.
    func sendAll(_ bytes: [UInt8]) -> Bool {
        var off = 0
        var turns = 0
        while off < bytes.count, turns < 1_000_000 {
            turns += 1
            let n = bytes.withUnsafeBytes { p -> Int in
                guard let base = p.baseAddress else { return 0 }
                return send(fd, base + off, bytes.count - off, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            off += n
        }
        return off == bytes.count
    }

    enum ReadResult {
        case bytes([UInt8])
        case closed
        case timeout
        case failed(String)
    }

    /// Waits at most `seconds` for bytes (one `recv`, at most 64 KiB).
    func receive(within seconds: Double) -> ReadResult {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = Int32(max(0, min(seconds, 3600)) * 1000)
        let ready = poll(&p, 1, ms)
        if ready == 0 { return .timeout }
        if ready < 0 { return errno == EINTR ? .bytes([]) : .failed("poll: \(String(cString: strerror(errno)))") }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { return .closed }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { return .bytes([]) }
            if errno == ECONNRESET { return .closed }
            return .failed("recv: \(String(cString: strerror(errno)))")
        }
        return .bytes(Array(buffer[0..<n]))
    }
}
