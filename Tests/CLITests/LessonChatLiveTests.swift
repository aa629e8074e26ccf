import Foundation
import XCTest

/// Issue 18: the lesson's own chat (tools/lesson: a server that speaks first, a client that
/// answers, bare UTF-8 text with no header and no newline, `recv(1024)`, `Q` ends), inspected live
/// under the default `auto`: every data frame shows its message, `messages` on the written file
/// lists the turns in conversation order, and `messages --live` prints the first turn while the
/// conversation still goes on.
final class LessonChatLiveTests: XCTestCase {
    /// A Python script of tools/lesson with its standard input and output on pipes, read as it comes.
    final class Script: @unchecked Sendable {
        let process = Process()
        let input = Pipe()
        private let output = Pipe()
        private let lock = NSLock()
        private var text = ""  // guarded by lock

        init(_ name: String, _ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-u", CLI.packageRoot.appendingPathComponent("tools/lesson/\(name)").path] + arguments
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            output.fileHandleForReading.readabilityHandler = { [weak self] h in
                let d = h.availableData
                guard let self, !d.isEmpty else { return }
                self.lock.lock(); self.text += String(decoding: d, as: UTF8.self); self.lock.unlock()
            }
            try process.run()
        }

        var stdout: String { lock.lock(); defer { lock.unlock() }; return text }

        /// One line typed at its `input()` prompt.
        func type(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

        /// Waits (bounded) until its output holds `what`.
        func waitFor(_ what: String, timeout: TimeInterval = 10) -> Bool {
            poll(timeout) { self.stdout.contains(what) }
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            if process.isRunning {
                _ = poll(5) { !self.process.isRunning }
                if process.isRunning { process.terminate(); process.waitUntilExit() }
            }
            output.fileHandleForReading.readabilityHandler = nil
        }
    }

    static func poll(_ timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
    func poll(_ timeout: TimeInterval, _ condition: () -> Bool) -> Bool { Self.poll(timeout, condition) }

    func testTheLessonsBareTextChatShowsEveryMessageLiveAndInOrder() throws {
        guard CLI.isRoot else { throw XCTSkip("live capture needs root (or CAP_NET_RAW)") }
        _ = try CLI.requireTool("python3")
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("lesson.pcap").path

        let server = try Script("tcp_server.py", ["0"])
        defer { server.stop() }
        XCTAssertTrue(server.waitFor("listening on "), server.stdout)
        let port = try XCTUnwrap(server.stdout.split(separator: "\n").first.flatMap { $0.split(separator: " ").last }.map(String.init))
        let live = try Background(["live", "-i", "lo", "tcp port \(port)", "-w", file])
        defer { live.stop() }
        let messagesLive = try Background(["messages", "--live", "tcp", "port", port, "--json"])
        defer { messagesLive.stop() }
        XCTAssertTrue(live.waitForStderr("listening on lo", timeout: 10), live.stderrText)
        XCTAssertTrue(messagesLive.waitForStderr("listening on lo", timeout: 10), messagesLive.stderrText)

        let client = try Script("tcp_client.py", [port])
        defer { client.stop() }
        // The turns: the server speaks first, the client answers; Chinese text too; Q ends.
        let turns: [(fromServer: Bool, text: String)] = [
            (true, "你好，我是服务器"), (false, "hi server"), (true, "how are you"), (false, "fine, 谢谢"),
            (true, "再见 then"), (false, "Q"),
        ]
        for (i, turn) in turns.enumerated() {
            (turn.fromServer ? server : client).type(turn.text)
            if turn.text == "Q" { break }
            // The other side printed what it received (its recv(1024) got the whole turn).
            XCTAssertTrue((turn.fromServer ? client : server).waitFor(turn.text), "turn \(i + 1): \(turn.text)")
            if i == 0 {
                // messages --live printed the first turn while the conversation goes on.
                XCTAssertTrue(poll(10) { ((try? jsonLines(messagesLive.stdoutText)) ?? []).first?["text"] as? String == turns[0].text },
                              messagesLive.stdoutText)
                XCTAssertTrue(client.process.isRunning && server.process.isRunning, "the conversation is still going on")
            }
        }
        XCTAssertTrue(poll(10) { !client.process.isRunning && !server.process.isRunning }, "both scripts ended after Q")
        // Every frame of the conversation captured (FIN both ways and the last ACK) before stopping.
        XCTAssertTrue(poll(10) { live.stdoutText.components(separatedBy: "[FIN").count - 1 >= 2 }, live.stdoutText)
        usleep(200_000)  // the last ACK follows the second FIN at once; it is not asserted on
        XCTAssertEqual(live.interrupt(timeout: 10), 0, live.stderrText)
        XCTAssertEqual(messagesLive.interrupt(timeout: 10), 0, messagesLive.stderrText)

        // Every data frame's line carries its message's text, as it was decoded.
        let dataLines = live.stdoutText.split(separator: "\n").filter { !$0.contains(" len 0 ") && $0.contains(" len ") }
        XCTAssertEqual(dataLines.count, turns.count, live.stdoutText)
        for (line, turn) in zip(dataLines, turns) {
            XCTAssertTrue(line.contains("\"\(turn.text)\""), "\(turn.text) missing from: \(line)")
        }
        XCTAssertTrue(dataLines[0].contains("(provisional raw)"), String(dataLines[0]))
        XCTAssertTrue(live.stderrText.contains("framing raw (guessed): bare UTF-8 text"), live.stderrText)

        // messages on the file: the turns in conversation order, both directions interleaved.
        let r = try CLI.run(["messages", file, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let ms = try jsonLines(r.stdout)
        XCTAssertEqual(ms.compactMap { $0["text"] as? String }, turns.map(\.text))
        XCTAssertEqual(ms.compactMap { $0["direction"] as? String },
                       turns.map { $0.fromServer ? "server_to_client" : "client_to_server" })
        // messages --live: the same messages, the first one marked provisional.
        let lm = try jsonLines(messagesLive.stdoutText)
        XCTAssertEqual(lm.compactMap { $0["text"] as? String }, turns.map(\.text))
        XCTAssertEqual(lm.first?["provisional"] as? Bool, true)
        XCTAssertNil(lm.last?["provisional"])
    }
}
