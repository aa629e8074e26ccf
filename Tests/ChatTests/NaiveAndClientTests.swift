import Chat
import Foundation
import Framing
import XCTest
import TestSupport
import Sockets

/// `--naive` really has the lesson's bugs; the robust server does not.
final class NaiveTests: ServerTestCase {
    func testBurstOfFiveLinesIsOneMergedReplyWhenNaive() throws {
        let burst = "one\ntwo\nthree\nfour\nfive\n"
        let naive = try start(.text(.echo), naive: true)
        let p = try Peer.tcp(naive.port)
        try p.send(burst)  // one write
        XCTAssertEqual(try p.line(), "echo: one\\ntwo\\nthree\\nfour\\nfive")
        try p.socket.setReceiveTimeout(seconds: 1)
        XCTAssertThrowsError(try p.line(), "the naive server sent a second reply")

        let robust = try start(.text(.echo))
        let r = try Peer.tcp(robust.port)
        try r.send(burst)
        for word in ["one", "two", "three", "four", "five"] { XCTAssertEqual(try r.line(), "echo: \(word)") }
    }

    /// `--read-delay`: lines written one by one (separate segments) are read late in one read
    /// and answered as one merged message — sticky packets on the receiver's side; without the
    /// delay the same lines get one answer each.
    func testReadDelayMergesLinesSentApart() throws {
        var c = ChatServerConfig(kind: .text(.echo))
        c.naive = true
        c.threads = 1
        c.readDelay = .milliseconds(300)
        let late = try ChatServer.start(c)
        defer { late.shutdown(grace: .milliseconds(500)) }
        let p = try Peer.tcp(late.port)
        for (i, word) in ["one", "two", "three"].enumerated() {
            if i > 0 { usleep(40_000) }
            try p.send(word + "\n")
        }
        XCTAssertEqual(try p.line(), "echo: one\\ntwo\\nthree")
        try p.send("Q\n")  // read after the delay too, and alone: the naive server sees it
        XCTAssertEqual(try p.line(), "bye")

        let prompt = try start(.text(.echo), naive: true)
        let q = try Peer.tcp(prompt.port)
        for word in ["one", "two"] {
            try q.send(word + "\n")
            XCTAssertEqual(try q.line(), "echo: \(word)")
        }
    }

    /// A Q stuck to the line before it is not seen by the naive server.
    func testNaiveMissesAStuckQuit() throws {
        let naive = try start(.text(.echo), naive: true)
        let p = try Peer.tcp(naive.port)
        try p.send("bye now\nQ\n")
        XCTAssertEqual(try p.line(), "echo: bye now\\nQ")
    }

    /// Naive framed trusts the header: a negative length is read as an empty message, and the
    /// body after it is misread as the next header.
    func testNaiveFramedTrustsTheHeader() throws {
        let s = spec("!i")
        let naive = try start(.framed(s, .echo), naive: true)
        let p = try Peer.tcp(naive.port)
        try p.send([0xff, 0xff, 0xff, 0xfb])
        XCTAssertEqual(try p.message(s), [])
        // A length over the robust limit is simply awaited.
        try p.send(try s.encode([UInt8](repeating: 0x61, count: 70_000)))
        XCTAssertEqual(try p.message(s)?.count, 70_000)
    }
}

/// The chat client (in-process) against each server.
final class ChatClientTests: ServerTestCase {
    func testClientWithTextServer() throws {
        let server = try start(.text(.echo))
        var options = ChatClientOptions(address: ChatAddress(host: "127.0.0.1", port: server.port), transport: .text)
        options.timeout = 3
        let client = try ChatClient(options)
        var shown: [String] = []
        let outcome = try client.converse(["hello", "world", "Q", "never sent"]) { shown.append($0.text) }
        XCTAssertEqual(shown, ["echo: hello", "echo: world", "bye"])
        XCTAssertTrue(outcome.closedByServer)
        XCTAssertEqual(outcome.unsent, 1)
    }

    func testClientBurstAgainstRobustAndNaive() throws {
        let robust = try start(.text(.echo))
        let naive = try start(.text(.echo), naive: true)
        var options = ChatClientOptions(address: ChatAddress(host: "127.0.0.1", port: robust.port), transport: .text)
        options.burst = 5
        options.timeout = 1
        let r = try ChatClient(options).converse(["a", "b", "c", "d", "e"]) { _ in }
        XCTAssertEqual(r.replies.map(\.text), ["echo: a", "echo: b", "echo: c", "echo: d", "echo: e"])
        XCTAssertTrue(r.complete)
        options.address = ChatAddress(host: "localhost", port: naive.port)
        let n = try ChatClient(options).converse(["a", "b", "c", "d", "e"]) { _ in }
        XCTAssertEqual(n.replies.map(\.text), ["echo: a\\nb\\nc\\nd\\ne"])
        XCTAssertTrue(n.timedOut)
    }

    /// 24 clients at once, each on its own thread, each a multi-turn conversation ending in Q.
    func testManyClientsAtOnce() throws {
        let s = spec("!I")
        let framed = try start(.framed(s, .echo))
        let text = try start(.text(.echo))
        let failures = LogBox()
        let group = DispatchGroup()
        for i in 0..<24 {
            let useText = i % 2 == 0
            let port = useText ? text.port : framed.port
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let options = ChatClientOptions(address: ChatAddress(host: "127.0.0.1", port: port),
                                                    transport: useText ? .text : .framed(s))
                    let messages = (1...5).map { "client \(i) turn \($0)" } + ["Q"]
                    let outcome = try ChatClient(options).converse(messages) { _ in }
                    let expected = (1...5).map { (useText ? "echo: " : "") + "client \(i) turn \($0)" } + ["bye"]
                    if outcome.replies.map(\.text) != expected || !outcome.complete {
                        failures.append("client \(i): \(outcome.replies.map(\.text))")
                    }
                } catch {
                    failures.append("client \(i): \(error)")
                }
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(failures.all, [])
    }

    func testClientWithUDPServerOnIPv6() throws {
        let server = try start(.udp, host: "::1")
        let options = ChatClientOptions(address: ChatAddress(parsing: "[::1]:\(server.port)")!, transport: .udp)
        let outcome = try ChatClient(options).converse(["über", "Q"]) { _ in }
        XCTAssertEqual(outcome.replies.map(\.text), ["echo: über", "bye"])
        XCTAssertTrue(outcome.complete)
    }

    func testClientWithFramedServer() throws {
        for text in ["!I", "<i", "H", "line"] {
            let s = spec(text)
            let server = try start(.framed(s, .echo))
            var options = ChatClientOptions(address: ChatAddress(host: "127.0.0.1", port: server.port), transport: .framed(s))
            options.burst = 3
            let outcome = try ChatClient(options).converse(["", "x", "日本語", "q"]) { _ in }
            XCTAssertEqual(outcome.replies.map(\.text), ["", "x", "日本語", "bye"], text)
            XCTAssertTrue(outcome.complete, text)
        }
    }

    func testClientSeesTheOperatorsQuit() throws {
        let server = try start(.text(.interactive))
        let op = try XCTUnwrap(server.textOperator)
        let options = ChatClientOptions(address: ChatAddress(host: "127.0.0.1", port: server.port), transport: .text)
        let client = try ChatClient(options)
        eventually { op.currentClient != nil }
        let pipe = Pipe()
        DispatchQueue.global().async {
            pipe.fileHandleForWriting.write(Data("question\n".utf8))
            usleep(200_000)
            op.say("answer")
            op.say("Q")
        }
        let outcome = try client.interactive(input: pipe.fileHandleForReading.fileDescriptor, prompt: nil) { _ in }
        XCTAssertEqual(outcome.replies.map(\.text), ["answer", "Q"])
        XCTAssertTrue(outcome.serverQuit)
        XCTAssertTrue(logLines.all.contains { $0.hasSuffix("] question") })
    }

    func testUDPWithNoServerSaysSo() throws {
        // A port nothing listens on: bind one, note it, close it.
        let probe = try LoopbackSocket.udp(.v4)
        let port = Int(probe.localPort)
        probe.close()
        var options = ChatClientOptions(address: ChatAddress(host: "127.0.0.1", port: port), transport: .udp)
        options.timeout = 1
        let outcome = try ChatClient(options).converse(["anyone?"]) { _ in }
        XCTAssertFalse(outcome.complete)
        XCTAssertEqual(outcome.failure.map { $0.contains("refused") }, true, "\(outcome)")
    }

    func testRefusesRemoteAddresses() throws {
        let options = ChatClientOptions(address: ChatAddress(host: "192.0.2.1", port: 9000), transport: .text)
        XCTAssertThrowsError(try ChatClient(options)) { e in
            XCTAssertTrue("\(e)".contains("--allow-remote"), "\(e)")
        }
    }

    func testAddressParsing() {
        XCTAssertEqual(ChatAddress(parsing: "127.0.0.1:9000"), ChatAddress(host: "127.0.0.1", port: 9000))
        XCTAssertEqual(ChatAddress(parsing: "[::1]:9000"), ChatAddress(host: "::1", port: 9000))
        XCTAssertEqual(ChatAddress(parsing: "::1:9000"), ChatAddress(host: "::1", port: 9000))
        XCTAssertNil(ChatAddress(parsing: "localhost"))
        XCTAssertNil(ChatAddress(parsing: "localhost:0"))
        XCTAssertNil(ChatAddress(parsing: "localhost:70000"))
    }
}
