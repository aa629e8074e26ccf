import XCTest
@testable import Inspect

/// `FrameList` (a message's frames: the first three inline, the rest in an array) behaves as the
/// `[Int]` it replaced: order, count, first and last, equality, hashing, sorting.
final class FrameListTests: XCTestCase {
    func testHoldsItsNumbersInOrder() {
        var list = FrameList()
        XCTAssertTrue(list.isEmpty)
        XCTAssertNil(list.first)
        XCTAssertNil(list.last)
        list.append(7)
        XCTAssertEqual(Array(list), [7])
        XCTAssertEqual(list.first, 7)
        XCTAssertEqual(list.last, 7)
        list.append(9)
        list.append(12)
        XCTAssertEqual(Array(list), [7, 9, 12])
        XCTAssertEqual(list.count, 3)
        XCTAssertEqual(list[2], 12)
        XCTAssertEqual(list, [7, 9, 12])
        XCTAssertNotEqual(list, [7, 9])
        XCTAssertEqual(list.description, "[7, 9, 12]")
        XCTAssertEqual(FrameList([4, 5]), [4, 5])
    }

    func testSortsOutOfOrderNumbers() {
        var three: FrameList = [5, 3, 4]
        three.sortAscending()
        XCTAssertEqual(Array(three), [3, 4, 5])
        var two: FrameList = [9, 2]
        two.sortAscending()
        XCTAssertEqual(Array(two), [2, 9])
        var sorted: FrameList = [1, 2, 2, 8]
        sorted.sortAscending()
        XCTAssertEqual(Array(sorted), [1, 2, 2, 8])
    }

    func testNumbersPastTheInlineOnesGoToTheArray() {
        var list = FrameList()
        for f in [3, 5, 8, 13, 21] { list.append(f) }
        XCTAssertEqual(list.count, 5)
        XCTAssertEqual(Array(list), [3, 5, 8, 13, 21])
        XCTAssertEqual(list[2], 8)
        XCTAssertEqual(list[3], 13)
        XCTAssertEqual(list.last, 21)
        XCTAssertEqual(list, [3, 5, 8, 13, 21])
        XCTAssertNotEqual(list, [3, 5, 8, 13])
        XCTAssertEqual(list.description, "[3, 5, 8, 13, 21]")
        // Out of order only past the inline numbers, or only across the boundary.
        var late: FrameList = [1, 2, 3, 9, 4]
        late.sortAscending()
        XCTAssertEqual(Array(late), [1, 2, 3, 4, 9])
        var boundary: FrameList = [1, 2, 7, 6]
        boundary.sortAscending()
        XCTAssertEqual(Array(boundary), [1, 2, 6, 7])
        var inline: FrameList = [4, 1, 2]
        inline.sortAscending()
        XCTAssertEqual(Array(inline), [1, 2, 4])
        XCTAssertEqual(Set([FrameList([1, 2, 3, 4]), [1, 2, 3, 4], [1, 2, 3], [1, 2, 3, 0]]).count, 3)
    }

    func testEqualListsHashAlike() {
        let lists: [FrameList] = [FrameList([1, 2]), [1, 2], [3], [], FrameList()]
        XCTAssertEqual(Set(lists).count, 3)
    }
}
