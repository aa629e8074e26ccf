import XCTest
@testable import Streams

final class SequenceNumberTests: XCTestCase {
    func testDistanceAcrossTheWrap() {
        let a = SequenceNumber(0xFFFF_FFF0), b = SequenceNumber(0x10)
        XCTAssertEqual(a.distance(to: b), 0x20)
        XCTAssertEqual(b.distance(to: a), -0x20)
        XCTAssertTrue(a < b)
        XCTAssertFalse(b < a)
        XCTAssertTrue(a <= a)
        XCTAssertEqual(a.advanced(by: 0x20), b)
        XCTAssertEqual(b.advanced(by: -0x20), a)
        XCTAssertEqual(SequenceNumber(5).distance(to: SequenceNumber(5)), 0)
        // Half the circle away reads as "before" (the most negative distance).
        XCTAssertEqual(SequenceNumber(0).distance(to: SequenceNumber(0x8000_0000)), -0x8000_0000)
    }

    func testHalfStreamOffsetsFollowTheCursorAcrossTheWrap() {
        var h = HalfStream()
        h.origin = 0xFFFF_FFFE
        XCTAssertEqual(h.offset(of: 0xFFFF_FFFE), 0)
        XCTAssertEqual(h.offset(of: 0x0000_0002), 4)
        XCTAssertEqual(h.offset(of: 0xFFFF_FFFD), -1)
        h.cursor = 5_000_000_000  // more than 2^32 bytes delivered
        let seqAtCursor = h.origin &+ UInt32(truncatingIfNeeded: h.cursor)
        XCTAssertEqual(h.offset(of: seqAtCursor &+ 10), 5_000_000_010)
        XCTAssertEqual(h.offset(of: seqAtCursor &- 10), 4_999_999_990)
    }
}
