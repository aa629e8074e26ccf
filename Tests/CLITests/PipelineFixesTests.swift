import Foundation
import TestSupport
import XCTest

/// Issue 12, item 1: three contracts the pipeline had the pieces for but did not wire — a
/// capture that begins mid-conversation invents no message, `raw` ends a message per segment on
/// the per-frame path, and fragments the reassembler gives up on are warned about.
final class PipelineFixesTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try CLI.temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A copy of a committed classic pcap from its `first`-th frame on (1-based).
    func cut(_ capture: String, from first: Int) throws -> String {
        let d = try Data(contentsOf: URL(fileURLWithPath: CLI.capture(capture)))
        var out = Data(d.prefix(24))
        var o = 24, n = 0
        while o + 16 <= d.count {
            let incl = Int(d[o + 8]) | Int(d[o + 9]) << 8 | Int(d[o + 10]) << 16 | Int(d[o + 11]) << 24
            n += 1
            if n >= first { out.append(d[o ..< o + 16 + incl]) }
            o += 16 + incl
        }
        let path = dir.appendingPathComponent("\(capture)-from-\(first).pcap").path
        try out.write(to: URL(fileURLWithPath: path))
        return path
    }

    func messages(_ file: String, framing: String) throws -> (byDirection: [String: [[String: Any]]], stderr: String) {
        let r = try CLI.run(["messages", file, "--framing", framing, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        var out: [String: [[String: Any]]] = [:]
        for line in r.stdout.split(separator: "\n") {
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            out["\(o["stream"]!) \(o["direction"]!)", default: []].append(o)
        }
        return (out, r.stderr)
    }

    /// Cut inside a header, inside a body, at an ACK and at a message boundary: after the cut,
    /// exactly the messages whose every segment was captured, no phantom, and the skipped bytes
    /// said once. (A mid-stream capture's roles are guessed, so directions compare as a set.)
    func testACaptureThatBeginsMidConversationInventsNoMessage() throws {
        let cuts: [(String, Int, skipped: Bool)] = [
            ("split.pcap", 5, true), ("split.pcap", 6, true), ("split.pcap", 7, true), ("split.pcap", 8, true),
            ("header-split.pcap", 5, true), ("header-split.pcap", 6, true),
            ("tcp-chat-ipv4.pcap", 4, false), ("tcp-chat-ipv4.pcap", 5, false), ("sticky.pcap", 5, false),
        ]
        for (capture, first, skipped) in cuts {
            for framing in ["!I", "auto"] {
                let full = try messages(CLI.capture(capture), framing: framing).byDirection
                let after = try messages(try cut(capture, from: first), framing: framing)
                let what = "\(capture) from frame \(first), --framing \(framing)"
                // The full capture's messages whose every frame is at or after the cut.
                let expected = Set(full.values.map { list in
                    list.filter { (($0["frames"] as? [Int]) ?? []).allSatisfy { $0 >= first } }.map { $0["text"] as? String ?? "?" }
                }.filter { !$0.isEmpty })
                let got = Set(after.byDirection.values.map { $0.map { $0["text"] as? String ?? "?" } })
                XCTAssertEqual(got, expected, what)
                for m in after.byDirection.values.joined() {
                    XCTAssertEqual(m["issues"] as? [String], [], "\(what): \(m)")
                    XCTAssertEqual(m["complete"] as? Bool, true, "\(what): \(m)")
                }
                let said = after.stderr.components(separatedBy: "the capture began inside it").count - 1
                XCTAssertEqual(said, skipped ? 1 : 0, "\(what): \(after.stderr)")
            }
        }
    }

    func testRawEndsAMessagePerSegmentOnThePerFramePath() throws {
        let r = try CLI.run(["read", CLI.capture("tcp-chat-ipv4.pcap"), "--framing", "raw"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.contains("starts"), r.stdout)
        XCTAssertTrue(r.stdout.contains("| #1 \"\\x00\\x00\\x00\\x05hello\""), r.stdout)
        let j = try CLI.run(["read", CLI.capture("tcp-chat-ipv4.pcap"), "--framing", "raw", "--json"])
        var pieces = 0
        for line in j.stdout.split(separator: "\n") {
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for l in o["layers"] as? [[String: Any]] ?? [] where l["proto"] as? String == "chat" {
                for m in l["messages"] as? [[String: Any]] ?? [] {
                    pieces += 1
                    XCTAssertEqual(m["complete"] as? Bool, true, "\(m)")
                    XCTAssertNotNil(m["text"], "\(m)")
                }
            }
        }
        XCTAssertEqual(pieces, 8, "one message per data segment")
        // And `messages` lists them in the order their segments came.
        let m = try CLI.run(["messages", CLI.capture("header-split.pcap"), "--framing", "raw", "--json"])
        let frames = try m.stdout.split(separator: "\n").map {
            try XCTUnwrap((JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["frames"] as? [Int]).first ?? 0
        }
        XCTAssertEqual(frames, frames.sorted())
    }

    func testFragmentsThatAreDroppedOrNeverCompletedAreWarnedAbout() throws {
        // A first fragment, then 40 s later another datagram's: the first times out.
        var first = WildFrames.firstFragments[0]
        first.seconds = 1
        var late = WildFrames.firstFragments[1]
        late.seconds = 41
        let path = dir.appendingPathComponent("frags.pcap").path
        try Data(WildFrames.pcap([first, late])).write(to: URL(fileURLWithPath: path))
        for args in [["messages", path], ["read", path], ["stats", path]] {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("IP datagram id 4660 10.0.0.1 → 10.0.0.2 (frame 1) dropped: timed out after 30 s"), "\(args[0]): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("1 IP datagram still missing fragments at the end of the capture"), "\(args[0]): \(r.stderr)")
        }
    }
}
