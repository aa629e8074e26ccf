import Chat
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import TestSupport

/// `framescope live` on the real `lo`: a TCP exchange over 127.0.0.1 and over ::1 and a UDP
/// exchange, captured with a filter for ports the test opened; the frames printed are the ones
/// sent, Ctrl-C stops the capture cleanly, and the `-w` file reads back to the same output.
final class LiveCommandTests: XCTestCase {
    func testLiveCaptureOfTCPv4TCPv6AndUDPMatchesTheWrittenFile() throws {
        guard CLI.isRoot else { throw XCTSkip("live capture needs root (or CAP_NET_RAW)") }
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("live.pcap").path

        let tcp4 = try LoopbackSocket.listen(.v4)
        let tcp6 = try LoopbackSocket.listen(.v6)
        let udp = try LoopbackSocket.udp(.v4)
        let (p4, p6, pu) = (tcp4.localPort, tcp6.localPort, udp.localPort)
        let filter = "tcp port \(p4) or tcp port \(p6) or udp port \(pu)"

        let live = try Background(["live", "-i", "lo", filter, "--json", "-w", file])
        defer { live.stop() }
        XCTAssertTrue(live.waitForStderr("listening on lo", timeout: 10), live.stderrText)

        // One framed message each way on each TCP connection, one datagram each way.
        for (listener, family) in [(tcp4, LoopbackSocket.Family.v4), (tcp6, .v6)] {
            let client = try LoopbackSocket.connect(family, port: listener.localPort)
            let server = try listener.accept()
            try client.send(lengthPrefixed(Array("hello over \(family)".utf8)))
            XCTAssertEqual(try server.receive(exactly: 17).count, 17)
            try server.send(lengthPrefixed(Array("hi".utf8)))
            XCTAssertEqual(try client.receive(exactly: 6), lengthPrefixed(Array("hi".utf8)))
            client.close()
            server.close()
        }
        let peer = try LoopbackSocket.udp(.v4)
        try peer.sendDatagram(Array("ping".utf8), toPort: pu)
        let (got, from) = try udp.receiveDatagram()
        XCTAssertEqual(got, Array("ping".utf8))
        try udp.sendDatagram(Array("pong!".utf8), toPort: from)
        XCTAssertEqual(try peer.receiveDatagram().bytes, Array("pong!".utf8))

        // Let the last frames through, then Ctrl-C: the file is flushed and counters printed.
        usleep(500_000)
        let status = live.interrupt(timeout: 10)
        XCTAssertEqual(status, 0, live.stderrText)
        XCTAssertTrue(live.stderrText.contains("frames captured; libpcap:"), live.stderrText)
        XCTAssertTrue(live.stderrText.contains(" 0 dropped by kernel"), "a burst on lo must not be dropped: \(live.stderrText)")

        let frames = try jsonLines(live.stdoutText)
        func layer(_ f: [String: Any], _ proto: String) -> [String: Any]? {
            (f["layers"] as? [[String: Any]])?.first { $0["proto"] as? String == proto }
        }
        let syn4 = frames.filter { (layer($0, "tcp")?["dst_port"] as? Int) == Int(p4) && (layer($0, "tcp")?["flags"] as? [String]) == ["SYN"] }
        XCTAssertEqual(syn4.count, 1, "one SYN to the IPv4 listener")
        XCTAssertEqual(layer(syn4[0], "ipv4")?["src"] as? String, "127.0.0.1")
        XCTAssertEqual(layer(syn4[0], "tcp")?["checksum_status"] as? String, "partial")
        let syn6 = frames.filter { (layer($0, "tcp")?["dst_port"] as? Int) == Int(p6) && (layer($0, "tcp")?["flags"] as? [String]) == ["SYN"] }
        XCTAssertEqual(syn6.count, 1, "one SYN to the IPv6 listener")
        XCTAssertEqual(layer(syn6[0], "ipv6")?["src"] as? String, "::1")
        let data4 = frames.filter { (layer($0, "tcp")?["dst_port"] as? Int) == Int(p4) && (layer($0, "tcp")?["payload_length"] as? Int) == 17 }
        XCTAssertEqual(data4.count, 1, "the framed message is one 17-byte segment")
        let fins = frames.filter { ((layer($0, "tcp")?["flags"] as? [String]) ?? []).contains("FIN") }
        XCTAssertEqual(fins.count, 4, "both sides of both connections closed")
        let udpFrames = frames.compactMap { layer($0, "udp") }
        XCTAssertEqual(udpFrames.map { $0["payload_length"] as? Int }, [4, 5])
        XCTAssertEqual(udpFrames.first?["dst_port"] as? Int, Int(pu))
        XCTAssertEqual(frames.map { $0["frame"] as? Int }, Array(1 ... frames.count).map { Optional($0) })

        // The file holds exactly what was printed.
        let reread = try CLI.run(["read", file, "--json"])
        XCTAssertEqual(reread.status, 0, reread.stderr)
        XCTAssertEqual(reread.stdout, live.stdoutText)
    }

    func testUnknownInterfaceListsTheRealOnes() throws {
        let r = try CLI.run(["live", "-i", "nosuch0", "-c", "1"])
        XCTAssertEqual(r.status, 2)
        if CLI.isRoot {
            XCTAssertTrue(r.stderr.contains("no such interface \"nosuch0\""), r.stderr)
            XCTAssertTrue(r.stderr.contains("lo"), r.stderr)
        } else {
            XCTAssertTrue(r.stderr.contains("setcap") || r.stderr.contains("no such interface"), r.stderr)
        }
    }

    func testMissingPermissionSaysHowToGrantIt() throws {
        // Drop to nobody (setpriv, util-linux) so libpcap really is refused.
        guard CLI.isRoot, let setpriv = CLI.which("setpriv") else { throw XCTSkip("needs root and setpriv to drop privileges") }
        let r = try CLI.runProgram(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path, "live", "-i", "lo", "-c", "1"])
        if r.stderr.hasPrefix("setpriv:") {
            throw XCTSkip("nobody cannot run the binary from this checkout's path: \(r.stderr)")
        }
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("no permission to capture on lo"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Operation not permitted"), "libpcap's own words: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("setcap cap_net_raw,cap_net_admin=eip"), r.stderr)
    }

    func testBadLiveFilterQuotesLibpcap() throws {
        guard CLI.isRoot else { throw XCTSkip("needs root") }
        let r = try CLI.run(["live", "-i", "lo", "port", "notaport"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("bad capture filter \"port notaport\""), r.stderr)
    }

    func testDurationStopsAQuietCapture() throws {
        guard CLI.isRoot else { throw XCTSkip("needs root") }
        let started = Date()
        let r = try CLI.run(["live", "-i", "lo", "--duration", "1", "udp port 9"], timeout: 20)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertTrue(r.stderr.contains("0 frames captured"), r.stderr)
    }

    func testInterfacesListsLoopback() throws {
        let r = try CLI.run(["interfaces"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.split(separator: "\n").contains { $0.hasPrefix("lo ") && $0.contains("loopback") }, r.stdout)
    }

    func testDemoRunsEndToEnd() throws {
        guard CLI.isRoot else { throw XCTSkip("the demo captures live: needs root") }
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["demo", "--out", dir.path], timeout: 60, environment: ["LANG": "C.UTF-8", "LC_ALL": ""])
        XCTAssertEqual(r.status, 0, r.stderr)
        for section in ["1. Every frame", "2. Frame", "three messages in one segment", "3. Frame", "a split message",
                        "4. The messages", "5. The ladder", "L4 transport", "L7 application", "sticky", "split over",
                        "6. The fuzzer", "wrong · lines-in-one-write", "One recv() was taken for one message", "--replay"] {
            XCTAssertTrue(r.stdout.contains(section), "missing \(section):\n\(r.stdout)")
        }
        // The fuzz step's reports, next to the capture.
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("fuzz-report.json"))) as? [String: Any])
        let failures = report["failures"] as? [[String: Any]] ?? []
        XCTAssertTrue(failures.contains { $0["verdict"] as? String == "wrong" && $0["minimized_writes_hex"] != nil }, "\(failures)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("fuzz-report.html").path))
        let svg = try Data(contentsOf: dir.appendingPathComponent("ladder.svg"))
        let parser = XMLParser(data: svg)
        XCTAssertTrue(parser.parse(), "well-formed XML: \(String(describing: parser.parserError))")
        XCTAssertTrue(String(decoding: svg, as: UTF8.self).contains("sticky"))

        // The capture decodes (auto framing, no hints) to exactly what the scripted clients sent.
        let json = try CLI.run(["messages", dir.appendingPathComponent("demo.pcap").path, "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        var sent: [Int: [String]] = [:], answered: [Int: Int] = [:]
        for line in json.stdout.split(separator: "\n") {
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let stream = try XCTUnwrap(o["stream"] as? Int)
            XCTAssertEqual(o["complete"] as? Bool, true, String(line))
            if o["direction"] as? String == "client_to_server" {
                sent[stream, default: []].append(try XCTUnwrap(o["text"] as? String))
            } else {
                answered[stream, default: 0] += 1
            }
        }
        XCTAssertEqual(sent[0], [["hello, server"], ["one", "two", "three"], [String(repeating: "0123456789", count: 10_000)], ["Q"]].flatMap { $0 })
        XCTAssertEqual(sent[1], ["hi there", "line one", "line two", "Q"])
        XCTAssertEqual(answered[0], 6, "five echoes and a bye")
        XCTAssertEqual(answered[1], 4, "three echoes and a bye")

        // The other parts, each in its own capture (DemoPartsTests checks what they hold).
        for part in ["turns", "clients", "udp", "receiver", "mtu", "naive", "fuzz"] {
            XCTAssertTrue(r.stdout.contains("━━ part \(part):"), "no part \(part)")
        }
        try DemoPartsTests.checkCaptures(dir)
    }

    /// The explanations in the lesson's language: --lang zh, or LANG=zh_*.
    func testDemoSpeaksChinese() throws {
        guard CLI.isRoot else { throw XCTSkip("the demo captures live: needs root") }
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["demo", "--out", dir.path], timeout: 90, environment: ["LANG": "zh_CN.UTF-8", "LC_ALL": ""])
        XCTAssertEqual(r.status, 0, r.stderr)
        for term in ["粘包", "拆包", "报头", "演示"] { XCTAssertTrue(r.stdout.contains(term), "missing \(term)") }
        // Every part in the lesson's words, and the per-frame words too.
        let terms: [String: [String]] = [
            "turns": ["课上第一版聊天程序", "轮流", "暂定为 raw"],
            "clients": ["能够接收多个客户端的请求", "第 1 条流"],
            "udp": ["只出现在tcp协议中", "数据报就是一条消息"],
            "receiver": ["接收端", "没有及时接收", "一次 recv()，一条消息"],
            "mtu": ["MTU=1500字节", "tcp发多大都行 因为会在中途拆分"],
            "naive": ["朴素的服务器", "（一次写入）"],
            "frames": ["一个报文段里有 3 条消息（粘包", "：拆包", "长度报头在载荷偏移 0 处"],
        ]
        // Paragraphs are folded (CJK between any two characters): compare without white space.
        let flat = r.stdout.filter { !$0.isWhitespace }
        for (part, words) in terms {
            for w in words { XCTAssertTrue(flat.contains(w.filter { !$0.isWhitespace }), "\(part): missing \(w)") }
        }
        XCTAssertFalse(r.stdout.contains("messages in one segment (sticky)"), "the one-line summaries speak Chinese")
        let en = try CLI.run(["demo", "--out", dir.path, "--lang", "en", "--part", "turns"], timeout: 60,
                             environment: ["LANG": "zh_CN.UTF-8", "LC_ALL": ""])
        XCTAssertEqual(en.status, 0, en.stderr)
        XCTAssertFalse(en.stdout.contains("课上"), "English sentences (the lesson's terms may appear in brackets)")
        let bad = try CLI.run(["demo", "--lang", "xx"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
    }
}

/// A framescope process running in the background, its output collected in files.
final class Background {
    let process = Process()
    let out: URL
    let err: URL

    init(_ arguments: [String]) throws {
        let dir = try CLI.temporaryDirectory()
        out = dir.appendingPathComponent("stdout")
        err = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.executableURL = CLI.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var stdoutText: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
    var stderrText: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }

    func waitForStderr(_ text: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stderrText.contains(text) { return true }
            if !process.isRunning { return false }
            usleep(20_000)
        }
        return false
    }

    /// SIGINT, then wait (bounded); SIGKILL if it does not stop. Returns the exit status.
    func interrupt(timeout: TimeInterval) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func stop() {
        if process.isRunning { _ = interrupt(timeout: 5) }
        try? FileManager.default.removeItem(at: out.deletingLastPathComponent())
    }
}

final class LiveMessagesCommandTests: XCTestCase {
    /// `messages --live` prints each message as it completes, and stops cleanly on Ctrl-C.
    func testMessagesLive() throws {
        guard CLI.isRoot else { throw XCTSkip("live capture needs root") }
        let listener = try LoopbackSocket.listen(.v4)
        let live = try Background(["messages", "--live", "tcp", "port", "\(listener.localPort)", "--framing", "!I", "--json"])
        defer { live.stop() }
        XCTAssertTrue(live.waitForStderr("listening on lo", timeout: 10), live.stderrText)
        let client = try LoopbackSocket.connect(.v4, port: listener.localPort)
        let server = try listener.accept()
        try client.send(lengthPrefixed(Array("first".utf8)) + lengthPrefixed(Array("second".utf8)))
        _ = try server.receive(exactly: 4 + 5 + 4 + 6)
        try server.send(lengthPrefixed(Array("reply".utf8)))
        _ = try client.receive(exactly: 9)
        // Printed before the capture stops: wait for the three lines.
        let deadline = Date().addingTimeInterval(10)
        while live.stdoutText.split(separator: "\n").count < 3 && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(live.interrupt(timeout: 10), 0, live.stderrText)
        let ms = try jsonLines(live.stdoutText)
        XCTAssertEqual(ms.compactMap { $0["text"] as? String }, ["first", "second", "reply"])
        XCTAssertEqual(ms[0]["frames"] as? [Int], ms[1]["frames"] as? [Int], "one write, one segment: sticky")
        XCTAssertTrue(live.stderrText.contains("frames captured"), live.stderrText)
        client.close()
        server.close()
    }
}
