import Chat
import Foundation
import Fuzz
import XCTest
import TestSupport

/// `framescope live` records real `!I`-framed traffic on `lo`, and `framescope messages` gives
/// back exactly the messages that were sent — in order, per direction, byte for byte — however
/// the kernel cut them into segments: one message a write (TCP_NODELAY), ten in one write
/// (sticky), one 200,000-byte message (several segments), one message in three writes (split,
/// the first cut inside the header), and many small writes with Nagle on (coalesced).
final class LiveMessagesTests: XCTestCase {
    /// The echo server of one connection: reads `!I` messages with a read-exactly loop on its
    /// own thread and writes each back framed, until the client closes; then closes.
    final class EchoPeer: @unchecked Sendable {
        let socket: LoopbackSocket
        private let lock = NSLock()
        // Guarded by `lock`.
        private var received: [[UInt8]] = []
        private var failure: String? = nil
        private let done = DispatchSemaphore(value: 0)

        init(_ socket: LoopbackSocket) {
            self.socket = socket
            let thread = Thread { [self] in self.run() }
            thread.start()
        }

        private func run() {
            defer {
                socket.close()
                done.signal()
            }
            do {
                while let header = try Self.readExactly(socket, 4) {
                    let n = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
                    guard let body = n == 0 ? [] : try Self.readExactly(socket, n) else {
                        throw SocketError("peer closed inside a message body", ECONNRESET)
                    }
                    lock.lock(); received.append(body); lock.unlock()
                    try socket.send(lengthPrefixed(body))
                }
            } catch {
                lock.lock(); failure = "\(error)"; lock.unlock()
            }
        }

        /// Exactly `count` bytes, or nil at a clean end of stream before the first byte.
        static func readExactly(_ s: LoopbackSocket, _ count: Int) throws -> [UInt8]? {
            var out: [UInt8] = []
            out.reserveCapacity(count)
            while out.count < count {
                let chunk = try s.receive(max: min(count - out.count, 1 << 20))
                if chunk.isEmpty {
                    if out.isEmpty { return nil }
                    throw SocketError("recv: closed after \(out.count) of \(count) bytes", ECONNRESET)
                }
                out += chunk
            }
            return out
        }

        /// Waits (bounded) for the peer to see the end of stream; returns what it received.
        func finish(timeout: TimeInterval) -> (bodies: [[UInt8]], failure: String?) {
            let ok = done.wait(timeout: .now() + timeout) == .success
            lock.lock(); defer { lock.unlock() }
            return (received, ok ? failure : "echo peer still running after \(timeout) s")
        }
    }

    /// The client's end of one connection and its echo peer.
    struct Connection {
        let client: LoopbackSocket
        let peer: EchoPeer

        init(_ listener: LoopbackSocket, noDelay: Bool) throws {
            client = try LoopbackSocket.connect(.v4, port: listener.localPort, noDelay: noDelay)
            peer = EchoPeer(try listener.accept())
        }

        /// Reads the echo of `bodies` (each framed) and checks it.
        func expectEcho(_ bodies: [[UInt8]], _ what: String) throws {
            for (i, body) in bodies.enumerated() {
                let header = try XCTUnwrap(try EchoPeer.readExactly(client, 4), "\(what): echo \(i) missing")
                XCTAssertEqual(header, Array(lengthPrefixed(body).prefix(4)), "\(what): echo \(i) header")
                let echoed = body.isEmpty ? [] : try XCTUnwrap(try EchoPeer.readExactly(client, body.count))
                XCTAssertTrue(echoed == body, "\(what): echo \(i) differs")
            }
        }

        /// Half-closes, waits for the peer to close, and returns what the peer received.
        func close() throws -> [[UInt8]] {
            client.shutdownWrite()
            let (bodies, failure) = peer.finish(timeout: 6)
            XCTAssertNil(failure, "echo peer")
            XCTAssertEqual(try client.receive(max: 16), [], "the peer closed after echoing everything")
            client.close()
            return bodies
        }
    }

    func testMessagesRecoversEveryMessageSentThroughRealSockets() throws {
        guard CLI.isRoot else { throw XCTSkip("live capture needs root (or CAP_NET_RAW)") }
        let started = Date()
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("live-messages.pcap").path

        let listener = try LoopbackSocket.listen(.v4)
        defer { listener.close() }
        let live = try Background(["live", "-i", "lo", "tcp port \(listener.localPort)", "-w", file, "-q"])
        defer { live.stop() }
        XCTAssertTrue(live.waitForStderr("listening on lo", timeout: 10), live.stderrText)

        // Connection A (stream 0), TCP_NODELAY on.
        let a = try Connection(listener, noDelay: true)
        var sentA: [[UInt8]] = []
        // (a) 20 messages, one per write, a short pause between; one of them empty.
        let single: [[UInt8]] = (1 ... 20).map { i in i == 7 ? [] : Array("message \(i) of 20 — \(String(repeating: "ab", count: i))".utf8) }
        for body in single {
            try a.client.send(lengthPrefixed(body))
            usleep(3_000)
        }
        try a.expectEcho(single, "one per write")
        sentA += single
        // (b) a burst: 10 messages in ONE write.
        let burst: [[UInt8]] = (1 ... 10).map { Array("burst \($0) 你好".utf8) }
        try a.client.send(burst.flatMap(lengthPrefixed))
        try a.expectEcho(burst, "burst")
        sentA += burst
        // (c) one 200,000-byte message.
        var big = [UInt8]()
        big.reserveCapacity(200_000)
        var counter = 0
        while big.count < 200_000 {
            big += Array("\(counter),".utf8)
            counter += 1
        }
        big = Array(big.prefix(200_000))
        try a.client.send(lengthPrefixed(big))
        try a.expectEcho([big], "200,000 bytes")
        sentA.append(big)
        // (d) one message in 3 writes with pauses: the first cut inside the 4-byte header, the
        // second inside a multi-byte UTF-8 character.
        let splitBody = Array(("split: " + String(repeating: "拆包", count: 60)).utf8)
        let framed = lengthPrefixed(splitBody)
        for piece in [framed[0 ..< 2], framed[2 ..< 151], framed[151...]] {
            try a.client.send(Array(piece))
            usleep(30_000)
        }
        try a.expectEcho([splitBody], "split")
        sentA.append(splitBody)
        let receivedA = try a.close()
        XCTAssertEqual(receivedA.count, sentA.count)
        XCTAssertTrue(receivedA == sentA, "the echo peer read what was sent")

        // Connection B (stream 1), Nagle on: small writes back to back.
        let b = try Connection(listener, noDelay: false)
        let nagle: [[UInt8]] = (1 ... 30).map { Array("nagle \($0)".utf8) }
        for body in nagle { try b.client.send(lengthPrefixed(body)) }
        try b.expectEcho(nagle, "nagle")
        let receivedB = try b.close()
        XCTAssertTrue(receivedB == nagle, "the echo peer read what was sent")

        // Let the last frames through, then Ctrl-C.
        usleep(300_000)
        XCTAssertEqual(live.interrupt(timeout: 10), 0, live.stderrText)
        XCTAssertTrue(live.stderrText.contains(" 0 dropped by kernel"), live.stderrText)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "the exchange is bounded in time")

        let r = try CLI.run(["messages", file, "--framing", "!I", "--json"], timeout: 30)
        XCTAssertEqual(r.status, 0, r.stderr)
        let ms = try jsonLines(r.stdout)
        func of(_ stream: Int, _ direction: String) -> [[String: Any]] {
            ms.filter { $0["stream"] as? Int == stream && $0["direction"] as? String == direction && $0["transport"] == nil }
        }
        XCTAssertEqual(Set(ms.compactMap { $0["stream"] as? Int }), [0, 1], "two TCP streams")
        XCTAssertEqual(ms.count, 2 * (sentA.count + nagle.count), "one object per message each way, nothing more")
        for (stream, sent) in [(0, sentA), (1, nagle)] {
            for direction in ["client_to_server", "server_to_client"] {
                let got = of(stream, direction)
                let where_ = "stream \(stream) \(direction)"
                XCTAssertEqual(got.count, sent.count, where_)
                XCTAssertEqual(got.map { $0["hex"] as? String }, sent.map { hex($0) }, "\(where_): bodies byte-exact and in order")
                XCTAssertEqual(got.map { $0["index"] as? Int }, Array(1 ... sent.count).map { Optional($0) }, where_)
                for (m, body) in zip(got, sent) {
                    let i = m["index"] as? Int ?? -1
                    XCTAssertEqual(m["length"] as? Int, body.count, "\(where_) #\(i)")
                    XCTAssertEqual(m["text"] as? String, String(decoding: body, as: UTF8.self), "\(where_) #\(i)")
                    XCTAssertEqual(m["complete"] as? Bool, true, "\(where_) #\(i)")
                    XCTAssertEqual(m["issues"] as? [String], [], "\(where_) #\(i)")
                    let header = m["header"] as? [String: Any]
                    XCTAssertEqual(header?["format"] as? String, "!I", "\(where_) #\(i)")
                    XCTAssertEqual(header?["value"] as? Int, body.count, "\(where_) #\(i)")
                    let frames = m["frames"] as? [Int] ?? []
                    XCTAssertFalse(frames.isEmpty, "\(where_) #\(i) names its frames")
                    XCTAssertEqual(frames, frames.sorted(), "\(where_) #\(i) frames in order")
                }
            }
        }

        // Where the kernel cut the client's bytes.
        let c2s = of(0, "client_to_server")
        guard c2s.count == sentA.count else { return }
        let frames = c2s.map { $0["frames"] as? [Int] ?? [] }
        for i in 0 ..< 20 {
            XCTAssertEqual(frames[i].count, 1, "TCP_NODELAY, one write: message \(i + 1) is one segment")
        }
        XCTAssertEqual(Set(frames[0 ..< 20].map { $0.first ?? 0 }).count, 20, "one segment per write")
        let burstFrames = frames[20 ..< 30]
        XCTAssertEqual(Set(burstFrames).count, 1, "the 10 burst messages share their frames (sticky): \(Array(burstFrames))")
        XCTAssertEqual(burstFrames.first?.count, 1, "the burst is one segment")
        XCTAssertGreaterThan(frames[30].count, 1, "the 200,000-byte message spans several segments: \(frames[30])")
        XCTAssertEqual(frames[31].count, 3, "three writes, three segments (split): \(frames[31])")
        let nagleFrames = of(1, "client_to_server").map { $0["frames"] as? [Int] ?? [] }
        print("Nagle on: 30 writes went out in \(Set(nagleFrames.flatMap { $0 }).count) segments")

        // The line view names the burst as sticky.
        let lines = try CLI.run(["messages", file, "--framing", "!I", "--stream", "0"], timeout: 30)
        XCTAssertEqual(lines.status, 0, lines.stderr)
        XCTAssertTrue(lines.stdout.contains("sticky"), lines.stdout)
    }
}
