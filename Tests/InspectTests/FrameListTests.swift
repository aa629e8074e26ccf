import XCTest
@testable import Inspect

/// `FrameList` (a message's frames: the first inline, the rest in an array) behaves as the
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

    func testEqualListsHashAlike() {
        let lists: [FrameList] = [FrameList([1, 2]), [1, 2], [3], [], FrameList()]
        XCTAssertEqual(Set(lists).count, 3)
    }
}
