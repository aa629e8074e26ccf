import Foundation
import TestSupport
import XCTest

/// Issue 10 at the command line: what the damaged frames of `WildFrames` do to `read` and
/// `messages` (the tshark oracle test compares their fields; these check what only framescope
/// says: warnings, gaps, messages).
final class WildCaptureTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func write(_ frames: [WildFrames.Frame], nanosecond: Bool = false, name: String) throws -> String {
        var bytes = WildFrames.pcap(frames)
        if nanosecond { bytes.replaceSubrange(0 ..< 4, with: [0x4d, 0x3c, 0xb2, 0xa1]) }
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func jsonLines(_ s: String) throws -> [[String: Any]] {
        try s.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    // Item 8: an impossible fraction is shown as read, with a warning, not carried into the seconds.
    func testImpossibleTimestampFractionsAreShownAsReadWithAWarning() throws {
        let file = try write(WildFrames.impossibleTimes, name: "us.pcap")
        let r = try CLI.run(["read", file, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let frames = try jsonLines(r.stdout)
        XCTAssertEqual(frames.map { $0["time"] as? String }, [
            "1970-01-01T00:00:01.1000000Z", "1970-01-01T00:00:02.1500000Z", "1970-01-01T00:00:03.4294967295Z",
        ])
        let warnings = frames.map { ($0["warnings"] as? [String])?.first ?? "" }
        XCTAssertEqual(warnings[1], "frame 2: the timestamp's microsecond field is 1500000, not below 1,000,000 (an impossible time, shown as read; durations count it as 1 s more)")
        XCTAssertTrue(warnings[2].contains("4294967295"), warnings[2])
        // Once on standard error, naming the first such frame.
        XCTAssertEqual(r.stderr.components(separatedBy: "warning: frame").count - 1, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: frame 1: the timestamp's microsecond field is 1000000"), r.stderr)

        let oneLine = try CLI.run(["read", file])
        XCTAssertTrue(oneLine.stdout.hasPrefix("1 00:00:01.1000000 "), oneLine.stdout)

        // A nanosecond file: the same rule at 10^9.
        var ns = WildFrames.impossibleTimes[0]
        ns.microseconds = 1_500_000_000  // the record's fraction field, read as ns
        let nsFile = try write([ns], nanosecond: true, name: "ns.pcap")
        let n = try CLI.run(["read", nsFile, "--json"])
        XCTAssertEqual((try jsonLines(n.stdout)).first?["time"] as? String, "1970-01-01T00:00:01.1500000000Z")
        XCTAssertTrue(n.stderr.contains("nanosecond field is 1500000000, not below 1,000,000,000"), n.stderr)
    }

    // Item 7: a header that claims more than was on the wire loses no bytes: no phantom gap.
    func testALengthPastTheWireIsNoGapButASnaplenCutIs() throws {
        let frame = WildFrames.lengthsPastTheWire[1]  // IPv4 total length 100 past the wire, "\0\0\0\x05hello"
        let file = try write([frame], name: "past.pcap")
        let r = try CLI.run(["messages", file, "--framing", "!I", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let messages = try jsonLines(r.stdout)
        XCTAssertEqual(messages.count, 1, r.stdout)
        XCTAssertEqual(messages.first?["text"] as? String, "hello")
        XCTAssertEqual(messages.first?["issues"] as? [String], [])
        let read = try CLI.run(["read", file])
        XCTAssertTrue(read.stdout.contains("[malformed: IPv4 total length 149 > the 49 bytes on the wire (the capture cut nothing)]"), read.stdout)
        XCTAssertFalse(read.stdout.contains("truncated"), read.stdout)

        // The same bytes cut by a snaplen: 100 bytes were lost by the capture, and `messages` says so.
        var cut = frame
        cut.wireLength = frame.bytes.count + 100
        let cutFile = try write([cut], name: "cut.pcap")
        let c = try CLI.run(["messages", cutFile, "--framing", "!I", "--json"])
        let issues = try jsonLines(c.stdout).flatMap { $0["issues"] as? [String] ?? [] }
        XCTAssertTrue(issues.contains("gap"), c.stdout)
    }

    // Items 3 and 6 in layers 5–7: a segment behind a bad option is still framed; a first
    // fragment's header never is.
    func testBadOptionsStillFrameAndFirstFragmentsDoNot() throws {
        // The same conversation's segment each time (so one file each: a second would be a retransmission).
        for (i, frame) in [WildFrames.badTCPOptions[1], WildFrames.badIPv4Options[1]].enumerated() {
            let one = try write([frame] + WildFrames.firstFragments, name: "bad-\(i).pcap")
            let r = try CLI.run(["messages", one, "--framing", "raw", "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try jsonLines(r.stdout).map { $0["text"] as? String }, ["abc"], "\(frame.name): \(r.stdout)")
        }
        let file = try write(WildFrames.firstFragments, name: "firsts.pcap")
        let read = try CLI.run(["read", file, "--json"])
        let frames = try jsonLines(read.stdout)
        let firsts = frames.compactMap { ($0["layers"] as? [[String: Any]])?.last }.filter { $0["first_fragment"] as? Bool == true }
        XCTAssertEqual(firsts.count, WildFrames.firstFragments.count, read.stdout)
        XCTAssertEqual(firsts.first?["src_port"] as? Int, 5000)
        let oneLine = try CLI.run(["read", file])
        XCTAssertTrue(oneLine.stdout.contains("10.0.0.1:5000 → 10.0.0.2:9001 UDP len 1000 (first fragment id 4660)"), oneLine.stdout)
    }
}
