import XCTest
@testable import Framing

/// Resynchronisation after a bad header and after a gap happens only on segment boundaries, at
/// the first segment that starts with a plausible header — never by trusting a length.
final class ResyncTests: XCTestCase {
    let hello: [UInt8] = [0, 0, 0, 5] + [UInt8]("hello")
    let world: [UInt8] = [0, 0, 0, 5] + [UInt8]("world")

    func testResyncAfterANegativeLengthAtTheNextSegment() {
        let s = spec("!i")
        var framer = MessageFramer(spec: s)
        var got = framer.feed([0xFF, 0xFF, 0xFF, 0xFB] + hello, at: 0)  // -5, then a good frame in the same segment
        XCTAssertEqual(got.map(\.problems), [[.negativeLength]])
        XCTAssertEqual(framer.skippedBytes, 9)  // the same segment is not trusted
        got = framer.feed(world, at: 13)
        XCTAssertEqual(got.map(\.text), ["world"])
        XCTAssertEqual(got.first?.index, 2)
        XCTAssertEqual(got.first?.start, 13)
        XCTAssertEqual(got.first?.end, 22)
    }

    func testImplausibleSegmentsAreSkippedUntilAPlausibleOne() {
        var framer = MessageFramer(spec: spec("!I", maxMessage: 1000))
        XCTAssertEqual(framer.feed([0, 0, 0x10, 0] + [UInt8]("abc"), at: 0).map(\.problems), [[.lengthOverLimit]])  // 4096 > 1000
        XCTAssertEqual(framer.feed([UInt8]("text that is no header"), at: 7), [])  // "text" = 1,952,807,028
        XCTAssertEqual(framer.feed([0x80, 0, 0, 1, 0x41], at: 29), [])
        let got = framer.feed(hello + world, at: 34)
        XCTAssertEqual(got.map(\.text), ["hello", "world"])
        XCTAssertEqual(got.map(\.index), [2, 3])
        XCTAssertEqual(framer.skippedBytes, 3 + 22 + 5)
    }

    func testTheProbeMayContinueInTheSameSegmentButNotInTheNext() {
        var framer = MessageFramer(spec: spec("!I"))
        _ = framer.gap(at: 0, length: 10)
        // A segment of 2 bytes then its continuation (segmentStart false): one 4-byte header.
        XCTAssertEqual(framer.feed([0, 0], at: 10), [])
        XCTAssertEqual(framer.feed([0, 5] + [UInt8]("hello"), at: 12, segmentStart: false).map(\.text), ["hello"])

        // A 2-byte segment followed by a NEW segment: the short one was no header.
        var other = MessageFramer(spec: spec("!I"))
        _ = other.gap(at: 0, length: 10)
        XCTAssertEqual(other.feed([0, 0], at: 10), [])
        XCTAssertEqual(other.feed(hello, at: 12).map(\.text), ["hello"])
        XCTAssertEqual(other.skippedBytes, 2)
    }

    func testGapAtAMessageBoundaryGetsAPlaceholderThenResync() {
        var framer = MessageFramer(spec: spec("!I"))
        XCTAssertEqual(framer.feed(hello, at: 0).map(\.text), ["hello"])
        let lost = framer.gap(at: 9, length: 9)
        XCTAssertEqual(lost.count, 1)
        XCTAssertEqual(lost[0].problems, [.gap])
        XCTAssertEqual(lost[0].start, 9)
        XCTAssertEqual(lost[0].end, 18)
        XCTAssertEqual(lost[0].headerLength, 0)
        XCTAssertEqual(lost[0].index, 2)
        XCTAssertEqual(framer.feed(world, at: 18).map(\.text), ["world"])
    }

    func testGapInsideAHeader() {
        var framer = MessageFramer(spec: spec("!I"))
        XCTAssertEqual(framer.feed([0, 0], at: 0), [])
        let got = framer.gap(at: 2, length: 2)
        XCTAssertEqual(got.map(\.problems), [[.gap]])
        XCTAssertEqual(got.first?.headerLength, 2)
        XCTAssertNil(got.first?.headerValue)
        XCTAssertEqual(got.first?.body, [])  // header bytes are not body bytes
        XCTAssertEqual(got.first?.end, 4)
    }

    func testGapInsideABodyDoesNotTrustTheLengthAcrossIt() {
        // "hello" lost its middle; the next segment starts inside the body ("lo"), then a frame.
        var framer = MessageFramer(spec: spec("!I"))
        XCTAssertEqual(framer.feed([0, 0, 0, 5, 0x68, 0x65], at: 0), [])
        let cut = framer.gap(at: 6, length: 1)
        XCTAssertEqual(cut.first?.body, [UInt8]("he"))
        XCTAssertEqual(cut.first?.end, 7)
        XCTAssertEqual(cut.first?.declaredLength, 5)
        XCTAssertEqual(framer.feed([UInt8]("lo") + world, at: 7), [])  // "lo\0\0" is not plausible: skipped
        XCTAssertEqual(framer.feed(hello, at: 18).map(\.text), ["hello"])
        XCTAssertEqual(framer.skippedBytes, 11)
    }

    func testGapThatEndsAfterTheDeclaredEnd() {
        var framer = MessageFramer(spec: spec("!I"))
        _ = framer.feed([0, 0, 0, 2, 0x41], at: 0)
        let got = framer.gap(at: 5, length: 100)
        XCTAssertEqual(got.first?.end, 6)  // the message's own end; the rest of the gap is someone else's
    }

    func testAFeedPastTheExpectedOffsetIsAGap() {
        var framer = MessageFramer(spec: spec("!I"))
        _ = framer.feed(hello, at: 0)
        let got = framer.feed(world, at: 20)  // bytes 9..<20 never came
        XCTAssertEqual(got.map(\.problems), [[.gap], []])
        XCTAssertEqual(got.map(\.text), ["", "world"])
        XCTAssertEqual(got.first?.start, 9)
        XCTAssertEqual(got.first?.end, 20)
    }

    func testBytesAlreadySeenAreDropped() {
        var framer = MessageFramer(spec: spec("!I"))
        XCTAssertEqual(framer.feed(Array(hello[0..<6]), at: 0), [])
        XCTAssertEqual(framer.feed(Array(hello[3...]) + world, at: 3).map(\.text), ["hello", "world"])
        XCTAssertEqual(framer.feed(Array(hello[0..<3]), at: 0), [])  // all old
    }

    func testMidStreamStartWaitsForAPlausibleSegment() {
        var framer = MessageFramer(spec: spec("!I"), startsMidStream: true)
        XCTAssertEqual(framer.feed([UInt8]("llo"), at: 0), [])
        XCTAssertEqual(framer.feed(world, at: 3).map(\.text), ["world"])
        XCTAssertEqual(framer.skippedBytes, 3)
        var good = MessageFramer(spec: spec("!I"), startsMidStream: true)
        XCTAssertEqual(good.feed(hello, at: 0).map(\.text), ["hello"])
    }

    func testLineResyncsAtAnySegmentStartAfterAGap() {
        var framer = MessageFramer(spec: spec("line"))
        XCTAssertEqual(framer.feed([UInt8]("hel"), at: 0), [])
        XCTAssertEqual(framer.gap(at: 3, length: 3).map(\.problems), [[.gap]])
        XCTAssertEqual(framer.feed([UInt8]("more"), at: 6, segmentStart: false), [])  // not a segment start: skipped
        XCTAssertEqual(framer.feed([UInt8]("next\n"), at: 10).map(\.text), ["next"])
    }

    func testRawGapMarksThePendingSegment() {
        var framer = MessageFramer(spec: spec("raw"))
        XCTAssertEqual(framer.feed([UInt8]("hello"), at: 0), [])
        let got = framer.gap(at: 5, length: 5)
        XCTAssertEqual(got.map(\.problems), [[.gap]])
        XCTAssertEqual(got.first?.text, "hello")
        XCTAssertEqual(got.first?.end, 10)
        XCTAssertEqual(framer.feed([UInt8]("next"), at: 10), [])
        XCTAssertEqual(framer.endOfSegment().map(\.text), ["next"])
        XCTAssertEqual(framer.finish(), [])
    }

    func testRawSegmentContinuationsJoinAndOverLimitIsFlagged() {
        var framer = MessageFramer(spec: spec("raw", maxMessage: 6))
        XCTAssertEqual(framer.feed([UInt8]("hel"), at: 0), [])
        XCTAssertEqual(framer.feed([UInt8]("lo"), at: 3, segmentStart: false), [])
        XCTAssertEqual(framer.feed([UInt8]("way too long"), at: 5).map(\.text), ["hello"])
        let last = framer.finish()
        XCTAssertEqual(last.first?.problems, [.lengthOverLimit])
        XCTAssertEqual(last.first?.text, "way to")
        XCTAssertEqual(last.first?.end, 17)
    }
}
