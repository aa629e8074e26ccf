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

    /// The client's own port is masked only where it stands alone as decimal text, and only
    /// answers that differ nowhere else become the same.
    func testTheClientsOwnPortIsMaskedWhereItStandsAlone() {
        let masked = maskingPort(Array("a:5432 b:54321 c:15432 5432".utf8), 5432)
        XCTAssertEqual(masked, Array("a:".utf8) + [0xFF] + Array(" b:54321 c:15432 ".utf8) + [0xFF])
        let captured = [Array("127.0.0.1:40000 said: hi".utf8), Array("40000 is 40000".utf8)]
        let replayed = [Array("127.0.0.1:51515 said: hi".utf8), Array("51515 is 40000".utf8)]
        let plain = compareMessages(captured: captured, replayed: replayed)
        XCTAssertEqual(plain.map(\.verdict), [.different, .different])
        let own = compareMessages(captured: captured, replayed: replayed, ports: (captured: 40000, replayed: 51515))
        // The second answer says the captured port where the replay's belongs: still different.
        XCTAssertEqual(own.map(\.verdict), [.same, .different])
        XCTAssertEqual(own[0].replayed, replayed[0], "the report keeps the bytes as they came")
    }
}
