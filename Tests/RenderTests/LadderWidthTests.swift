import XCTest
import Framing
@testable import Inspect
@testable import Render
import Streams
import Wire

/// The ladder pads and centres labels by display width: a Chinese label ("你好，我是服务器",
/// each character two terminal columns) gives arrows as wide as the ASCII ones.
final class LadderWidthTests: XCTestCase {
    func testDisplayWidth() {
        XCTAssertEqual(DisplayWidth.of("hello"), 5)
        XCTAssertEqual(DisplayWidth.of("你好，我是服务器"), 16, "CJK ideographs and the fullwidth comma: 2 columns each")
        XCTAssertEqual(DisplayWidth.of("拆包 ok"), 7)
        XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1, "a combining mark takes no column")
        XCTAssertEqual(DisplayWidth.of("Ａ"), 2, "fullwidth Latin")
        XCTAssertEqual(DisplayWidth.of("ｱ"), 1, "halfwidth katakana")
        XCTAssertEqual(DisplayWidth.of("한국어"), 6)
        XCTAssertEqual(DisplayWidth.of("😀"), 2)
        XCTAssertEqual(DisplayWidth.of("→ ⇄ …"), 5)
        XCTAssertEqual(DisplayWidth.prefix("你好abc", columns: 3), "你", "a wide character never half fits")
        XCTAssertEqual(DisplayWidth.fit("你好世界", columns: 5), "你好…")
        XCTAssertEqual(DisplayWidth.fit("你好", columns: 4), "你好")
    }

    static func segment(_ frame: Int, _ direction: Direction, _ length: Int, _ flags: TCPFlags = [.ack, .psh], offset: UInt64 = 0) -> LadderSegment {
        LadderSegment(frame: frame, timestamp: Timestamp(seconds: 1, nanoseconds: 0), direction: direction,
                      offset: offset, length: length, flags: flags, analysis: [])
    }

    static func message(_ text: String, index: Int, frame: Int, direction: Direction) -> ChatMessage {
        let body = Array(text.utf8)
        let f = FramedMessage(index: index, start: 0, headerLength: 4, headerValue: Int64(body.count), declaredLength: body.count,
                              body: body, end: UInt64(body.count + 4), complete: true, problems: [], isValidUTF8: true)
        return ChatMessage(transport: .tcp, stream: 0, direction: direction, message: f, frames: [frame], format: "!I", guessed: false)
    }

    /// Every line of the diagram: the display width of each, and the column of its last `|`.
    func widths(_ text: String) -> [Int] {
        text.split(separator: "\n").map { DisplayWidth.of(String($0)) }
    }

    func testBatchLadderRowsWithChineseLabelsHaveEqualWidth() {
        let reply = "你好，我是服务器"
        let segments = [Self.segment(1, .clientToServer, 0, [.syn]), Self.segment(2, .serverToClient, 28),
                        Self.segment(3, .clientToServer, 9)]
        let messages = [Self.message(reply, index: 1, frame: 2, direction: .serverToClient),
                        Self.message("hello", index: 1, frame: 3, direction: .clientToServer)]
        let out = ByteSink()
        Ladder.text(client: "client 127.0.0.1:1", server: "server 127.0.0.1:2", segments: segments, messages: messages, into: out)
        let lines = out.string.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[2].contains("\"你好，我是服务器\""), lines[2])
        let arrows = widths(lines.dropFirst().joined(separator: "\n"))
        XCTAssertEqual(Set(arrows).count, 1, "every arrow is as wide as the others:\n" + out.string)
        XCTAssertEqual(arrows.first, 97, "the default width (100) less the 3 columns the names overhang the arrows")
        // A label too long for the arrow is cut by columns, still the same width.
        let long = String(repeating: "拆包", count: 40)
        let cut = ByteSink()
        Ladder.text(client: "c", server: "s", segments: [Self.segment(1, .clientToServer, 244)],
                    messages: [Self.message(long, index: 1, frame: 1, direction: .clientToServer)], width: 60, into: cut)
        XCTAssertEqual(widths(cut.string).last, 57, cut.string)
    }

    static func piece(_ index: Int, _ kind: FrameView.Piece.Kind, _ text: String? = nil, length: Int = 0,
                      part: Int? = nil, parts: Int? = nil, problems: [FrameProblem] = []) -> FrameView.Piece {
        FrameView.Piece(index: index, kind: kind, textBytes: text.map { Array($0.utf8) }, length: length, complete: kind != .starts,
                        part: part, parts: parts, problems: problems)
    }

    static func view(_ pieces: [FrameView.Piece], headers: Int = 0) -> FrameView {
        var v = FrameView()
        v.messages = pieces
        v.headers = (0 ..< headers).map { FrameView.Header(offset: $0 * 4, value: "3") }
        return v
    }

    func testLiveRowsWithChineseLabelsHaveEqualWidth() {
        let out = ByteSink()
        let endpoints = StreamEndpoints(client: .v4(IPv4Address(127, 0, 0, 1)), clientPort: 40000,
                                        server: .v4(IPv4Address(127, 0, 0, 1)), serverPort: 9000, roleReason: "sent the SYN")
        Ladder.liveHeader(stream: 3, endpoints: endpoints, style: .plain, into: out)
        Ladder.liveRow(stream: 3, segment: Self.segment(1, .clientToServer, 0, [.syn]), view: FrameView(), style: .plain, into: out)
        Ladder.liveRow(stream: 3, segment: Self.segment(2, .serverToClient, 28),
                       view: Self.view([Self.piece(1, .whole, "你好，我是服务器", length: 24)]), style: .plain, into: out)
        Ladder.liveRow(stream: 3, segment: Self.segment(3, .clientToServer, 44),
                       view: Self.view([Self.piece(1, .whole, "拆包拆包拆包拆包拆包拆包拆包拆包拆包拆包", length: 60)]), style: .plain, into: out)
        let lines = out.string.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "stream 3: client 127.0.0.1:40000 ⇄ server 127.0.0.1:9000 (sent the SYN)")
        XCTAssertTrue(lines[1].hasPrefix("[3]         client 127.0.0.1:40000"), lines[1])
        for l in lines.dropFirst(2) { XCTAssertTrue(l.hasPrefix("[3] "), l) }
        XCTAssertEqual(Set(widths(lines.dropFirst(2).joined(separator: "\n"))), [101], "rows of equal width, the batch's and the prefix:\n" + out.string)
        XCTAssertEqual(DisplayWidth.of(lines[1]), 104, "the names line as the batch ladder's, after the prefix")
    }

    func testLiveLabelsNameStickyAndSplit() {
        XCTAssertEqual(Ladder.liveLabel(Self.view([Self.piece(1, .whole, "one", length: 3), Self.piece(2, .whole, "two", length: 3)], headers: 2)),
                       "#1 \"one\" | #2 \"two\" (sticky)")
        XCTAssertEqual(Ladder.liveLabel(Self.view([Self.piece(1, .starts, length: 250, part: 1)], headers: 1)),
                       "#1 part 1 starts (250 B) (split)")
        XCTAssertEqual(Ladder.liveLabel(Self.view([Self.piece(1, .continues, length: 250, part: 2)])), "#1 part 2 (split)")
        XCTAssertEqual(Ladder.liveLabel(Self.view([Self.piece(1, .ends, "0123456789012345678", length: 19, part: 3, parts: 3)])),
                       "#1 part 3/3 ends \"0123456789012345…\" (split)")
        var cut = Self.piece(2, .starts, length: 2, part: 1)
        cut.headerBytes = 2
        XCTAssertEqual(Ladder.liveLabel(Self.view([Self.piece(1, .ends, "hi", length: 2, part: 2, parts: 2), cut])),
                       "#1 part 2/2 ends \"hi\" | #2 part 1 starts (header cut after 2 B) (sticky)")
        XCTAssertEqual(Ladder.liveLabel(Self.view([Self.piece(4, .whole, nil, length: 5, problems: [.invalidUTF8])])),
                       "#4 (5 B, not UTF-8) [invalid_utf8]")
        XCTAssertEqual(Ladder.liveLabel(FrameView()), "")
    }

    func testLiveRowColoursOnlyWhenAsked() {
        let plain = ByteSink(), colour = ByteSink()
        let seg = Self.segment(7, .clientToServer, 3)
        let v = Self.view([Self.piece(1, .whole, "hey", length: 3)])
        Ladder.liveRow(stream: 0, segment: seg, view: v, style: .plain, into: plain)
        Ladder.liveRow(stream: 0, segment: seg, view: v, style: TextStyle(colour: true), into: colour)
        XCTAssertFalse(plain.string.contains("\u{1b}"))
        XCTAssertTrue(colour.string.contains("\u{1b}["))
        let stripped = colour.string.replacingOccurrences(of: "\u{1b}\\[[0-9;]*m", with: "", options: .regularExpression)
        XCTAssertEqual(stripped, plain.string, "colour changes nothing but the escapes")
    }

    func testConversationLogListsEachStreamsMessagesInOrder() {
        let log = ConversationLog()
        log.opened(stream: 1, endpoints: nil)
        log.opened(stream: 0, endpoints: StreamEndpoints(client: .v4(IPv4Address(10, 0, 0, 1)), clientPort: 5000,
                                                         server: .v4(IPv4Address(10, 0, 0, 2)), serverPort: 9000, roleReason: "sent the SYN"))
        log.add(Self.message("later", index: 2, frame: 9, direction: .clientToServer))
        log.add(Self.message("hi", index: 1, frame: 4, direction: .clientToServer))
        log.add(Self.message("你好", index: 1, frame: 6, direction: .serverToClient))
        let out = ByteSink()
        log.render(style: .plain, into: out)
        XCTAssertEqual(out.string, """
            stream 0: client 10.0.0.1:5000 ⇄ server 10.0.0.2:9000 (sent the SYN); framing !I
            → #1 "hi"   frames 4
            ← #1 "你好"   frames 6
            → #2 "later"   frames 9
            stream 1:
            (no messages)

            """)
    }
}
