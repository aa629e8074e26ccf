import XCTest
@testable import Framing
import TestSupport

/// Each problem kind, for the input that causes it.
final class ProblemTests: XCTestCase {
    func testNegativeLengthWithNativeSignedInt() {
        // Python: struct.pack('<i', -5) + b'hello'
        var framer = MessageFramer(spec: spec("<i"))
        let got = framer.feed([0xFB, 0xFF, 0xFF, 0xFF] + [UInt8]("hello"), at: 0)
        XCTAssertEqual(got.count, 1)
        let m = got[0]
        XCTAssertEqual(m.problems, [.negativeLength])
        XCTAssertEqual(m.headerValue, -5)
        XCTAssertEqual(m.declaredLength, -5)
        XCTAssertEqual(m.headerLength, 4)
        XCTAssertEqual(m.body, [])
        XCTAssertEqual(m.start, 0)
        XCTAssertEqual(m.end, 4)
        XCTAssertFalse(m.complete)
        XCTAssertEqual(framer.skippedBytes, 5)  // "hello" skipped until a segment start
        XCTAssertEqual(framer.bufferedBytes, 0)
        XCTAssertEqual(framer.finish(), [])
    }

    func testLengthOverLimit() {
        var framer = MessageFramer(spec: spec("!I", maxMessage: 100))
        let got = framer.feed([0, 0, 0, 101, 1, 2, 3], at: 0)
        XCTAssertEqual(got.map(\.problems), [[.lengthOverLimit]])
        XCTAssertEqual(got.first?.declaredLength, 101)
        XCTAssertEqual(framer.bufferedBytes, 0)
    }

    func testTruncatedHeaderAtFinish() {
        var framer = MessageFramer(spec: spec("!I"))
        XCTAssertEqual(framer.feed([0, 0, 0, 1, 0x41, 0, 0], at: 0).map(\.text), ["A"])
        let got = framer.finish()
        XCTAssertEqual(got.count, 1)
        XCTAssertEqual(got[0].problems, [.truncatedHeader])
        XCTAssertEqual(got[0].index, 2)
        XCTAssertEqual(got[0].start, 5)
        XCTAssertEqual(got[0].end, 7)
        XCTAssertEqual(got[0].headerLength, 2)
        XCTAssertNil(got[0].headerValue)
        XCTAssertFalse(got[0].complete)
        XCTAssertEqual(framer.bufferedBytes, 0)
    }

    func testTruncatedBodyAtFinish() {
        // a declared length longer than the rest of the stream
        var framer = MessageFramer(spec: spec("!I"))
        XCTAssertEqual(framer.bytesNeeded, 4)
        XCTAssertEqual(framer.feed([0, 0], at: 0), [])
        XCTAssertEqual(framer.bytesNeeded, 2)
        XCTAssertEqual(framer.feed([0, 10] + [UInt8]("hel"), at: 2), [])
        XCTAssertEqual(framer.bufferedBytes, 3)
        XCTAssertEqual(framer.bytesNeeded, 7)
        let got = framer.finish()
        XCTAssertEqual(got.map(\.problems), [[.truncatedBody]])
        XCTAssertEqual(got.first?.text, "hel")
        XCTAssertEqual(got.first?.declaredLength, 10)
        XCTAssertEqual(got.first?.end, 7)
        XCTAssertEqual(framer.bufferedBytes, 0)
    }

    func testGapInsideABody() {
        var framer = MessageFramer(spec: spec("!I"))
        XCTAssertEqual(framer.feed([0, 0, 0, 10] + [UInt8]("hel"), at: 0), [])
        let got = framer.gap(at: 7, length: 4)
        XCTAssertEqual(got.count, 1)
        XCTAssertEqual(got[0].problems, [.gap])
        XCTAssertEqual(got[0].text, "hel")
        XCTAssertEqual(got[0].declaredLength, 10)
        XCTAssertEqual(got[0].start, 0)
        XCTAssertEqual(got[0].end, 11)
        XCTAssertFalse(got[0].complete)
    }

    func testInvalidUTF8() {
        let got = frame(spec("!H"), segments: [[0, 2, 0xC3, 0x28, 0, 1, 0xFF, 0, 0]])
        XCTAssertEqual(got.map(\.problems), [[.invalidUTF8], [.invalidUTF8], []])
        XCTAssertEqual(got.map(\.text), [nil, nil, ""])
        XCTAssertTrue(got.allSatisfy(\.complete))  // the framing is fine; the text is not
        // a surrogate half and an overlong encoding are not UTF-8 either
        XCTAssertEqual(frame(spec("raw"), segments: [[0xED, 0xA0, 0x80]]).first?.problems, [.invalidUTF8])
        XCTAssertEqual(frame(spec("raw"), segments: [[0xC0, 0xAF]]).first?.problems, [.invalidUTF8])
        XCTAssertEqual(frame(spec("line"), segments: [[0xF0, 0x9F, 0x98, 0x80, 0x0A]]).first?.text, "😀")
    }

    func testLengthMismatchForUDP() {
        let s = spec("!I")
        let short = frameDatagram([0, 0, 0, 9] + [UInt8]("hello"), spec: s, index: 1, offset: 0)
        XCTAssertEqual(short.problems, [.lengthMismatch])
        XCTAssertEqual(short.body, [UInt8]("hello"))
        XCTAssertEqual(short.declaredLength, 9)
        XCTAssertFalse(short.complete)
        let long = frameDatagram([0, 0, 0, 1] + [UInt8]("hello"), spec: s, index: 2, offset: 9)
        XCTAssertEqual(long.problems, [.lengthMismatch])
        XCTAssertEqual(long.start, 9)
        XCTAssertEqual(long.end, 18)
        XCTAssertEqual(long.index, 2)
        let tiny = frameDatagram([0, 5], spec: s, index: 3, offset: 0)
        XCTAssertEqual(tiny.problems, [.truncatedHeader, .lengthMismatch])
        XCTAssertNil(tiny.headerValue)
        let negative = frameDatagram([0xFB, 0xFF, 0xFF, 0xFF], spec: spec("<i"), index: 4, offset: 0)
        XCTAssertEqual(negative.problems, [.negativeLength, .lengthMismatch])
        let good = frameDatagram([0, 0, 0, 5] + [UInt8]("hello"), spec: s, index: 5, offset: 0)
        XCTAssertEqual(good.problems, [])
        XCTAssertTrue(good.complete)
        XCTAssertEqual(good.text, "hello")
        XCTAssertEqual(good.headerLength, 4)
    }

    func testProblemNamesAreTheJSONIssueNames() {
        XCTAssertEqual(FrameProblem.allCases.map(\.rawValue),
                       ["negative_length", "length_over_limit", "truncated_header", "truncated_body", "gap", "invalid_utf8", "length_mismatch"])
    }
}
