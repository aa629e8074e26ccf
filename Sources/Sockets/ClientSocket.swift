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
    /// The errno behind it (ECONNREFUSED, ETIMEDOUT, …), 0 when there is none.
    public var code: Int32
    public init(_ d: String, code: Int32 = 0) {
        description = d
        self.code = code
    }
}

/// A resolved server address, kept so that a client which connects again and again (the load
/// client, the fuzzer) resolves once.
public struct ClientEndpoint: @unchecked Sendable {
    fileprivate var storage = sockaddr_storage()
    fileprivate var length: socklen_t
    fileprivate var family: Int32
    fileprivate var socketType: Int32
    fileprivate var proto: Int32
    public var udp: Bool
    public var description: String

    /// Resolves `address` (numeric service), refusing non-loopback addresses unless `allowRemote`.
    /// Every usable address, in getaddrinfo's order.
    public static func resolve(_ address: ChatAddress, udp: Bool, allowRemote: Bool) throws -> [ClientEndpoint] {
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
        var found: [ClientEndpoint] = []
        var refusedRemote = false
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let ai = candidate, found.count < 64 {
            candidate = ai.pointee.ai_next
            guard let sa = ai.pointee.ai_addr, Int(ai.pointee.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size else { continue }
            if !allowRemote && !ClientSocket.isLoopback(sa) {
                refusedRemote = true
                continue
            }
            var e = ClientEndpoint(length: ai.pointee.ai_addrlen, family: ai.pointee.ai_family, socketType: ai.pointee.ai_socktype,
                                   proto: ai.pointee.ai_protocol, udp: udp, description: address.description)
            withUnsafeMutableBytes(of: &e.storage) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(start: UnsafeRawPointer(sa), count: Int(ai.pointee.ai_addrlen)))
            }
            found.append(e)
        }
        if found.isEmpty {
            throw ChatClientError(refusedRemote
                ? "\(address.host) is not a loopback address; framescope talks only to 127.0.0.1 or ::1 (loopback) unless you pass --allow-remote"
                : "no address for \(address.host)")
        }
        return found
    }
}

/// A connected TCP or UDP client socket (UDP `connect`ed, so it hears only its server).
public final class ClientSocket {
    public private(set) var fd: Int32

    /// Resolves `address`, refuses a non-loopback one unless `allowRemote`, connects within
    /// `timeout` seconds.
    public convenience init(_ address: ChatAddress, udp: Bool, noDelay: Bool, allowRemote: Bool, timeout: Double) throws {
        try self.init(connectingTo: ClientEndpoint.resolve(address, udp: udp, allowRemote: allowRemote), noDelay: noDelay, timeout: timeout)
    }

    /// Connects to the first of `endpoints` that accepts within `timeout` seconds.
    public init(connectingTo endpoints: [ClientEndpoint], noDelay: Bool, timeout: Double) throws {
        var lastError = ChatClientError("no address to connect to")
        for e in endpoints {
            let s = socket(e.family, e.socketType, e.proto)
            guard s >= 0 else { lastError = ChatClientError("socket: \(String(cString: strerror(errno)))", code: errno); continue }
            let t = max(0, min(timeout, 86_400))
            var tv = timeval(tv_sec: Int(t), tv_usec: .init((t - Double(Int(t))) * 1_000_000))
            setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))  // bounds connect too
            if !e.udp {
                var flag: Int32 = noDelay ? 1 : 0
                setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &flag, socklen_t(MemoryLayout<Int32>.size))
            }
            var storage = e.storage
            let rc = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, e.length) }
            }
            if rc == 0 {
                fd = s
                return
            }
            let code = errno
            lastError = ChatClientError("cannot connect to \(e.description): \(String(cString: strerror(code)))", code: code)
            close(s)
        }
        throw lastError
    }

    deinit { closeNow() }

    /// The port this socket was bound to (the ephemeral port of a connect), or nil.
    public var localPort: UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) } }
        case AF_INET6:
            return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) } }
        default:
            return nil
        }
    }

    public func closeNow() {
        if fd >= 0 { close(fd); fd = -1 }
    }

    public static func isLoopback(_ sa: UnsafePointer<sockaddr>) -> Bool {
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
    public func sendAll(_ bytes: [UInt8]) -> Bool {
        if bytes.isEmpty {  // an empty UDP datagram is a datagram; for TCP a no-op
            var none: UInt8 = 0
            return send(fd, &none, 0, Int32(MSG_NOSIGNAL)) >= 0
        }
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

    public enum ReadResult {
        case bytes([UInt8])
        case closed
        case timeout
        case failed(String)
    }

    /// Waits at most `seconds` for bytes (one `recv`, at most 64 KiB).
    public func receive(within seconds: Double) -> ReadResult {
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
    /// What one bounded read gave.
    public enum Received: Equatable {
        /// This many bytes were appended.
        case bytes(Int)
        /// The peer closed (FIN).
        case closed
        /// The peer reset the connection (RST), or refused it (UDP: ICMP port unreachable).
        case reset
        case timeout
        case failed(String)
    }

    /// Waits at most `seconds` for bytes and appends what one `recv` gives (at most `limit`
    /// bytes, at most 64 KiB) to `buffer`.
    public func receive(appendingTo buffer: inout [UInt8], limit: Int = 65536, within seconds: Double) -> Received {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = Int32((max(0, min(seconds, 3600)) * 1000).rounded(.up))
        let ready = poll(&p, 1, ms)
        if ready == 0 { return .timeout }
        if ready < 0 { return errno == EINTR ? .bytes(0) : .failed("poll: \(String(cString: strerror(errno)))") }
        let want = max(1, min(limit, 65536))
        var code: Int32 = 0
        let n = withUnsafeTemporaryAllocation(byteCount: want, alignment: 16) { tmp -> Int in
            let r = recv(fd, tmp.baseAddress, want, 0)
            code = errno
            if r > 0 { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: tmp[0..<r])) }
            return r
        }
        if n > 0 { return .bytes(n) }
        if n == 0 { return .closed }
        switch code {
        case EINTR, EAGAIN: return .bytes(0)
        case ECONNRESET, ECONNREFUSED, EPIPE: return .reset
        default: return .failed("recv: \(String(cString: strerror(code)))")
        }
    }

    /// `shutdown(SHUT_WR)`: a FIN to the peer, the socket still reads.
    public func shutdownWrite() {
        if fd >= 0 { _ = shutdown(fd, Int32(SHUT_WR)) }
    }

    /// Makes the coming close send an RST instead of a FIN (`SO_LINGER` on with a zero time).
    public func resetOnClose() {
        guard fd >= 0 else { return }
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
    }
}
