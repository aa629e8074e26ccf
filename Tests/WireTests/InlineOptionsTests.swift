import XCTest
import TestSupport
@testable import Wire

/// IPv4 option types are kept inline (`IPv4Options`, at most the 40 that 40 bytes of options
/// can hold) and TCP's NOP,NOP,TS list is read without the option walk: both must say what the
/// general representation said.
final class InlineOptionsTests: XCTestCase {
    func testFortyOptionTypesFitInline() {
        let f = Dissector().decode(WildFrames.ipv4(WildFrames.tcp([]), protocol: 6, options: Array(repeating: 1, count: 40)),
                                   linkType: .ethernet)
        guard case .ipv4(let h)? = f.first(.ipv4)?.header else { return XCTFail("no IPv4 header") }
        XCTAssertEqual(h.options.count, IPv4Options.capacity)
        XCTAssertTrue(h.options.allSatisfy { $0 == 1 })
        XCTAssertNil(f.error)
    }

    func testEqualityHashAndOrderFollowTheTypes() {
        let a: IPv4Options = [1, 7], b: IPv4Options = [1, 7], c: IPv4Options = [1], d: IPv4Options = [7, 1]
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.hashValue, b.hashValue)
        XCTAssertNotEqual(a, c)
        XCTAssertNotEqual(a, d)
        XCTAssertEqual(Array(a), [1, 7])
        XCTAssertTrue(IPv4Options().isEmpty)
    }

    func testTimestampShortcutOnlyForExactlyThatList() {
        func options(_ o: [UInt8]) -> TCPOptions? {
            let f = Dissector().decode(WildFrames.ipv4(WildFrames.tcp([], options: o), protocol: 6), linkType: .ethernet)
            if case .tcp(let h)? = f.first(.tcp)?.header { return h.options }
            return nil
        }
        let ts = WildFrames.be32(1) + WildFrames.be32(2)
        XCTAssertEqual(options([1, 1, 8, 10] + ts)?.nopNopTimestamp?.echoReply, 2)
        XCTAssertNil(options([1, 1, 1, 1, 1, 1, 8, 10] + ts + [0, 0, 0, 0])?.nopNopTimestamp)
        XCTAssertNil(options([8, 10] + ts + [1, 1])?.nopNopTimestamp)
        XCTAssertEqual(options([8, 10] + ts + [1, 1]).map { $0.map(\.name) }, ["TS", "NOP", "NOP"])
    }
}
