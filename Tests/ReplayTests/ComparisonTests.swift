import Replay
import XCTest

/// The replay's comparison: aligned on the longest run of identical messages, so one difference
/// does not shift every message after it.
final class ComparisonTests: XCTestCase {
    func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    func verdicts(_ c: [String], _ r: [String]) -> [String] {
        compareMessages(captured: c.map(b), replayed: r.map(b)).map { "\($0.verdict.rawValue) \($0.index)" + ($0.firstDifference.map { "@\($0)" } ?? "") }
    }

    func testAlignment() {
        XCTAssertEqual(verdicts(["a", "b", "c"], ["a", "b", "c"]), ["same 1", "same 2", "same 3"])
        // One merged answer: it differs, the one it swallowed is missing, the rest still match.
        XCTAssertEqual(verdicts(["hi", "there", "bye"], ["hi\nthere", "bye"]), ["different 1@2", "missing 2", "same 3"])
        // An answer too many in the middle.
        XCTAssertEqual(verdicts(["a", "c"], ["a", "b", "c"]), ["same 1", "extra 2", "same 2"])
        XCTAssertEqual(verdicts(["a", "b"], []), ["missing 1", "missing 2"])
        XCTAssertEqual(verdicts([], ["x"]), ["extra 1"])
        // A shorter side differs at its end.
        XCTAssertEqual(verdicts(["abc"], ["ab"]), ["different 1@2"])
    }
}
