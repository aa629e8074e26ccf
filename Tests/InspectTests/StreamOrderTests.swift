import Inspect
import XCTest

/// `messages` prints stream by stream (DESIGN.md) while streaming; StreamOrder decides what is
/// written now and what waits, and bounds what waits.
final class StreamOrderTests: XCTestCase {
    /// Feeds (stream or nil for UDP, text) messages and stream ends; returns the output lines.
    func run(_ steps: [Step], limit: Int = 1 << 20, finishedLimit: Int = 1000) -> (out: [String], order: StreamOrder) {
        var order = StreamOrder(limitBytes: limit, limitFinished: finishedLimit)
        var out: [UInt8] = []
        let write: (UnsafeRawBufferPointer) -> Void = { out += $0 }
        for step in steps {
            switch step {
            case let .message(stream, text):
                let line = Array((text + "\n").utf8)
                if order.printsNow(stream) {
                    out += line
                } else {
                    line.withUnsafeBytes { order.hold(stream!, $0, release: write) }
                }
                XCTAssertLessThanOrEqual(order.heldBytes, limit)
            case let .end(stream):
                order.finished(stream, release: write)
            }
        }
        order.finishAll(release: write)
        XCTAssertEqual(order.heldBytes, 0)
        return (String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init), order)
    }

    enum Step {
        case message(Int?, String)
        case end(Int)
    }

    func testStreamsComeOutInIndexOrderAndUDPAsItComes() {
        let (out, order) = run([
            .message(0, "s0 a"), .message(1, "s1 a"), .message(nil, "udp x"), .message(2, "s2 a"),
            .message(0, "s0 b"), .message(1, "s1 b"), .end(2), .end(0), .message(1, "s1 c"),
            .message(3, "s3 a"), .end(1), .message(3, "s3 b"),
        ])
        XCTAssertEqual(out, ["s0 a", "udp x", "s0 b", "s1 a", "s1 b", "s1 c", "s2 a", "s3 a", "s3 b"])
        XCTAssertFalse(order.orderBroken)
    }

    func testEndOfInputReleasesWhatWaitsInStreamOrder() {
        let (out, order) = run([.message(5, "s5"), .message(2, "s2"), .message(0, "s0"), .message(9, "s9")])
        XCTAssertEqual(out, ["s0", "s2", "s5", "s9"])
        XCTAssertFalse(order.orderBroken)
    }

    /// Past the bound everything held comes out (in stream order) and the break is reported;
    /// nothing is lost or doubled.
    func testTheBoundBreaksOrderButLosesNothing() {
        var steps: [Step] = []
        for i in 0 ..< 200 { steps.append(.message(1 + i % 7, "m\(i)")) }
        steps.append(.end(0))
        let (out, order) = run(steps, limit: 64)
        XCTAssertTrue(order.orderBroken)
        XCTAssertEqual(out.sorted(), (0 ..< 200).map { "m\($0)" }.sorted())
    }

    /// One long stream under thousands of short ones that end: the set of ended streams is
    /// bounded too; past it the order breaks, nothing is lost, and later streams print again.
    func testEndedStreamsUnderALongOneAreBounded() {
        var steps: [Step] = [.message(0, "long 1")]
        for s in 1 ... 50 { steps.append(.message(s, "short \(s)")); steps.append(.end(s)) }
        steps.append(.message(0, "long 2"))
        steps.append(.message(60, "after"))
        let (out, order) = run(steps, finishedLimit: 10)
        XCTAssertTrue(order.orderBroken)
        XCTAssertEqual(out.count, 53)
        XCTAssertEqual(Set(out).count, 53)
        XCTAssertEqual(out.first, "long 1")
        XCTAssertTrue(out.contains("long 2") && out.contains("after"))
    }
}
