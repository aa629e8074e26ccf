import Foundation
import XCTest

/// `framescope serve` and `framescope chat` as a user runs them: the built binary, child
/// processes, the port read from the first line of output, SIGTERM to stop.
final class ServeCLITests: XCTestCase {
    static var binary: URL {
        var products = Bundle(for: ServeCLITests.self).bundleURL
        if products.pathExtension == "xctest" { products.deleteLastPathComponent() }
        return products.appendingPathComponent("framescope")
    }

    /// A started `framescope serve …`; killed on deinit if still running.
    final class ServerProcess {
        let process = Process()
        let stdout = Pipe(), stderr = Pipe()
        private(set) var port = 0

        init(_ arguments: [String]) throws {
            process.executableURL = ServeCLITests.binary
            process.arguments = ["serve"] + arguments
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = FileHandle.nullDevice
            try process.run()
            // The first line is the port alone; read it byte by byte, at most 5 s.
            var line: [UInt8] = []
            let fd = stdout.fileHandleForReading.fileDescriptor
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 100) > 0 else { continue }
                var b: UInt8 = 0
                guard read(fd, &b, 1) == 1 else { break }
                if b == 0x0A { break }
                line.append(b)
            }
            guard let p = Int(String(decoding: line, as: UTF8.self)), p > 0 else {
                throw TestFailure("no port on the first line: '\(String(decoding: line, as: UTF8.self))'")
            }
            port = p
        }

        /// SIGTERM (or `signal`), then the exit status (SIGKILL after 5 s).
        func terminate(_ signal: Int32 = SIGTERM) -> Int32 {
            if process.isRunning { kill(process.processIdentifier, signal) }
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationStatus
        }

        deinit { _ = terminate() }
    }

    func run(_ arguments: [String], stdin: String? = nil, timeout: Double = 20) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = arguments
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = stdin == nil ? FileHandle.nullDevice : inp
        try p.run()
        if let s = stdin {
            inp.fileHandleForWriting.write(Data(s.utf8))
            try? inp.fileHandleForWriting.close()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testServeFramedAndChat() throws {
        let server = try ServerProcess(["framed", "--port", "0"])
        let r = try run(["chat", "127.0.0.1:\(server.port)", "--framing", "!I", "--send", "hello", "world", "Q"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "< hello\n< world\n< bye\n")
        XCTAssertEqual(server.terminate(), 0)
        let log = String(decoding: server.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(log.contains("serving framed (!I, echo) on 127.0.0.1:\(server.port)"), log)
    }

    func testLengthIncludesHeader() throws {
        let server = try ServerProcess(["framed", "--port", "0", "--framing", "H", "--length-includes-header"])
        let r = try run(["chat", "127.0.0.1:\(server.port)", "--framing", "H", "--length-includes-header", "--send", "", "counted", "Q"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "< \n< counted\n< bye\n")
        // Without the flag on the client, 'x' (header value 1) reads as a header-inclusive length
        // smaller than the header: the server says so.
        let bad = try run(["chat", "127.0.0.1:\(server.port)", "--framing", "H", "--send", "x", "--timeout", "2"])
        XCTAssertEqual(bad.out, "< error: negative_length -1\n")
        XCTAssertEqual(server.terminate(), 0)
    }

    func testServeTextOnIPv6AndChatFromStdinAndScript() throws {
        let server = try ServerProcess(["text", "--port", "0", "--host", "::1"])
        let r = try run(["chat", "[::1]:\(server.port)"], stdin: "one\ntwo\n")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "< echo: one\n< echo: two\n")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("framescope-chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("script.txt")
        try "a\nb\nc\nQ\n".write(to: script, atomically: true, encoding: .utf8)
        let s = try run(["chat", "::1:\(server.port)", "--script", script.path, "--burst", "3"])
        XCTAssertEqual(s.status, 0, s.err)
        XCTAssertEqual(s.out, "< echo: a\n< echo: b\n< echo: c\n< bye\n")
        XCTAssertEqual(server.terminate(), 0)
    }

    func testNaiveServeShowsTheMergedReply() throws {
        let server = try ServerProcess(["text", "--port", "0", "--naive"])
        let r = try run(["chat", "127.0.0.1:\(server.port)", "--send", "a", "b", "c", "--burst", "3", "--timeout", "1"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.out, "< echo: a\\nb\\nc\n")
        XCTAssertTrue(r.err.contains("no reply within 1.0 s (1 replies to 3 messages)"), r.err)
        XCTAssertEqual(server.terminate(), 0)
    }

    func testServeUDP() throws {
        let server = try ServerProcess(["udp", "--port", "0"])
        let r = try run(["chat", "127.0.0.1:\(server.port)", "--udp", "--send", "ping", "Q"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "< echo: ping\n< bye\n")
        XCTAssertEqual(server.terminate(SIGINT), 0)
    }

    func testLoadClient() throws {
        let server = try ServerProcess(["framed", "--port", "0", "--framing", "<I", "--threads", "1"])
        let r = try run(["chat", "127.0.0.1:\(server.port)", "--framing", "<I", "--load", "50", "--clients", "4", "--size", "100"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("round_trips=200 seconds="), r.out)
        XCTAssertTrue(r.out.contains(" p99_ms="), r.out)
        // Pipelined: 7 in flight per connection, 50 round trips each (the last write holds 1):
        // every message is still echoed and counted once.
        let piped = try run(["chat", "127.0.0.1:\(server.port)", "--framing", "<I", "--load", "50", "--clients", "4", "--burst", "7"])
        XCTAssertEqual(piped.status, 0, piped.err)
        XCTAssertTrue(piped.out.hasPrefix("round_trips=200 seconds="), piped.out)
        // Against a server that does not echo byte for byte, the load client fails loudly.
        let text = try ServerProcess(["text", "--port", "0"])
        let bad = try run(["chat", "127.0.0.1:\(text.port)", "--framing", "line", "--load", "5"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.err.contains("wrong echo"), bad.err)
        XCTAssertEqual(server.terminate(), 0)
        XCTAssertEqual(text.terminate(), 0)
    }

    func testUsageErrors() throws {
        XCTAssertEqual(try run(["serve", "framed", "--framing", "auto"]).status, 64)
        XCTAssertEqual(try run(["serve", "udp", "--naive"]).status, 64)
        XCTAssertEqual(try run(["serve", "text", "--read-delay", "300"]).status, 64, "--read-delay needs --naive")
        XCTAssertEqual(try run(["serve", "text", "--naive", "--read-delay", "-1"]).status, 64)
        XCTAssertEqual(try run(["chat", "nowhere"]).status, 64)
        let remote = try run(["chat", "192.0.2.1:9000", "--send", "x"])
        XCTAssertEqual(remote.status, 2)
        XCTAssertTrue(remote.err.contains("--allow-remote"), remote.err)
    }
}
