import Foundation
import XCTest

/// `demo --part`, `--list`, `--step`, and what each part's capture holds, decoded with no
/// framing hints (`messages --json`): what the clients sent.
final class DemoPartsTests: XCTestCase {
    func testListNamesEveryPart() throws {
        let r = try CLI.run(["demo", "--list"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for part in ["turns", "sticky", "split", "clients", "udp", "receiver", "mtu", "naive", "fuzz"] {
            XCTAssertTrue(r.stdout.contains("  \(part) "), "missing \(part):\n\(r.stdout)")
        }
        XCTAssertEqual(try CLI.run(["demo", "--part", "nonsense"]).status, 64)
    }

    /// One part: its capture is DIR/demo.pcap. Two parts with --step and a standard input that
    /// is not a terminal: no wait between them.
    func testOnePartAndStepWithoutATerminal() throws {
        guard CLI.isRoot else { throw XCTSkip("the demo captures live: needs root") }
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = try CLI.run(["demo", "--part", "udp", "--out", dir.path], timeout: 30)
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stdout.contains("━━ part udp:"), one.stdout)
        XCTAssertFalse(one.stdout.contains("━━ part turns:"), one.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("demo.pcap").path))

        let started = Date()
        let two = try CLI.run(["demo", "--part", "turns,naive", "--step", "--out", dir.path], stdin: Data(), timeout: 30)
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "--step must not wait when stdin is not a terminal")
        XCTAssertFalse(two.stdout.contains("Press Enter"), two.stdout)
        for part in ["turns", "naive"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(part).pcap").path), part)
        }
    }

    struct Message {
        var stream: Int, transport: String, direction: String, text: String, frames: [Int]
        var fromClient: Bool { direction == "client_to_server" }
    }

    static func messages(_ file: URL) throws -> [Message] {
        let r = try CLI.run(["messages", file.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try r.stdout.split(separator: "\n").map { line in
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(o["complete"] as? Bool, true, String(line))
            return Message(stream: o["stream"] as? Int ?? -1, transport: o["transport"] as? String ?? "tcp",
                           direction: o["direction"] as? String ?? "", text: o["text"] as? String ?? "", frames: o["frames"] as? [Int] ?? [])
        }
    }

    /// What the whole demo's captures (DIR/NAME.pcap) hold; run from the end-to-end demo test
    /// so that one demo run serves every assertion.
    static func checkCaptures(_ dir: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        func at(_ name: String) -> URL { dir.appendingPathComponent(name + ".pcap") }

        // turns: bare text, one message per segment, in turn.
        let turns = try messages(at("turns"))
        XCTAssertEqual(turns.map(\.text), ["你好，我是服务器", "hi server", "how are you", "fine, 谢谢", "Q"], file: file, line: line)
        XCTAssertEqual(turns.map { $0.frames.count }, [1, 1, 1, 1, 1], file: file, line: line)

        // clients: one stream per client, each with all of its client's messages and answers.
        let clients = try messages(at("clients"))
        XCTAssertEqual(Set(clients.map(\.stream)).count, 3, file: file, line: line)
        for k in 1 ... 3 {
            let mine = clients.filter { $0.fromClient && $0.text.hasPrefix("client \(k):") }
            let stream = Set(mine.map(\.stream))
            XCTAssertEqual(stream.count, 1, "client \(k) in one stream", file: file, line: line)
            let all = clients.filter { stream.contains($0.stream) }
            XCTAssertEqual(all.filter(\.fromClient).map(\.text), ["client \(k): hello", "client \(k): how are you?", "Q"], file: file, line: line)
            XCTAssertEqual(all.filter { !$0.fromClient }.map(\.text),
                           ["echo: client \(k): hello", "echo: client \(k): how are you?", "bye"], file: file, line: line)
        }

        // udp: one message per datagram, never merged.
        let udp = try messages(at("udp"))
        XCTAssertTrue(udp.allSatisfy { $0.transport == "udp" && $0.frames.count == 1 }, file: file, line: line)
        XCTAssertEqual(udp.filter(\.fromClient).map(\.text), ["one", "two", "three", "four", "five"], file: file, line: line)
        XCTAssertEqual(Set(udp.flatMap(\.frames)).count, udp.count, "a frame per message", file: file, line: line)

        // receiver: three separate segments on the wire, one merged answer from the naive server.
        let receiver = try messages(at("receiver"))
        let lines = receiver.filter { $0.fromClient && $0.text != "Q" }
        XCTAssertEqual(lines.map(\.text), ["one", "two", "three"], file: file, line: line)
        XCTAssertEqual(Set(lines.flatMap(\.frames)).count, 3, "three segments", file: file, line: line)
        XCTAssertTrue(receiver.contains { !$0.fromClient && $0.text == "echo: one\\ntwo\\nthree" }, "\(receiver.map(\.text))", file: file, line: line)

        // naive: the same bytes to both servers; one merged answer, three answers.
        let naive = try messages(at("naive"))
        for s in 0 ... 1 {
            XCTAssertEqual(naive.filter { $0.stream == s && $0.fromClient }.map(\.text), ["hello", "one", "two", "three", "Q"], file: file, line: line)
        }
        XCTAssertEqual(naive.filter { $0.stream == 0 && !$0.fromClient }.map(\.text), ["echo: hello", "echo: one\\ntwo\\nthree", "bye"], file: file, line: line)
        XCTAssertEqual(naive.filter { $0.stream == 1 && !$0.fromClient }.map(\.text), ["echo: hello", "echo: one", "echo: two", "echo: three", "bye"], file: file, line: line)

        // mtu (where the machine allows namespaces): Ethernet-sized segments.
        if FileManager.default.fileExists(atPath: at("mtu").path) {
            let mtu = try messages(at("mtu"))
            let long = try XCTUnwrap(mtu.first { $0.fromClient && $0.text.count == 100_000 }, file: file, line: line)
            XCTAssertGreaterThanOrEqual(long.frames.count, 69, "100,000 bytes in segments of at most 1,448", file: file, line: line)
        }
    }
}
