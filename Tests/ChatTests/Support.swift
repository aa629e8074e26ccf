import Chat
import Foundation
import Framing
import NIOCore
import XCTest
import TestSupport

/// A base class that starts servers in-process on port 0 and stops them in tearDown.
class ServerTestCase: XCTestCase {
    private var servers: [ChatServer] = []
    let logLines = LogBox()

    override func tearDown() {
        for s in servers { s.shutdown(grace: .milliseconds(500)) }
        servers = []
        super.tearDown()
    }

    /// A server with test-sized limits (read timeout 0.5 s, idle 30 s, short linger).
    func start(_ kind: ChatServerConfig.Kind, host: String = "127.0.0.1", naive: Bool = false,
               _ adjust: (inout ServerLimits) -> Void = { _ in }) throws -> ChatServer {
        var c = ChatServerConfig(kind: kind)
        c.host = host
        c.port = 0
        c.naive = naive
        c.threads = 2
        c.limits.readTimeout = .milliseconds(500)
        c.limits.idleTimeout = .seconds(30)
        c.limits.lingerAfterError = .milliseconds(500)
        adjust(&c.limits)
        let box = logLines
        c.log = { box.append($0) }
        c.heard = { box.append("heard " + $0) }
        let s = try ChatServer.start(c)
        servers.append(s)
        return s
    }

    /// Waits (at most `seconds`) until `condition` holds.
    func eventually(_ seconds: Double = 5, _ what: String = "condition", _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() && Date() < deadline { usleep(5_000) }
        XCTAssertTrue(condition(), "timed out waiting for \(what)")
    }
}

final class LogBox: @unchecked Sendable {
    // Guarded by `lock`.
    private var lines: [String] = []
    private let lock = NSLock()
    func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

/// A LoopbackSocket with a read-ahead buffer: lines and framed messages, each read bounded by the
/// socket's receive timeout (5 s unless changed).
final class Peer {
    let socket: LoopbackSocket
    private var pending: [UInt8] = []
    private(set) var closed = false

    init(_ socket: LoopbackSocket) { self.socket = socket }

    static func tcp(_ port: Int, _ family: LoopbackSocket.Family = .v4) throws -> Peer {
        Peer(try LoopbackSocket.connect(family, port: UInt16(port)))
    }

    func send(_ bytes: [UInt8]) throws { try socket.send(bytes) }
    func send(_ text: String) throws { try socket.send(Array(text.utf8)) }

    /// More bytes into `pending`; false at end of stream.
    private func fill() throws -> Bool {
        let chunk = try socket.receive(max: 65536)
        if chunk.isEmpty { closed = true; return false }
        pending += chunk
        return true
    }

    /// The next line without its "\n"; nil at end of stream.
    func line() throws -> String? {
        try lineBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    func lineBytes() throws -> [UInt8]? {
        var turns = 0
        while turns < 100_000 {
            turns += 1
            if let nl = pending.firstIndex(of: 0x0A) {
                let l = Array(pending[..<nl])
                pending.removeSubrange(...nl)
                return l
            }
            guard try fill() else { return nil }
        }
        return nil
    }

    /// Exactly `n` bytes; nil if the stream ends first.
    func bytes(_ n: Int) throws -> [UInt8]? {
        var turns = 0
        while pending.count < n, turns < 1_000_000 {
            turns += 1
            guard try fill() else { return nil }
        }
        guard pending.count >= n else { return nil }
        let out = Array(pending[..<n])
        pending.removeSubrange(..<n)
        return out
    }

    /// One message framed by `spec` (a length format); nil at end of stream.
    func message(_ spec: FrameSpec) throws -> [UInt8]? {
        guard let width = spec.headerWidth, let header = try bytes(width),
              let length = spec.declaredLength(header: header), length >= 0, length < 1 << 30
        else { return nil }
        return try bytes(Int(length))
    }

    func text(_ spec: FrameSpec) throws -> String? {
        try message(spec).map { String(decoding: $0, as: UTF8.self) }
    }

    /// True when the server closes (EOF or reset) within the receive timeout, nothing else arriving.
    func isClosedByServer() -> Bool {
        if closed { return true }
        do {
            let chunk = try socket.receive(max: 65536)
            if chunk.isEmpty { closed = true }
            return chunk.isEmpty
        } catch let e as SocketError where e.code == ECONNRESET {
            return true
        } catch {
            return false
        }
    }
}

/// A well-behaved client that keeps talking to a server in the background while a test
/// misbehaves on other connections; every answer must be right.
final class Chorus: @unchecked Sendable {
    // All fields guarded by `lock`; the thread owns its socket.
    private let lock = NSLock()
    private var stopFlag = false
    private var rounds = 0
    private var failures: [String] = []
    private let done = DispatchSemaphore(value: 0)

    /// `roundTrip(peer, n)` sends message n and checks the answer, throwing on a wrong one.
    init(connect: @escaping @Sendable () throws -> Peer, roundTrip: @escaping @Sendable (Peer, Int) throws -> Void) {
        let t = Thread { [self] in
            defer { done.signal() }
            do {
                let peer = try connect()
                var n = 0
                while !self.stopped, n < 100_000 {
                    n += 1
                    try roundTrip(peer, n)
                    lock.lock(); rounds += 1; lock.unlock()
                    usleep(5_000)
                }
            } catch {
                lock.lock(); failures.append("\(error)"); lock.unlock()
            }
        }
        t.start()
        // Talking before the test misbehaves: at least one right answer first.
        _ = waitForRounds(1)
    }

    private func waitForRounds(_ n: Int) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            lock.lock(); let r = rounds, f = failures.isEmpty; lock.unlock()
            if r >= n || !f { return r >= n }
            usleep(2_000)
        }
        return false
    }

    private var stopped: Bool { lock.lock(); defer { lock.unlock() }; return stopFlag }

    /// Lets `minRounds` more round trips happen (the server still answers after what the test
    /// did), stops, and asserts that every answer was right.
    func finish(minRounds: Int = 3, file: StaticString = #filePath, line: UInt = #line) {
        lock.lock(); let target = rounds + minRounds; lock.unlock()
        _ = waitForRounds(target)
        lock.lock(); stopFlag = true; lock.unlock()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success, "the well-behaved client did not stop", file: file, line: line)
        lock.lock(); defer { lock.unlock() }
        XCTAssertEqual(failures, [], "the well-behaved client got a wrong answer", file: file, line: line)
        XCTAssertGreaterThanOrEqual(rounds, target, "the well-behaved client made too few round trips", file: file, line: line)
    }

    static func text(_ port: Int) -> Chorus {
        Chorus(connect: { try Peer.tcp(port) }) { peer, n in
            try peer.send("good \(n)\n")
            let reply = try peer.line()
            guard reply == "echo: good \(n)" else { throw TestFailure("wrong reply \(reply ?? "EOF") to good \(n)") }
        }
    }

    static func framed(_ port: Int, _ spec: FrameSpec) -> Chorus {
        Chorus(connect: { try Peer.tcp(port) }) { peer, n in
            try peer.send(try spec.encode(Array("good \(n)".utf8)))
            let reply = try peer.text(spec)
            guard reply == "good \(n)" else { throw TestFailure("wrong reply \(reply ?? "EOF") to good \(n)") }
        }
    }
}

/// The resident set size of this process, from /proc/self/status (kB).
func residentKB() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
    }
    return 0
}

func spec(_ text: String) -> FrameSpec {
    // Test literals only; a typo fails loudly here.
    do { return try FrameSpec(parsing: text) } catch { fatalError("bad test spec \(text): \(error)") }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
