import Foundation
import TestSupport
import XCTest

/// Issue 18, item 3: `auto` on a short capture that began mid-conversation uses the evidence a
/// person uses — both directions, and a header whose following segments add up to exactly the
/// length it announces — and every cut of a committed capture keeps every message whose bytes
/// were all captured, with no phantom.
final class MidStreamAutoTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try CLI.temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func messages(_ file: String, _ extra: [String] = []) throws -> (list: [[String: Any]], stderr: String) {
        let r = try CLI.run(["messages", file, "--json"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return (try jsonLines(r.stdout), r.stderr)
    }

    func body(_ n: Int, _ seed: UInt8) -> [UInt8] { (0..<n).map { UInt8(0x61 + (Int(seed) + $0) % 26) } }

    /// The issue's first capture: 32,768 bytes of a 40,000-byte message, the rest in the next
    /// segment, then the server's two messages in one 41-byte segment, then `Q`.
    func testASplitFirstMessageAndAStickyAnswerComeOutFramed() throws {
        var c = SyntheticConversation()
        let big = SyntheticConversation.framed(body(40_000, 0))
        c.send(fromClient: true, Array(big[..<32_768]))
        c.send(fromClient: true, Array(big[32_768...]))
        let one = SyntheticConversation.framed(Array("sixteen bytes ok".utf8))
        let two = SyntheticConversation.framed(Array("seventeen bytes!!".utf8))
        XCTAssertEqual(one.count + two.count, 41)
        c.send(fromClient: false, one + two)
        c.send(fromClient: true, SyntheticConversation.framed(Array("Q".utf8)))
        let (list, stderr) = try messages(try write(c.pcap, "split-first.pcap"))
        XCTAssertEqual(list.map { $0["length"] as? Int }, [40_000, 16, 17, 1], "\(list.map { String(describing: $0["text"] ?? "(not text)").prefix(40) }) \(stderr)")
        XCTAssertEqual(list.compactMap { ($0["header"] as? [String: Any])?["format"] as? String }, ["!I", "!I", "!I", "!I"])
        XCTAssertEqual(list.map { $0["complete"] as? Bool }, [true, true, true, true])
        XCTAssertEqual(list.map { $0["frames"] as? [Int] }, [[1, 2], [3], [3], [4]])
        XCTAssertTrue(list[0]["hex"] as? String == body(40_000, 0).map { String(format: "%02x", $0) }.joined(), "the 40,000 bytes, exactly")
        // The per-frame view agrees: the first frame starts the message, the second ends it.
        let r = try CLI.run(["read", try write(c.pcap, "split-first-read.pcap")])
        let lines = r.stdout.split(separator: "\n")
        XCTAssertTrue(lines[1].contains("#1 ends (segment 2 of 2)"), String(lines[1]))
        XCTAssertTrue(lines[2].contains("2 messages in one segment (sticky)"), String(lines[2]))
    }

    /// The issue's second capture: a 3,000-byte message over three segments, then a framed answer.
    func testAMessageOverThreeSegmentsThenAnAnswer() throws {
        var c = SyntheticConversation()
        let m = SyntheticConversation.framed(body(3_000, 3))
        c.send(fromClient: true, Array(m[..<1000]))
        c.send(fromClient: true, Array(m[1000..<2000]))
        c.send(fromClient: true, Array(m[2000...]))
        c.send(fromClient: false, SyntheticConversation.framed(Array("got it".utf8)))
        let (list, stderr) = try messages(try write(c.pcap, "three.pcap"))
        XCTAssertEqual(list.map { $0["length"] as? Int }, [3_000, 6], stderr)
        XCTAssertEqual(list.map { $0["frames"] as? [Int] }, [[1, 2, 3], [4]])
        XCTAssertEqual(list.last?["text"] as? String, "got it")
    }

    /// Every committed TCP capture cut at every frame, under auto: each message after the cut is
    /// one the whole capture has (same direction, same bytes, every frame at or after the cut), and
    /// every message of the whole capture whose frames all come after the cut and whose stream
    /// still shows it framed comes back.
    func testEveryCutOfEveryTCPCaptureInventsNothing() throws {
        let captures = ["tcp-chat-ipv4.pcap", "tcp-chat-ipv6.pcap", "sticky.pcap", "split.pcap", "header-split.pcap",
                        "line-chat.pcap", "negative-length.pcap", "short-body.pcap", "retransmit-reorder.pcap"]
        for capture in captures {
            let d = try Data(contentsOf: URL(fileURLWithPath: CLI.capture(capture)))
            let records = pcapRecords(d)
            let full = try messages(CLI.capture(capture)).list.filter { $0["transport"] == nil }
            for first in 2...records.count {
                var out = Data(d.prefix(24))
                for r in records[(first - 1)...] { out.append(r) }
                let what = "\(capture) from frame \(first)"
                let after = try messages(try write(Array(out), "cut.pcap")).list.filter { $0["transport"] == nil }
                let shifted = Set(full.compactMap { m -> String? in
                    let frames = (m["frames"] as? [Int]) ?? []
                    guard !frames.isEmpty, frames.allSatisfy({ $0 >= first }), m["complete"] as? Bool == true else { return nil }
                    return "\(m["hex"]!) \(frames.map { $0 - first + 1 })"
                })
                let got = Set(after.compactMap { m -> String? in
                    guard m["complete"] as? Bool == true else { return nil }
                    return "\(m["hex"]!) \((m["frames"] as? [Int]) ?? [])"
                })
                // No phantom: every complete message after the cut is one of the whole capture's.
                XCTAssertTrue(got.isSubset(of: shifted), "\(what): phantom \(got.subtracting(shifted).sorted())")
                // And every whole message comes back, unless the cut left its direction no
                // message to confirm a boundary by (then nothing of it is invented either).
                let missing = shifted.subtracting(got)
                XCTAssertTrue(missing.count <= 1, "\(what): missing \(missing.sorted())")
            }
        }
    }

    func pcapRecords(_ d: Data) -> [Data] {
        var out: [Data] = []
        var o = 24
        while o + 16 <= d.count {
            let incl = Int(d[o + 8]) | Int(d[o + 9]) << 8 | Int(d[o + 10]) << 16 | Int(d[o + 11]) << 24
            out.append(d[o ..< o + 16 + incl])
            o += 16 + incl
        }
        return out
    }
}
