import XCTest
@testable import Framing
import TestSupport

/// The lesson's real capture, framed as it came (one message a segment), coalesced (sticky) and
/// split across segments.
final class CaptureTests: XCTestCase {
    func testTheChatCaptureFramesAsTheLessonSentIt() {
        let client = frame(spec("!I"), segments: ChatCapture.clientSegments)
        XCTAssertEqual(client.map(\.text), ["hello", "how are you?", "你好，世界", "Q"])
        XCTAssertEqual(client.map(\.start), [0, 9, 25, 44])   // tcpdump's relative seq - 1
        XCTAssertEqual(client.map(\.end), [9, 25, 44, 49])
        XCTAssertEqual(client.map(\.headerValue), [5, 12, 15, 1])
        let server = frame(spec("!I"), segments: ChatCapture.serverSegments)
        XCTAssertEqual(server.map(\.text), ["echo: hello", "echo: how are you?", "echo: 你好，世界", "Q"])
        XCTAssertEqual(server.map(\.end), [15, 37, 62, 67])
    }

    func testStickyAndSplitGiveTheSameMessages() {
        let stream = ChatCapture.clientSegments.flatMap { $0 }
        let expected = frame(spec("!I"), segments: ChatCapture.clientSegments).map(MessageFacts.init)
        XCTAssertEqual(frame(spec("!I"), segments: [stream]).map(MessageFacts.init), expected)           // all sticky
        XCTAssertEqual(frame(spec("!I"), segments: cut(stream, at: [2, 11, 20, 30])).map(MessageFacts.init), expected)  // headers split
        XCTAssertEqual(frame(spec("!I"), segments: stream.map { [$0] }).map(MessageFacts.init), expected)
    }

    func testReadWithTheWrongFramingIsAFindingNotACrash() {
        // The lesson's classic bug: reading !I headers as native '<i'.
        let got = frame(spec("<i"), segments: ChatCapture.clientSegments)
        XCTAssertEqual(got.first?.problems, [.lengthOverLimit])  // 0x05000000 = 83,886,080
        XCTAssertEqual(got.first?.headerValue, 83_886_080)
        XCTAssertTrue(got.allSatisfy { !$0.complete })
    }
}
