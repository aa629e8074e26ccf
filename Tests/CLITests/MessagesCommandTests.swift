import Chat
#if canImport(FoundationXML)
import FoundationXML
#endif
import Foundation
import XCTest

/// `framescope messages` and `follow` on the project's captures (framescope's own servers and
/// client, and the lesson's Python client for exact byte pieces: captures/README.md): the
/// messages that were sent come back, with the frames that carried them and the right problems named.
final class MessagesCommandTests: XCTestCase {
    func messages(_ file: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let r = try CLI.run(["messages", CLI.capture(file), "--json"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try jsonLines(r.stdout)
    }

    func texts(_ ms: [[String: Any]], _ direction: String) -> [String] {
        ms.filter { $0["direction"] as? String == direction }.compactMap { $0["text"] as? String }
    }

    func testTheLessonsChatComesBackMessageByMessage() throws {
        for file in ["tcp-chat-ipv4.pcap", "tcp-chat-ipv6.pcap"] {
            let ms = try messages(file)
            XCTAssertEqual(texts(ms, "client_to_server"), ["hello", "how are you?", "你好，世界", "Q"], file)
            // serve framed echoes each body as it came; Q gets bye.
            XCTAssertEqual(texts(ms, "server_to_client"), ["hello", "how are you?", "你好，世界", "bye"], file)
            for m in ms {
                XCTAssertEqual(m["complete"] as? Bool, true)
                XCTAssertEqual((m["header"] as? [String: Any])?["format"] as? String, "!I")
                XCTAssertEqual(m["issues"] as? [String], [])
                XCTAssertEqual((m["frames"] as? [Int])?.count, 1)
            }
            XCTAssertEqual(ms.first?["hex"] as? String, "68656c6c6f")
        }
    }

    func testStickyMessagesShareOneFrame() throws {
        let ms = try messages("sticky.pcap")
        // chat --burst 2 --send one two Q: one and two in one write, then Q.
        let c2s = ms.filter { $0["direction"] as? String == "client_to_server" }
        XCTAssertEqual(c2s.compactMap { $0["text"] as? String }, ["one", "two", "Q"])
        XCTAssertEqual(c2s[0]["frames"] as? [Int], [4])
        XCTAssertEqual(c2s[1]["frames"] as? [Int], [4], "one and two arrived in one segment")
        XCTAssertEqual(c2s[2]["frames"] as? [Int], [8], "Q came alone")
        // The robust server cut them apart and answered each; its two echoes left in one write too.
        let s2c = ms.filter { $0["direction"] as? String == "server_to_client" }
        XCTAssertEqual(s2c.compactMap { $0["text"] as? String }, ["one", "two", "bye"])
        XCTAssertEqual(s2c[0]["frames"] as? [Int], s2c[1]["frames"] as? [Int])
        let line = try CLI.run(["messages", CLI.capture("sticky.pcap")])
        XCTAssertTrue(line.stdout.contains("sticky"), line.stdout)
    }

    func testSplitMessageNamesItsThreeFrames() throws {
        let ms = try messages("split.pcap")
        let first = try XCTUnwrap(ms.first { $0["direction"] as? String == "client_to_server" })
        XCTAssertEqual(first["length"] as? Int, 250)
        XCTAssertEqual(first["frames"] as? [Int], [4, 6, 8])
        XCTAssertEqual(first["complete"] as? Bool, true)
        XCTAssertEqual(first["text"] as? String, String(repeating: "0123456789", count: 25))
        // The server waited for the whole message and echoed it in one segment; then Q, bye.
        let echo = try XCTUnwrap(ms.first { $0["direction"] as? String == "server_to_client" })
        XCTAssertEqual(echo["text"] as? String, first["text"] as? String)
        XCTAssertEqual(echo["frames"] as? [Int], [10])
        XCTAssertEqual(texts(ms, "client_to_server").last, "Q")
        XCTAssertEqual(texts(ms, "server_to_client").last, "bye")
    }

    func testHeaderSplitAcrossSegments() throws {
        let ms = try messages("header-split.pcap")
        XCTAssertEqual(texts(ms, "client_to_server"), ["hello", "Q"])
        XCTAssertEqual(ms.first?["frames"] as? [Int], [4, 6], "2 bytes of header, then 2 + body")
        XCTAssertEqual(texts(ms, "server_to_client"), ["hello", "bye"], "the server put the header together")
    }

    func testRetransmissionAndReorderingStillGiveTheMessage() throws {
        let ms = try messages("retransmit-reorder.pcap")
        let first = try XCTUnwrap(ms.first { $0["direction"] as? String == "client_to_server" })
        XCTAssertEqual(first["text"] as? String, String(repeating: "0123456789", count: 25))
        XCTAssertEqual(first["complete"] as? Bool, true)
        XCTAssertEqual((first["frames"] as? [Int])?.count, 3, "first copies only: \(first)")
    }

    func testNegativeLengthIsAFindingNotACrash() throws {
        let ms = try messages("negative-length.pcap", ["--framing", "<i"])
        let c2s = ms.filter { $0["direction"] as? String == "client_to_server" }
        XCTAssertEqual(c2s.first?["text"] as? String, "hello")
        let bad = try XCTUnwrap(c2s.first { ($0["issues"] as? [String] ?? []).contains("negative_length") }, "\(c2s)")
        XCTAssertEqual(bad["complete"] as? Bool, false)
        XCTAssertEqual((bad["header"] as? [String: Any])?["value"] as? Int, -5)
        // serve framed --framing '<i' echoed the good message and refused the bad one, in its framing.
        XCTAssertEqual(texts(ms, "server_to_client"), ["hello", "error: negative_length -5"])
    }

    func testShortBodyIsTruncated() throws {
        let ms = try messages("short-body.pcap", ["--framing", "!I"])
        let m = try XCTUnwrap(ms.first)
        XCTAssertEqual(m["length"] as? Int, 100)
        XCTAssertEqual(m["complete"] as? Bool, false)
        XCTAssertEqual(m["issues"] as? [String], ["truncated_body"])
        XCTAssertEqual(m["text"] as? String, "only ten b")
        XCTAssertEqual(ms.count, 1, "the server had nothing to answer: the client closed mid-body")
    }

    func testLineFraming() throws {
        let ms = try messages("line-chat.pcap", ["--framing", "line"])
        XCTAssertEqual(texts(ms, "client_to_server"), ["hello", "how are you?", "fine", "thanks", "Q"])
        XCTAssertEqual(texts(ms, "server_to_client"), ["echo: hello", "echo: how are you?", "echo: fine", "echo: thanks", "bye"])
        // chat --text --burst 2: two lines a segment (hello + how are you?, fine + thanks), then Q.
        let c2s = ms.filter { $0["direction"] as? String == "client_to_server" }.compactMap { $0["frames"] as? [Int] }
        XCTAssertEqual(c2s, [[4], [4], [8], [8], [10]])
        let crlf = try XCTUnwrap(ms.first { $0["text"] as? String == "how are you?" })
        XCTAssertEqual(crlf["hex"] as? String, "686f772061726520796f753f", "CRLF is not part of the message")
        let auto = try messages("line-chat.pcap")
        XCTAssertEqual(texts(auto, "client_to_server"), ["hello", "how are you?", "fine", "thanks", "Q"], "auto guesses line")
    }

    func testUDPDatagramsAreMessages() throws {
        let ms = try messages("udp-chat.pcap", ["--framing", "raw"])
        XCTAssertEqual(ms.filter { $0["transport"] as? String == "udp" }.count, 6)
        XCTAssertEqual(texts(ms, "client_to_server"), ["hi over udp", "second datagram", "Q"])
    }

    func testFollowLadderAndSVG() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let svg = dir.appendingPathComponent("sticky.svg")
        let r = try CLI.run(["follow", CLI.capture("sticky.pcap"), "--stream", "0", "--ladder", "--svg", svg.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("→ #1 \"one\""), r.stdout)
        XCTAssertTrue(r.stdout.contains("← #2 \"two\""), r.stdout)
        XCTAssertTrue(r.stdout.contains("(sticky)"), r.stdout)
        XCTAssertTrue(r.stdout.contains(">|"), "arrows to the server")
        let data = try Data(contentsOf: svg)
        let parser = XMLParser(data: data)
        XCTAssertTrue(parser.parse(), "well-formed XML: \(String(describing: parser.parserError))")
        let text = String(decoding: data, as: UTF8.self)
        for name in ["#1", "#2", "#3"] { XCTAssertTrue(text.contains(name), "the SVG names message \(name)") }
        XCTAssertTrue(text.contains("sticky"))

        let split = try CLI.run(["follow", CLI.capture("split.pcap"), "--ladder"])
        XCTAssertTrue(split.stdout.contains("part 2/3"), split.stdout)
    }
}

/// Layers 5–7 on every frame of `read`: where message boundaries fall against segments.
final class FrameLayersTests: XCTestCase {
    func upper(_ file: String, _ extra: [String] = []) throws -> [Int: [[String: Any]]] {
        let r = try CLI.run(["read", CLI.capture(file), "--json"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        var out: [Int: [[String: Any]]] = [:]
        for f in try jsonLines(r.stdout) {
            out[f["frame"] as? Int ?? 0] = (f["layers"] as? [[String: Any]] ?? []).filter { ($0["osi"] as? Int ?? 0) >= 5 }
        }
        return out
    }

    func testStickySegmentCarriesTwoMessages() throws {
        let frames = try upper("sticky.pcap")
        // Frame 4: the client's burst; frame 6: the server's two echoes, also in one segment.
        for (n, direction) in [(4, "client_to_server"), (6, "server_to_client")] {
            let f = try XCTUnwrap(frames[n])
            XCTAssertEqual(f.map { $0["proto"] as? String }, ["session", "framing", "chat"])
            XCTAssertEqual(f[0]["stream"] as? Int, 0)
            XCTAssertEqual(f[0]["direction"] as? String, direction)
            XCTAssertEqual(f[0]["rel_seq"] as? Int, 1, "the first bytes of that direction")
            XCTAssertEqual((f[1]["headers"] as? [[String: Any]])?.map { $0["offset"] as? Int }, [0, 7])
            let msgs = try XCTUnwrap(f[2]["messages"] as? [[String: Any]])
            XCTAssertEqual(msgs.map { $0["text"] as? String }, ["one", "two"])
            XCTAssertEqual(msgs.map { $0["complete"] as? Bool }, [true, true])
        }
        let oneLine = try CLI.run(["read", CLI.capture("sticky.pcap")])
        XCTAssertTrue(oneLine.stdout.contains("| 2 messages in one segment (sticky): #1 \"one\", #2 \"two\""), oneLine.stdout)
    }

    func testSplitMessageShowsItsParts() throws {
        let frames = try upper("split.pcap", ["--framing", "!I"])
        func chat(_ n: Int) -> [String: Any]? {
            (frames[n]?.first { $0["proto"] as? String == "chat" }?["messages"] as? [[String: Any]])?.first
        }
        // While the message is in progress its number of parts is unknown: no "part" yet.
        XCTAssertNil(chat(4)?["part"])
        XCTAssertEqual(chat(4)?["complete"] as? Bool, false)
        XCTAssertEqual(chat(4)?["length"] as? Int, 250)
        XCTAssertNil(chat(6)?["part"])
        XCTAssertEqual(chat(6)?["complete"] as? Bool, false)
        let oneLine = try CLI.run(["read", CLI.capture("split.pcap"), "--framing", "!I"])
        XCTAssertTrue(oneLine.stdout.contains("#1 continues (segment 2)"), oneLine.stdout)
        XCTAssertEqual(chat(8)?["part"] as? [Int], [3, 3])
        XCTAssertEqual(chat(8)?["complete"] as? Bool, true)
        XCTAssertEqual(chat(8)?["length"] as? Int, 250)
        let tree = try CLI.run(["read", CLI.capture("split.pcap"), "-V", "--framing", "!I", "-c", "4"])
        XCTAssertTrue(tree.stdout.contains("L5 session"))
        XCTAssertTrue(tree.stdout.contains("length header at payload offset 0: 250"), tree.stdout)
    }

    func testNoMessagesDecodesLayers1To4Only() throws {
        let r = try CLI.run(["read", CLI.capture("sticky.pcap"), "--json", "--no-messages"])
        XCTAssertFalse(r.stdout.contains("\"session\""))
    }
}

final class SnaplenGapTests: XCTestCase {
    /// Bytes cut by the snaplen are a gap: the message that holds them is incomplete, never invented.
    func testSnaplenCutPayloadsAreGaps() throws {
        let r = try CLI.run(["messages", CLI.capture("snaplen-60.pcap"), "--framing", "!I", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let ms = try jsonLines(r.stdout)
        XCTAssertFalse(ms.isEmpty)
        for m in ms {
            XCTAssertEqual(m["complete"] as? Bool, false)
            XCTAssertTrue((m["issues"] as? [String] ?? []).contains("gap"), "\(m)")
        }
    }
}

final class FragmentReassemblyTests: XCTestCase {
    /// Every fragment shows its layer 3; the first also the transport header it carries (marked
    /// `first_fragment`, never framed); the frame that completes the datagram gets its layer 4,
    /// with the fragments' frames, and the message lists them.
    func testFragmentsAreReassembledOnTheLastFrame() throws {
        let r = try CLI.run(["read", CLI.capture("ip-fragments-options.pcap"), "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let frames = try jsonLines(r.stdout)
        func udp(_ i: Int) -> [String: Any]? {
            (frames[i]["layers"] as? [[String: Any]])?.first { $0["proto"] as? String == "udp" }
        }
        XCTAssertEqual(udp(0)?["first_fragment"] as? Bool, true, "the first fragment shows its ports")
        XCTAssertEqual(udp(0)?["dst_port"] as? Int, 9001)
        XCTAssertNil(udp(0)?["reassembled_from"])
        XCTAssertEqual(udp(1)?["reassembled_from"] as? [Int], [1, 2])
        XCTAssertEqual(udp(1)?["payload_length"] as? Int, 36)
        XCTAssertNil(udp(1)?["first_fragment"])
        XCTAssertEqual(udp(2)?["first_fragment"] as? Bool, true)
        XCTAssertEqual(udp(3)?["reassembled_from"] as? [Int], [3, 4], "IPv6 fragments too")
        let ms = try jsonLines(try CLI.run(["messages", CLI.capture("ip-fragments-options.pcap"), "--json", "--framing", "raw"]).stdout)
        let first = try XCTUnwrap(ms.first { $0["transport"] as? String == "udp" })
        XCTAssertEqual(first["text"] as? String, "fragmented message!!-tail-of-it.....")
        XCTAssertEqual(first["frames"] as? [Int], [1, 2])
        XCTAssertEqual(ms.filter { $0["transport"] as? String == "udp" }.count, 2, "one message a datagram, none from a first fragment alone")
    }
}

final class StatsCommandTests: XCTestCase {
    func testStatsCountsStickySplitAndMalformed() throws {
        let sticky = try CLI.run(["stats", CLI.capture("sticky.pcap")])
        XCTAssertEqual(sticky.status, 0, sticky.stderr)
        XCTAssertTrue(sticky.stdout.contains("12 frames"), sticky.stdout)
        XCTAssertTrue(sticky.stdout.contains("tcp  12 frames"), sticky.stdout)
        XCTAssertTrue(sticky.stdout.contains("Messages: 6 over TCP; 4 in segments shared with another message"), sticky.stdout)
        let split = try CLI.run(["stats", CLI.capture("split.pcap")])
        XCTAssertTrue(split.stdout.contains("1 split over several segments"), split.stdout)
        let bad = try CLI.run(["stats", CLI.capture("negative-length.pcap"), "--framing", "<i"])
        XCTAssertTrue(bad.stdout.contains("1 with problems"), bad.stdout)
    }
}

final class AutoPerFrameTests: XCTestCase {
    /// With the default `auto`, the first piece of a split message already shows its message,
    /// and a length header cut across segments is named as such.
    func testSplitAndHeaderSplitWithAuto() throws {
        let split = try CLI.run(["read", CLI.capture("split.pcap")])
        XCTAssertTrue(split.stdout.contains("| #1 starts (250 bytes): split, more segments follow"), split.stdout)
        XCTAssertTrue(split.stdout.contains("| #1 ends (segment 3 of 3)"), split.stdout)
        let header = try CLI.run(["read", CLI.capture("header-split.pcap"), "--framing", "!I"])
        XCTAssertTrue(header.stdout.contains("| #1 starts (header cut after 2 bytes)"), header.stdout)
        XCTAssertTrue(header.stdout.contains("| #1 ends (segment 2 of 2) \"hello\""), header.stdout)
    }
}
