import Foundation
import Render
import XCTest
import TestSupport

/// `framescope follow --live` on the real `lo`: its standard output is read through a pipe as it
/// comes, while the conversation is still going — each row must arrive before the peer sends
/// the next thing (so rows are flushed one by one, not at the end).
final class FollowLiveTests: XCTestCase {
    /// A framescope process whose standard output and error are pipes read as they come.
    final class Piped: @unchecked Sendable {
        let process = Process()
        private let condition = NSCondition()
        // Guarded by `condition`.
        private var out = Data()
        private var err = Data()
        private var open = 2

        init(_ arguments: [String]) throws {
            process.executableURL = CLI.binary
            process.arguments = arguments
            var env = ProcessInfo.processInfo.environment
            env["NO_COLOR"] = "1"
            process.environment = env
            let o = Pipe(), e = Pipe()
            process.standardOutput = o
            process.standardError = e
            process.standardInput = FileHandle.nullDevice
            try process.run()
            for (pipe, isOut) in [(o, true), (e, false)] {
                let handle = pipe.fileHandleForReading
                Thread { [self] in
                    while true {
                        let chunk = handle.availableData
                        condition.lock()
                        if chunk.isEmpty { open -= 1 } else if isOut { out.append(chunk) } else { err.append(chunk) }
                        condition.broadcast()
                        condition.unlock()
                        if chunk.isEmpty { return }
                    }
                }.start()
            }
        }

        var stdout: String { condition.lock(); defer { condition.unlock() }; return String(decoding: out, as: UTF8.self) }
        var stderr: String { condition.lock(); defer { condition.unlock() }; return String(decoding: err, as: UTF8.self) }

        /// Waits until `test` holds for standard output (or error), or `timeout` passes.
        @discardableResult
        func wait(timeout: TimeInterval, stderr: Bool = false, until test: (String) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            condition.lock()
            defer { condition.unlock() }
            while true {
                if test(String(decoding: stderr ? err : out, as: UTF8.self)) { return true }
                if open == 0 || !condition.wait(until: deadline) { return test(String(decoding: stderr ? err : out, as: UTF8.self)) }
            }
        }

        /// The process's end (bounded; killed if it does not end): its status, with both pipes read to their end.
        func exit(timeout: TimeInterval) -> Int32 {
            let deadline = Date().addingTimeInterval(timeout)
            condition.lock()
            while open > 0 && condition.wait(until: deadline) {}
            condition.unlock()
            // Pipes closed: the process is ending; give it until the deadline to be reaped.
            while process.isRunning && Date() < deadline { usleep(5_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return -1
            }
            process.waitUntilExit()
            return process.terminationStatus
        }

        func interrupt(timeout: TimeInterval) -> Int32 {
            if process.isRunning { kill(process.processIdentifier, SIGINT) }
            return exit(timeout: timeout)
        }

        func stop() {
            if process.isRunning { _ = interrupt(timeout: 5) }
        }
    }

    static func rows(_ text: String, stream: Int) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("[\(stream)] ") && $0.hasSuffix("|") }
    }

    func testRowsArriveAsTheConversationGoesAndTheSummaryAtCtrlC() throws {
        guard CLI.isRoot else { throw XCTSkip("live capture needs root (or CAP_NET_RAW)") }
        let started = Date()
        let listener = try LoopbackSocket.listen(.v4)
        defer { listener.close() }
        let port = listener.localPort
        let live = try Piped(["follow", "--live", "-i", "lo", "tcp port \(port)", "--framing", "!I"])
        defer { live.stop() }
        XCTAssertTrue(live.wait(timeout: 10, stderr: true) { $0.contains("listening on lo") }, live.stderr)

        // Stream 0. Each step waits for its row while the connection stays open.
        let client = try LoopbackSocket.connect(.v4, port: port, noDelay: true)
        defer { client.close() }
        let server = try listener.accept()
        defer { server.close() }
        try client.send(lengthPrefixed(Array("hi".utf8)))
        XCTAssertTrue(live.wait(timeout: 10) { $0.contains(" 6 B #1 \"hi\" ") }, "the first message's row, before anything more is sent:\n" + live.stdout)
        let header = "stream 0: client 127.0.0.1:\(client.localPort) ⇄ server 127.0.0.1:\(port) (sent the SYN)"
        let beforeHi = live.stdout.components(separatedBy: "#1 \"hi\"")[0]
        XCTAssertTrue(beforeHi.contains(header + "\n"), "the stream's header comes first:\n" + live.stdout)
        XCTAssertEqual(Self.rows(beforeHi, stream: 0).count, 3, "SYN, SYN-ACK and ACK rows came first:\n" + live.stdout)

        // Sticky: two framed messages in one write, one segment.
        try client.send(lengthPrefixed(Array("one".utf8)) + lengthPrefixed(Array("two".utf8)))
        XCTAssertTrue(live.wait(timeout: 10) { $0.contains("(sticky)") }, live.stdout)
        let sticky = Self.rows(live.stdout, stream: 0).filter { $0.contains("(sticky)") }
        XCTAssertEqual(sticky.count, 1, "one arrow: \(sticky)")
        XCTAssertTrue(sticky.first?.contains("14 B #2 \"one\" | #3 \"two\" (sticky) ") == true, "\(sticky)")
        XCTAssertTrue(sticky.first?.hasSuffix(">|") == true, "client to server: \(sticky)")
        XCTAssertEqual(try server.receive(exactly: 6 + 14).count, 20)

        // The reply in Chinese: its row as wide as the others.
        try server.send(lengthPrefixed(Array("你好，我是服务器".utf8)))
        XCTAssertTrue(live.wait(timeout: 10) { $0.contains("#1 \"你好，我是服务器\"") }, live.stdout)
        _ = try client.receive(exactly: 28)

        // Stream 1 opens while stream 0 is open; then stream 0 speaks again: the rows interleave.
        let client2 = try LoopbackSocket.connect(.v4, port: port, noDelay: true)
        defer { client2.close() }
        let server2 = try listener.accept()
        defer { server2.close() }
        try client2.send(lengthPrefixed(Array("from two".utf8)))
        XCTAssertTrue(live.wait(timeout: 10) { $0.contains("[1]") && $0.contains("#1 \"from two\"") }, live.stdout)
        XCTAssertTrue(live.stdout.contains("stream 1: client 127.0.0.1:\(client2.localPort) ⇄ server 127.0.0.1:\(port) (sent the SYN)\n"), live.stdout)
        try client.send(lengthPrefixed(Array("back to zero".utf8)))
        XCTAssertTrue(live.wait(timeout: 10) { $0.contains("#4 \"back to zero\"") }, live.stdout)
        let lines = live.stdout.split(separator: "\n").map(String.init)
        let firstOfOne = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("[1] ") })
        let backToZero = try XCTUnwrap(lines.firstIndex { $0.contains("back to zero") })
        XCTAssertTrue(firstOfOne < backToZero && lines[backToZero].hasPrefix("[0] "), "interleaved:\n" + live.stdout)
        let widths = Set(Self.rows(live.stdout, stream: 0).map { DisplayWidth.of($0) } + Self.rows(live.stdout, stream: 1).map { DisplayWidth.of($0) })
        XCTAssertEqual(widths.count, 1, "every row as wide as the others, the Chinese one too:\n" + live.stdout)

        // Both close; Ctrl-C: the summary of both conversations.
        client.shutdownWrite()
        client2.shutdownWrite()
        XCTAssertEqual(try server.receive(exactly: 16).count, 16)
        XCTAssertEqual(try server.receive(max: 16), [], "end of stream 0")
        XCTAssertEqual(try server2.receive(exactly: 12).count, 12)
        XCTAssertEqual(try server2.receive(max: 16), [], "end of stream 1")
        server.close()
        server2.close()
        XCTAssertTrue(live.wait(timeout: 10) { Self.rows($0, stream: 0).contains { $0.contains("FIN") } && Self.rows($0, stream: 1).contains { $0.contains("FIN") } },
                      "FIN rows:\n" + live.stdout)
        XCTAssertEqual(live.interrupt(timeout: 10), 0, live.stderr)
        let out = live.stdout
        let summary = try XCTUnwrap(out.components(separatedBy: "\n\n").last)
        let frame = { (text: String) in
            lines.first { $0.contains(text) }.flatMap { $0.split(separator: "#").dropFirst().first?.split(separator: " ").first }.map(String.init) ?? "?"
        }
        XCTAssertTrue(summary.hasPrefix(header + "; framing !I\n"), summary)
        XCTAssertTrue(summary.contains("→ #1 \"hi\"   frames \(frame("#1 \"hi\""))\n"), summary)
        XCTAssertTrue(summary.contains("→ #2 \"one\"   frames \(frame("(sticky)"))\n→ #3 \"two\"   frames \(frame("(sticky)"))\n"), summary)
        XCTAssertTrue(summary.contains("← #1 \"你好，我是服务器\"   frames"), summary)
        XCTAssertTrue(summary.contains("→ #4 \"back to zero\"   frames"), summary)
        XCTAssertTrue(summary.contains("\nstream 1: client 127.0.0.1:\(client2.localPort) ⇄ server 127.0.0.1:\(port) (sent the SYN); framing !I\n→ #1 \"from two\"   frames"), summary)
        XCTAssertTrue(live.stderr.contains("frames captured"), live.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "bounded in time")
    }

    /// --duration ends the capture on its own (with the summary); --stream keeps one stream.
    func testDurationStopsAndStreamFilters() throws {
        guard CLI.isRoot else { throw XCTSkip("live capture needs root (or CAP_NET_RAW)") }
        let listener = try LoopbackSocket.listen(.v4)
        defer { listener.close() }
        let live = try Piped(["follow", "--live", "tcp", "port", "\(listener.localPort)", "--framing", "!I", "--stream", "1", "--duration", "3"])
        defer { live.stop() }
        XCTAssertTrue(live.wait(timeout: 10, stderr: true) { $0.contains("listening on lo") }, live.stderr)
        let started = Date()
        for text in ["zero", "one"] {
            let c = try LoopbackSocket.connect(.v4, port: listener.localPort)
            let s = try listener.accept()
            try c.send(lengthPrefixed(Array(text.utf8)))
            XCTAssertEqual(try s.receive(exactly: 4 + text.utf8.count).count, 4 + text.utf8.count)
            c.close()
            s.close()
        }
        XCTAssertTrue(live.wait(timeout: 10) { $0.contains("#1 \"one\"") }, live.stdout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3, "the exchange fit in the capture's 3 s")
        XCTAssertEqual(live.exit(timeout: 15), 0, live.stderr)
        let out = live.stdout
        XCTAssertFalse(out.contains("[0]") || out.contains("stream 0") || out.contains("zero"), "only stream 1:\n" + out)
        XCTAssertFalse(Self.rows(out, stream: 1).isEmpty, out)
        XCTAssertTrue(out.contains("(sent the SYN); framing !I\n→ #1 \"one\"   frames "), "the summary at the end:\n" + out)
        XCTAssertTrue(out.hasSuffix("\n") && out.split(separator: "\n").last?.hasPrefix("→ #1 \"one\"") == true, out)
        XCTAssertTrue(live.stderr.contains("frames captured"), live.stderr)
    }

    /// -c N stops after N frames: the handshake's three rows, then the summary.
    func testCountStops() throws {
        guard CLI.isRoot else { throw XCTSkip("live capture needs root (or CAP_NET_RAW)") }
        let listener = try LoopbackSocket.listen(.v4)
        defer { listener.close() }
        let live = try Piped(["follow", "--live", "-c", "3", "tcp port \(listener.localPort)"])
        defer { live.stop() }
        XCTAssertTrue(live.wait(timeout: 10, stderr: true) { $0.contains("listening on lo") }, live.stderr)
        let c = try LoopbackSocket.connect(.v4, port: listener.localPort)
        defer { c.close() }
        let s = try listener.accept()
        defer { s.close() }
        XCTAssertEqual(live.exit(timeout: 10), 0, live.stderr)
        let rows = Self.rows(live.stdout, stream: 0)
        XCTAssertEqual(rows.map { $0.contains(" SYN ") }, [true, false, false], live.stdout)
        XCTAssertTrue(rows[1].contains(" SYN,ACK ") && rows[2].contains(" ACK "), live.stdout)
        XCTAssertTrue(live.stdout.hasSuffix("(sent the SYN)\n(no messages)\n"), live.stdout)
        XCTAssertTrue(live.stderr.contains("3 frames captured"), live.stderr)
    }

    func testLiveOptionsAreChecked() throws {
        for args in [["follow", "--live", "--svg", "x.svg"], ["follow", CLI.capture("sticky.pcap"), "tcp"],
                     ["follow", CLI.capture("sticky.pcap"), "-c", "3"], ["follow", CLI.capture("sticky.pcap"), "--duration", "1"],
                     ["follow"], ["follow", "--live", "-c", "0"]] {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
        }
        let help = try CLI.run(["follow", "--help"])
        XCTAssertTrue(help.stdout.contains("follow --live"), help.stdout)
        XCTAssertTrue(help.stdout.contains("--live"), help.stdout)
    }
}
