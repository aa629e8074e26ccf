import Foundation
import XCTest

/// `fuzz --from FILE` (issue 22): a captured conversation as the seed and, replayed, as the
/// oracle. A stateful server of tools/fuzz-targets whose bug is reachable only after a login
/// (captured live with `live -w`), a server whose answers change every time (the fallback to
/// `--oracle reply`), and a line-framed conversation against `serve text` and its naive twin.
/// Every fuzz run is bounded by --families, --cases and --duration.
final class FuzzFromTests: XCTestCase {
    /// A fuzz run with its JSON report (minimisation off unless asked for).
    func fuzz(_ args: [String], timeout: TimeInterval = 120) throws -> FuzzCommandTests.Run {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("report.json").path
        let minimize = args.contains("--minimize-tries") ? [] : ["--minimize-tries", "0"]
        let r = try CLI.run(["fuzz"] + args + minimize + ["--report", path, "--quiet"], timeout: timeout)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), "no report: \(r.stdout)\n\(r.stderr)")
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return FuzzCommandTests.Run(status: r.status, report: report, stdout: r.stdout, stderr: r.stderr)
    }

    static func hex(_ s: String) -> String { s.utf8.map { String(format: "%02x", $0) }.joined() }

    /// A TCP conversation on 127.0.0.1 written as a pcap: handshake, then each turn's client
    /// bytes (one segment each) and the server's answer, then FINs.
    static func conversationPcap(_ turns: [(client: [UInt8], server: [UInt8])], to path: String) throws {
        var p = SyntheticPcap()
        let (c, s) = ((127, 0, 0, 1, 40000), (127, 0, 0, 1, 9000))
        var cseq: UInt32 = 1001, sseq: UInt32 = 5001
        p.add(c, s, seq: 1000, ack: 0, flags: .syn, window: 65535, ms: 0)
        p.add(s, c, seq: 5000, ack: cseq, flags: [.syn, .ack], window: 65535, ms: 1)
        p.add(c, s, seq: cseq, ack: sseq, flags: .ack, window: 65535, ms: 2)
        var ms = 10
        for t in turns {
            p.add(c, s, seq: cseq, ack: sseq, flags: [.psh, .ack], window: 65535, payload: t.client, ms: ms)
            cseq += UInt32(t.client.count)
            p.add(s, c, seq: sseq, ack: cseq, flags: [.psh, .ack], window: 65535, payload: t.server, ms: ms + 1)
            sseq += UInt32(t.server.count)
            p.add(c, s, seq: cseq, ack: sseq, flags: .ack, window: 65535, ms: ms + 2)
            ms += 10
        }
        p.add(c, s, seq: cseq, ack: sseq, flags: [.fin, .ack], window: 65535, ms: ms)
        p.add(s, c, seq: sseq, ack: cseq + 1, flags: [.fin, .ack], window: 65535, ms: ms + 1)
        p.add(c, s, seq: cseq + 1, ack: sseq + 1, flags: .ack, window: 65535, ms: ms + 2)
        try p.data.write(to: URL(fileURLWithPath: path))
    }

    static func framed(_ s: String) -> [UInt8] {
        let b = Array(s.utf8)
        return SyntheticPcap.be32(UInt32(b.count)) + b
    }

    /// A Python target of tools/fuzz-targets, its port read from its first output line.
    final class PythonTarget {
        let process = Process()
        let port: Int

        init(_ name: String, _ arguments: [String] = []) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-u", FuzzCommandTests.target(name), "0"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !line.contains(0x0a) {
                let d = out.fileHandleForReading.availableData
                if d.isEmpty { break }
                line += d
            }
            guard let p = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                process.terminate()
                throw XCTSkip("\(name) printed no port")
            }
            port = p
        }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    /// A seed that cannot be had, and options that need --from, are usage errors: exit 2.
    func testUsageErrorsAboutTheSeedExitTwo() throws {
        let line = CLI.capture("line-chat.pcap")
        let runs: [([String], String)] = [
            (["--oracle", "replay"], "replay needs --from"),
            (["--stream", "1"], "--stream chooses a stream of --from"),
            (["--from", "/nonexistent/x.pcap"], "cannot open"),
            (["--from", line, "--stream", "7"], "no TCP stream 7 with client messages (these have: 0)"),
            (["--from", line, "--udp"], "no UDP flow with client messages"),
            (["--from", line, "--expect", "x"], "--expect needs --oracle echo or reply"),
        ]
        for (args, said) in runs {
            let r = try CLI.run(["fuzz", "127.0.0.1:9", "--list"] + args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(said), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", "\(args)")
        }
        // The capture's framing is found there (line), and the ids name k.
        let list = try CLI.run(["fuzz", "127.0.0.1:9", "--list", "--from", line, "--families", "line"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains(" from/5:no-newline/1 line fin "), list.stdout)
    }

    // MARK: - a bug behind a login

    func testALoginCapturedLiveLetsTheFuzzerReachTheBugBehindIt() throws {
        guard CLI.isRoot else { throw XCTSkip("live capture needs root (or CAP_NET_RAW)") }
        _ = try CLI.requireTool("python3")
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("login.pcap").path

        // The conversation, captured live: a login, then two messages, each answered.
        let server = try PythonTarget("login_chat")
        defer { server.stop() }
        let live = try Background(["live", "-i", "lo", "tcp port \(server.port)", "-w", file])
        defer { live.stop() }
        XCTAssertTrue(live.waitForStderr("listening on lo", timeout: 10), live.stderrText)
        let chat = try CLI.run(["chat", "127.0.0.1:\(server.port)", "--framing", "!I", "--send", "LOGIN alice", "hello", "how are you"], timeout: 30)
        XCTAssertEqual(chat.status, 0, chat.stdout + chat.stderr)
        XCTAssertTrue(chat.stdout.contains("alice: how are you"), chat.stdout)
        XCTAssertTrue(LessonChatLiveTests.poll(10) { live.stdoutText.components(separatedBy: "[FIN").count - 1 >= 2 }, live.stdoutText)
        usleep(200_000)  // the last ACK
        XCTAssertEqual(live.interrupt(timeout: 10), 0, live.stderrText)
        server.stop()

        let target = "python3 \(FuzzCommandTests.target("login_chat")) 0"
        let bounded = ["--families", "boundary_length", "--max-message", "65536", "--duration", "60"]
        // --list names k in every id and sends nothing.
        let list = try CLI.run(["fuzz", "127.0.0.1:9", "--from", file, "--list"] + bounded)
        XCTAssertEqual(list.status, 0, list.stderr)
        let ids = list.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }
        XCTAssertTrue(ids.contains("from/1:len-0/1") && ids.contains("from/3:len-2^31/1"), list.stdout)
        XCTAssertTrue(ids.allSatisfy { $0.hasPrefix("from/") }, list.stdout)

        // With --from: the crash after the login, confirmed, minimised with the login kept.
        let found = try fuzz(["127.0.0.1:0", "--from", file, "--exec", target, "--minimize-tries", "24"] + bounded)
        XCTAssertEqual(found.status, 1, found.stdout + found.stderr)
        let findings = found.report["findings"] as? [[String: Any]] ?? []
        let crash = try XCTUnwrap(findings.first { $0["verdict"] as? String == "crash" }, "\(findings)\n\(found.stderr)")
        let confirmed = crash["confirmed"] as? [Int] ?? []
        XCTAssertGreaterThanOrEqual(confirmed.first ?? 0, 2, "\(crash)")
        XCTAssertTrue((crash["signature"] as? String ?? "").contains("login_chat.py"), "\(crash)")
        let minimized = (crash["minimized_writes_hex"] as? [String] ?? []).joined()
        XCTAssertTrue(minimized.contains(Self.hex("LOGIN")), "the minimised input lost the login: \(minimized)")
        XCTAssertTrue((crash["cases"] as? [String] ?? []).allSatisfy { !$0.hasPrefix("from/1:") }, "\(crash)")
        let reproduce = crash["reproduce"] as? String ?? ""
        XCTAssertTrue(reproduce.contains("--from \(file)") && reproduce.contains("--replay 'from/"), reproduce)

        // --replay plays one of its cases alone again.
        let caseID = try XCTUnwrap(crash["case"] as? String)
        let again = try CLI.run(["fuzz", "127.0.0.1:0", "--from", file, "--exec", target, "--max-message", "65536",
                                 "--replay", caseID, "--times", "2"], timeout: 60)
        XCTAssertEqual(again.status, 1, again.stdout + again.stderr)
        XCTAssertTrue(again.stdout.contains("crash"), again.stdout)

        // Without --from, the same families never log in: nothing found.
        let blind = try fuzz(["127.0.0.1:0", "--framing", "!I", "--oracle", "reply", "--exec", target] + bounded)
        XCTAssertEqual(blind.status, 0, blind.stdout + blind.stderr)
        XCTAssertEqual(blind.failures.count, 0, "\(blind.failures)")

        // The fixed server: nothing either.
        let fixed = try fuzz(["127.0.0.1:0", "--from", file, "--exec", target + " --fixed"] + bounded)
        XCTAssertEqual(fixed.status, 0, fixed.stdout + fixed.stderr)
        XCTAssertEqual(fixed.failures.count, 0, "\(fixed.failures)")
        XCTAssertFalse(fixed.stderr.contains("falling back"), fixed.stderr)
        XCTAssertEqual(fixed.report["oracle"] as? String, "replay")
        XCTAssertNil(fixed.report["oracle_fallback"])
    }

    // MARK: - answers that change every time

    func testAServerThatNeverAnswersTheSameWayFallsBackToReply() throws {
        _ = try CLI.requireTool("python3")
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("counter.pcap").path
        try Self.conversationPcap([(Self.framed("one"), Self.framed("#1 one")), (Self.framed("two"), Self.framed("#2 two"))], to: file)
        let run = try fuzz(["127.0.0.1:0", "--from", file, "--exec", "python3 \(FuzzCommandTests.target("counter_chat")) 0",
                            "--families", "relative_length", "--max-message", "65536", "--duration", "60"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let said = run.stderr.split(separator: "\n").filter { $0.contains("falling back to --oracle reply") }
        XCTAssertEqual(said.count, 1, run.stderr)
        XCTAssertTrue(said.first?.contains("the same way twice") ?? false, run.stderr)
        XCTAssertEqual(run.failures.count, 0, "\(run.failures)")
        XCTAssertGreaterThan(run.report["cases"] as? Int ?? 0, 0)
        XCTAssertEqual(run.report["oracle"] as? String, "reply")
        XCTAssertTrue((run.report["oracle_fallback"] as? String ?? "").contains("the same way twice"), "\(run.report)")
    }

    /// A correct server whose answers carry the client's own port ("127.0.0.1:40000 said: one"):
    /// every connection has another port, so neither the case's own answers nor the replayed
    /// conversation may count that as a difference — no finding, and no fallback to `reply`.
    func testAnswersCarryingTheClientsPortAreNoDifference() throws {
        _ = try CLI.requireTool("python3")
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("port_chat.py").path
        try """
        import socket, struct, threading
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', 0)); s.listen(64)
        print(s.getsockname()[1], flush=True)
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
                (n,) = struct.unpack('!I', h)
                if n > 65536: break
                body = exactly(c, n)
                if body is None: break
                a = ('%s:%d said: ' % peer).encode() + body
                c.sendall(struct.pack('!I', len(a)) + a)
            c.close()
        while True:
            c, peer = s.accept()
            threading.Thread(target=serve, args=(c, peer), daemon=True).start()
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let file = dir.appendingPathComponent("port.pcap").path
        try Self.conversationPcap([(Self.framed("one"), Self.framed("127.0.0.1:40000 said: one")),
                                   (Self.framed("two"), Self.framed("127.0.0.1:40000 said: two"))], to: file)
        let run = try fuzz(["127.0.0.1:0", "--from", file, "--exec", "python3 \(script) 0",
                            "--families", "write_boundaries,boundary_length", "--max-message", "65536", "--duration", "60"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(run.failures.count, 0, "\(run.failures)")
        XCTAssertFalse(run.stderr.contains("falling back"), run.stderr)
        XCTAssertEqual(run.report["oracle"] as? String, "replay")
        XCTAssertGreaterThan(run.report["cases"] as? Int ?? 0, 0)
    }

    // MARK: - a line-framed conversation

    func testALineConversationSeedsTheTextServers() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("text.pcap").path
        let lines = ["hello", "how are you?", "fine"]
        try Self.conversationPcap(lines.map { (Array("\($0)\n".utf8), Array("echo: \($0)\n".utf8)) }, to: file)
        let fs = CLI.binary.path
        let args = ["127.0.0.1:0", "--from", file, "--families", "line,write_boundaries", "--duration", "60", "--max-message", "65536"]
        let robust = try fuzz(args + ["--exec", "\(fs) serve text --port 0 --quiet"])
        XCTAssertEqual(robust.status, 0, robust.stdout + robust.stderr)
        XCTAssertEqual(robust.failures.count, 0, "\(robust.failures)")
        XCTAssertEqual(robust.report["format"] as? String, "line")
        XCTAssertFalse(robust.stderr.contains("falling back"), robust.stderr)
        // The naive server takes one read as one message: a captured line cut over several
        // writes is not answered as the capture shows.
        let naive = try fuzz(args + ["--exec", "\(fs) serve text --naive --port 0 --quiet"])
        XCTAssertEqual(naive.status, 1, naive.stdout + naive.stderr)
        XCTAssertTrue(naive.failures.contains { $0["verdict"] as? String == "wrong" && ($0["case"] as? String ?? "").contains(":own-") },
                      "\(naive.failures.map { "\($0["verdict"]!) \($0["case"]!)" })")
    }
}
