import XCTest
@testable import Framing
import TestSupport

final class LineFramingTests: XCTestCase {
    func testCRLFIsStrippedAndOffsetsIncludeTheTerminator() {
        let got = frame(spec("line"), segments: [[UInt8]("hello\r\nworld\n\r\n")])
        XCTAssertEqual(got.map(\.text), ["hello", "world", ""])
        XCTAssertEqual(got.map(\.start), [0, 7, 13])
        XCTAssertEqual(got.map(\.end), [7, 13, 15])
        XCTAssertTrue(got.allSatisfy { $0.complete && $0.headerLength == 0 && $0.headerValue == nil && $0.declaredLength == nil })
    }

    func testCRLFSplitBetweenSegments() {
        let got = frame(spec("line"), segments: [[UInt8]("hello\r"), [UInt8]("\nQ\n")])
        XCTAssertEqual(got.map(\.text), ["hello", "Q"])
    }

    func testAnInnerCRStays() {
        XCTAssertEqual(frame(spec("line"), segments: [[UInt8]("a\rb\n")]).first?.text, "a\rb")
    }

    func testAFinalLineWithoutNewlineIsTruncatedAtFinish() {
        var framer = MessageFramer(spec: spec("line"))
        XCTAssertEqual(framer.feed([UInt8]("hi\nbye"), at: 0).map(\.text), ["hi"])
        XCTAssertEqual(framer.bufferedBytes, 3)
        let last = framer.finish()
        XCTAssertEqual(last.map(\.problems), [[.truncatedBody]])
        XCTAssertEqual(last.first?.text, "bye")
        XCTAssertEqual(last.first?.start, 3)
        XCTAssertEqual(last.first?.end, 6)
        XCTAssertFalse(last.first?.complete ?? true)
    }

    func testMaxMessageExactlyIsFineEvenWithCRLF() {
        let s = spec("line", maxMessage: 5)
        let got = frame(s, segments: [[UInt8]("hello\r"), [UInt8]("\n"), [UInt8]("hello\n")])
        XCTAssertEqual(got.map(\.text), ["hello", "hello"])
        XCTAssertTrue(got.allSatisfy(\.complete))
    }

    func testAnOverLongLineIsReportedAndFramingResumesAfterItsNewline() {
        let s = spec("line", maxMessage: 5)
        for segments in [[[UInt8]("toolong!\nok\n")], [UInt8]("toolong!\nok\n").map { [$0] },
                         [[UInt8]("too"), [UInt8]("lon"), [UInt8]("g!\nok\n")]] {
            var framer = MessageFramer(spec: s)
            var got: [FramedMessage] = []
            var offset: UInt64 = 0
            for segment in segments {
                got += framer.feed(segment, at: offset)
                offset += UInt64(segment.count)
                XCTAssertLessThanOrEqual(framer.bufferedBytes, 6)
            }
            got += framer.finish()
            XCTAssertEqual(got.map(\.problems), [[.lengthOverLimit], []])
            XCTAssertEqual(got.map(\.text), ["toolo", "ok"])  // the first maxMessage bytes are kept
            XCTAssertEqual(got.map(\.end), [9, 12])
            XCTAssertFalse(got[0].complete)
        }
        // maxMessage + 1 with CRLF is still over
        XCTAssertEqual(frame(s, segments: [[UInt8]("hello!\r\n")]).first?.problems, [.lengthOverLimit])
        // an over-long line that never ends
        XCTAssertEqual(frame(s, segments: [[UInt8]("abcdefgh")]).first?.problems, [.lengthOverLimit, .truncatedBody])
    }

    func testAnUnfinishedLineAtTheLimit() {
        // "hello\r" at finish: the \r may be half a CRLF, the body is "hello", not over the limit.
        var framer = MessageFramer(spec: spec("line", maxMessage: 5))
        XCTAssertEqual(framer.feed([UInt8]("hello\r"), at: 0), [])
        XCTAssertEqual(framer.bufferedBytes, 6)
        let cr = framer.finish()
        XCTAssertEqual(cr.first?.problems, [.truncatedBody])
        XCTAssertEqual(cr.first?.text, "hello")
        // "hello!" at a gap: over the limit, cut to maxMessage.
        var other = MessageFramer(spec: spec("line", maxMessage: 5))
        XCTAssertEqual(other.feed([UInt8]("hello!"), at: 0), [])
        let cut = other.gap(at: 6, length: 1)
        XCTAssertEqual(cut.first?.problems, [.lengthOverLimit, .gap])
        XCTAssertEqual(cut.first?.text, "hello")
    }

    func testChatLinesFromTheLesson() {
        // what `nc` sends for the line-framed chat: one line a write, Q to quit
        let got = frame(spec("line"), segments: [[UInt8]("hello\n"), [UInt8]("你好，世界\n"), [UInt8]("Q\n")])
        XCTAssertEqual(got.map(\.text), ["hello", "你好，世界", "Q"])
        XCTAssertEqual(got.map(\.index), [1, 2, 3])
    }
}
