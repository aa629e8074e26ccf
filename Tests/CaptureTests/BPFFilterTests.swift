// BPFFilter and FrameFilter on constructed Ethernet, Linux SLL and raw-IP frames.

import XCTest
import Wire
@testable import Capture

final class BPFFilterTests: XCTestCase {
    private func frame(_ bytes: [UInt8], _ linkType: LinkType, _ body: (RawFrame) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { raw in
            try body(RawFrame(timestamp: Timestamp(seconds: 0, nanoseconds: 0), len: bytes.count, linkType: linkType, bytes: raw))
        }
    }

    func testGoodFilterMatchesAndRejects() throws {
        let http = Packets.ethernet(Packets.tcp(sourcePort: 51000, destinationPort: 80, payload: Array("GET /".utf8)))
        let dns = Packets.ethernet(Packets.udp(sourcePort: 53000, destinationPort: 53, payload: [0, 1]))
        let tcp80 = try BPFFilter(expression: "tcp port 80", linkType: .ethernet)
        let udp = try BPFFilter(expression: "udp and dst port 53 and host 10.0.0.2", linkType: .ethernet)
        let everything = try BPFFilter(expression: "", linkType: .ethernet)
        frame(http, .ethernet) { f in
            XCTAssertTrue(tcp80.matches(f))
            XCTAssertFalse(udp.matches(f))
            XCTAssertTrue(everything.matches(f))
        }
        frame(dns, .ethernet) { f in
            XCTAssertFalse(tcp80.matches(f))
            XCTAssertTrue(udp.matches(f))
        }
        // A frame cut before the TCP ports cannot match a port filter.
        frame(Array(http.prefix(36)), .ethernet) { f in XCTAssertFalse(tcp80.matches(f)) }
    }

    func testBadFilterCarriesLibpcapMessageAndExpression() {
        let error = assertThrowsPcapError { () throws(PcapError) in
            try BPFFilter(expression: "tcp port eighty", linkType: .ethernet)
        }
        guard case let .badFilter(expression, message)? = error else {
            return XCTFail("expected badFilter, got \(String(describing: error))")
        }
        XCTAssertEqual(expression, "tcp port eighty")
        XCTAssertTrue(message.contains("eighty"), message)  // libpcap: "unknown port 'eighty'"
        XCTAssertTrue(error?.description.contains("\"tcp port eighty\": \(message)") ?? false)
    }

    func testFrameFilterHandlesSeveralLinkTypes() throws {
        let filter = FrameFilter(expression: "udp port 53")
        let ip = Packets.udp(sourcePort: 1234, destinationPort: 53, payload: [1])
        let other = Packets.udp(sourcePort: 1234, destinationPort: 54, payload: [1])
        try frame(Packets.ethernet(ip), .ethernet) { XCTAssertTrue(try filter.matches($0)) }
        try frame(Packets.linuxSLL(ip), .linuxSLL) { XCTAssertTrue(try filter.matches($0)) }
        try frame(ip, .raw) { XCTAssertTrue(try filter.matches($0)) }
        try frame(Packets.linuxSLL(other), .linuxSLL) { XCTAssertFalse(try filter.matches($0)) }
        try frame(Packets.ethernet(other), .ethernet) { XCTAssertFalse(try filter.matches($0)) }

        // Valid syntax that makes no sense for raw IP: the error comes per link type.
        let macFilter = FrameFilter(expression: "ether host 00:00:00:00:00:01")
        try frame(Packets.ethernet(ip), .ethernet) { XCTAssertTrue(try macFilter.matches($0)) }
        frame(ip, .raw) { f in
            let error = assertThrowsPcapError { () throws(PcapError) in try macFilter.matches(f) }
            guard case .badFilter? = error else { return XCTFail("expected badFilter, got \(String(describing: error))") }
        }
    }
}
