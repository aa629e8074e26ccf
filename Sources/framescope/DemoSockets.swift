import Chat
import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// The lesson's first server in a few lines of plain sockets (`socket`, `bind`, `listen`,
/// `accept`, `send`, `recv(1024)`), as the `turns` part needs it: it speaks first, with bare
/// text. Every wait is bounded by `poll`.
final class DemoListener: @unchecked Sendable {  // used by one thread at a time: the part's exchange
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else { throw DemoError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        a.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &a) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else {
            Glibc.close(fd)
            throw DemoError("bind 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        port = Int(UInt16(bigEndian: a.sin_port))
    }

    deinit { close(fd) }

    /// One connection, accepted within `seconds`.
    func accept(within seconds: Double) throws -> Int32 {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(seconds * 1000)) == 1 else { throw DemoError("no client connected within \(seconds) s") }
        let c = Glibc.accept(fd, nil, nil)
        guard c >= 0 else { throw DemoError("accept: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return c
    }
}

/// `send(text)` on a connected socket.
func demoSend(_ fd: Int32, _ text: String) throws {
    let bytes = Array(text.utf8)
    let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    guard n == bytes.count else { throw DemoError("send: \(String(cString: strerror(errno)))") }
}

/// One `recv(1024)` within `seconds`: what it returned (empty at the peer's close).
func demoRecv(_ fd: Int32, within seconds: Double) throws -> [UInt8] {
    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard poll(&p, 1, Int32(seconds * 1000)) == 1 else { throw DemoError("nothing to read within \(seconds) s") }
    var buffer = [UInt8](repeating: 0, count: 1024)
    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 1024, 0) }
    guard n >= 0 else { throw DemoError("recv: \(String(cString: strerror(errno)))") }
    return Array(buffer[0..<n])
}

/// Reads lines from `socket` until `expected` have come, or nothing came for `quiet` seconds
/// after the first, or `limit` seconds passed; the lines without their `\n`.
func demoLines(_ socket: ClientSocket, expected: Int, quiet: Double = 0.3, limit: Double = 3) -> [String] {
    var buffer: [UInt8] = []
    let deadline = Deadline(after: limit)
    func lines() -> [String] { buffer.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) } }
    while !deadline.hasPassed, !(buffer.last == 0x0A && lines().count >= expected) {
        let wait = buffer.isEmpty ? deadline.remaining : quiet
        switch socket.receive(appendingTo: &buffer, within: max(0.01, wait)) {
        case .bytes: continue
        case .timeout where !buffer.isEmpty: return lines()
        case .timeout: continue
        default: return lines()
        }
    }
    return lines()
}
