import Foundation
import XCTest

/// `framescope replay`: committed captures played to the project's servers (the same server
/// answers the same), to a server that answers otherwise (exactly those messages differ), and to
/// servers that die, stay silent or are not there — a clear report, the right status, in time.
final class ReplayCommandTests: XCTestCase {
    /// A server process whose first stdout line is its port.
    final class Server {
        let process = Process()
        let out = Pipe()
        var port = 0

        init(executable: URL, _ arguments: [String]) throws {
            process.executableURL = executable
            process.arguments = arguments
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The port line, polled with a deadline.
            var text = ""
            let deadline = Date().addingTimeInterval(10)
            let fd = out.fileHandleForReading.fileDescriptor
            while Date() < deadline, !text.contains("\n") {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 100) > 0 else { continue }
                var b = [UInt8](repeating: 0, count: 256)
                let n = read(fd, &b, 256)
                if n <= 0 { break }
                text += String(decoding: b[0 ..< n], as: UTF8.self)
            }
            port = Int(text.split(separator: "\n").first?.split(separator: " ").last.map(String.init) ?? "") ?? 0
            XCTAssertGreaterThan(port, 0, "no port line: \(text)")
        }

        static func framescope(_ arguments: [String]) throws -> Server { try Server(executable: CLI.binary, ["serve"] + arguments + ["--port", "0", "--quiet"]) }

        static func python(_ script: String) throws -> Server {
            try Server(executable: try CLI.requireTool("python3"), ["-c", script])
        }

        /// SIGTERM, then a bounded wait: a server that ignores it is a failure, not a hung suite.
        func stop(file: StaticString = #filePath, line: UInt = #line) {
            if process.isRunning { process.terminate() }
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                XCTFail("the server did not stop within 10 s of SIGTERM", file: file, line: line)
            }
            process.waitUntilExit()
        }
    }

    func replay(_ capture: String, _ server: Server, _ extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["replay", CLI.capture(capture), "--to", "127.0.0.1:\(server.port)", "--timeout", "1"] + extra, timeout: 60)
    }

    func testTheSameServerAnswersTheSame() throws {
        let runs: [(String, [String], [String])] = [
            ("tcp-chat-ipv4.pcap", ["framed"], []),
            ("split.pcap", ["framed"], ["--timing", "original"]),
            ("sticky.pcap", ["framed"], ["--by-message"]),
            ("line-chat.pcap", ["text"], []),
            ("udp-chat.pcap", ["udp"], ["--udp"]),
        ]
        for (capture, kind, extra) in runs {
            let server = try Server.framescope(kind)
            defer { server.stop() }
            let r = try replay(capture, server, extra)
            XCTAssertEqual(r.status, 0, "\(capture): \(r.stdout)\n\(r.stderr)")
            XCTAssertTrue(r.stdout.contains(", 0 different, 0 missing, 0 extra"), "\(capture): \(r.stdout)")
            XCTAssertFalse(r.stdout.contains("0 same"), "\(capture): \(r.stdout)")
        }
        // JSON: one object a message, then the summary (docs/DESIGN.md "Replay JSON").
        let server = try Server.framescope(["framed"])
        defer { server.stop() }
        let j = try replay("tcp-chat-ipv4.pcap", server, ["--json"])
        let lines = try j.stdout.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(lines.last?["summary"] as? [String: Int], ["streams": 1, "same": 4, "different": 0, "missing": 0, "extra": 0])
        XCTAssertEqual(lines.first?["verdict"] as? String, "same")
        XCTAssertEqual(lines.first?["captured_hex"] as? String, "68656c6c6f")
    }

    /// The naive text server takes one read for one message: the two lines the capture's client
    /// wrote at once get one merged answer, so exactly those answers differ.
    func testAServerThatAnswersOtherwiseDiffersExactlyThere() throws {
        let server = try Server.framescope(["text", "--naive"])
        defer { server.stop() }
        let r = try replay("line-chat.pcap", server, ["--json"])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        let lines = try r.stdout.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let first = try XCTUnwrap(lines.first)
        XCTAssertEqual(first["verdict"] as? String, "different", "\(lines)")
        XCTAssertEqual(first["captured_hex"] as? String, Array("echo: hello".utf8).map { String(format: "%02x", $0) }.joined())
        // "echo: hello" then, where the capture's answer ended, the merged rest.
        XCTAssertEqual(first["first_difference"] as? Int, 11, "\(first)")
        let summary = try XCTUnwrap(lines.last?["summary"] as? [String: Int])
        XCTAssertGreaterThan(summary["different"] ?? 0, 0)
    }

    func testDeadSilentAndAbsentServersGiveAClearReportInTime() throws {
        // Answers the first message, then dies.
        let dies = try Server.python("""
        import socket, struct, sys, os
        s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
        print(s.getsockname()[1], flush=True)
        c, _ = s.accept()
        h = c.recv(4); n = struct.unpack('!I', h)[0]; b = c.recv(n)
        c.sendall(h + b); os._exit(0)
        """)
        defer { dies.stop() }
        var r = try replay("tcp-chat-ipv4.pcap", dies)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("#1 same \"hello\""), r.stdout)
        XCTAssertTrue(r.stdout.contains("#2 missing"), r.stdout)
        XCTAssertTrue(r.stdout.contains("the server closed the connection after") || r.stdout.contains("reset"), r.stdout)

        // Accepts and reads, never answers.
        let silent = try Server.python("""
        import socket, time
        s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
        print(s.getsockname()[1], flush=True)
        c, _ = s.accept()
        t = time.time()
        while time.time() - t < 30:
            if not c.recv(4096): time.sleep(0.05)
        """)
        defer { silent.stop() }
        let started = Date()
        r = try replay("tcp-chat-ipv4.pcap", silent)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("0 of the 4 captured answers came within 1.0 s"), r.stdout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "every wait is bounded")

        // Nothing listening (a port just freed).
        let gone = try Server.framescope(["framed"])
        let port = gone.port
        gone.stop()
        let g = try CLI.run(["replay", CLI.capture("tcp-chat-ipv4.pcap"), "--to", "127.0.0.1:\(port)", "--timeout", "1"], timeout: 30)
        XCTAssertEqual(g.status, 2, g.stdout + g.stderr)
        XCTAssertTrue(g.stdout.contains("could not connect"), g.stdout)

        // Not loopback: refused unless --allow-remote.
        let remote = try CLI.run(["replay", CLI.capture("tcp-chat-ipv4.pcap"), "--to", "192.0.2.1:9000"])
        XCTAssertEqual(remote.status, 2, remote.stderr)
        XCTAssertTrue(remote.stderr.contains("loopback"), remote.stderr)
    }

    /// A server whose answers carry the client's own port ("127.0.0.1:54321 said: …"): a replay
    /// is a new connection with a new port, so its answers differ from the capture's exactly
    /// there, and that is no difference. Recorded once with -w (so the capture's answers carry
    /// that run's port), then replayed from the recording: every answer `same`; and the masking
    /// is not blanket — a server that also adds a counter still differs.
    func testAnswersThatCarryTheClientsOwnPortAreTheSame() throws {
        guard CLI.isRoot else { throw XCTSkip("-w captures on lo: needs root") }
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func portServer(counter: Bool) throws -> Server {
            let script = """
            import socket, struct, sys, threading
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', 0)); s.listen(16)
            print(s.getsockname()[1], flush=True)
            count = [0]
            def exactly(c, n):
                b = b''
                while len(b) < n:
                    x = c.recv(n - len(b))
                    if not x: return None
                    b += x
                return b
            def serve(c, peer):
                while True:
                    h = exactly(c, 4)
                    if h is None: break
                    body = exactly(c, struct.unpack('!I', h)[0])
                    if body is None: break
                    count[0] += 1
                    extra = (' #%d' % count[0]) if COUNTER else ''
                    a = ('%s:%d said%s: ' % (peer[0], peer[1], extra)).encode() + body
                    c.sendall(struct.pack('!I', len(a)) + a)
                c.close()
            while True:
                c, peer = s.accept()
                threading.Thread(target=serve, args=(c, peer), daemon=True).start()
            """
            return try Server.python(script.replacingOccurrences(of: "COUNTER", with: counter ? "True" : "False"))
        }
        let server = try portServer(counter: false)
        defer { server.stop() }
        let recorded = dir.appendingPathComponent("recorded.pcap").path
        let first = try replay("tcp-chat-ipv4.pcap", server, ["-w", recorded])
        XCTAssertEqual(first.status, 1, "the committed capture's answers are echoes: \(first.stdout)")
        let again = try CLI.run(["replay", recorded, "--to", "127.0.0.1:\(server.port)", "--timeout", "1", "--json"], timeout: 60)
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        let lines = try again.stdout.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let answers = lines.filter { $0["verdict"] != nil }
        XCTAssertEqual(answers.count, 4, again.stdout)
        XCTAssertTrue(answers.allSatisfy { $0["verdict"] as? String == "same" }, again.stdout)
        // The bytes themselves did differ (other ports): the report keeps them as they came.
        XCTAssertTrue(answers.contains { $0["captured_hex"] as? String != $0["replayed_hex"] as? String }, again.stdout)

        let counting = try portServer(counter: true)
        defer { counting.stop() }
        let recorded2 = dir.appendingPathComponent("recorded2.pcap").path
        _ = try replay("tcp-chat-ipv4.pcap", counting, ["-w", recorded2])
        let differs = try CLI.run(["replay", recorded2, "--to", "127.0.0.1:\(counting.port)", "--timeout", "1"], timeout: 60)
        XCTAssertEqual(differs.status, 1, differs.stdout + differs.stderr)
        XCTAssertTrue(differs.stdout.contains("different"), differs.stdout)
    }

    /// `--timing original` keeps the captured gaps and the write boundaries: measured on the
    /// replay's own capture (-w).
    func testOriginalTimingKeepsGapsAndBoundaries() throws {
        guard CLI.isRoot else { throw XCTSkip("-w captures on lo: needs root") }
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try Server.framescope(["framed"])
        defer { server.stop() }
        let out = dir.appendingPathComponent("replay.pcap").path
        let r = try replay("split.pcap", server, ["--timing", "original", "-w", out])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        func clientSegments(_ file: String) throws -> [(time: Double, length: Int)] {
            let j = try CLI.run(["read", file, "--json", "--no-messages"])
            var out: [(Double, Int)] = []
            var clientPort: Int?
            for line in j.stdout.split(separator: "\n") {
                let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                guard let tcp = (o["layers"] as? [[String: Any]])?.first(where: { $0["proto"] as? String == "tcp" }),
                      let flags = tcp["flags"] as? [String], let n = tcp["payload_length"] as? Int else { continue }
                if flags.contains("SYN") && !flags.contains("ACK") { clientPort = tcp["src_port"] as? Int }
                guard n > 0, tcp["src_port"] as? Int == clientPort else { continue }
                let t = o["time"] as? String ?? ""
                let secs = t.split(separator: ":").last.flatMap { Double($0.dropLast()) } ?? 0
                out.append((secs, n))
            }
            return out
        }
        let original = try clientSegments(CLI.capture("split.pcap"))
        let replayed = try clientSegments(out)
        XCTAssertEqual(replayed.map(\.length), original.map(\.length), "write boundaries")
        for i in 1 ..< min(original.count, replayed.count) {
            let a = original[i].time - original[i - 1].time, b = replayed[i].time - replayed[i - 1].time
            XCTAssertEqual(b, a, accuracy: 0.015, "gap \(i): captured \(a) s, replayed \(b) s")
        }
    }
}
