import XCTest
@testable import Wire
import TestSupport

/// Every dissector is total: any prefix of a real frame and any random bytes decode without a
/// trap, and a cut frame is reported as truncated at the layer where the bytes ran out — never
/// as malformed.
final class TotalityTests: XCTestCase {
    static let all: [(String, [UInt8], LinkType)] = [
        ("tcpSynIPv4", Fixtures.tcpSynIPv4, .ethernet), ("tcpHelloIPv4", Fixtures.tcpHelloIPv4, .ethernet),
        ("tcpSynIPv6", Fixtures.tcpSynIPv6, .ethernet), ("tcpHelloIPv6", Fixtures.tcpHelloIPv6, .ethernet),
        ("udpIPv4", Fixtures.udpIPv4, .ethernet), ("icmpUnreachableIPv4", Fixtures.icmpUnreachableIPv4, .ethernet),
        ("icmpUnreachableIPv6", Fixtures.icmpUnreachableIPv6, .ethernet), ("udpSLL2", Fixtures.udpSLL2, .linuxSLL2),
        ("tcpQinQ", Fixtures.tcpQinQ, .ethernet), ("arpRequest", Fixtures.arpRequest, .ethernet),
        ("ipv4FirstFragment", Fixtures.ipv4FirstFragment, .ethernet), ("ipv6FirstFragment", Fixtures.ipv6FirstFragment, .ethernet),
        ("ipv4WithOptions", Fixtures.ipv4WithOptions, .ethernet),
    ]

    func testEveryPrefixIsReportedAsTruncatedAtTheRightLayer() {
        for (name, bytes, link) in Self.all {
            let full = decode(bytes, link)
            XCTAssertNil(full.error, name)
            let headers = full.layers.filter { $0.proto != .data }
            // Where the headers end: the transport payload, or for ARP its 28 bytes; for the
            // others (ICMP, fragments) the whole frame counts.
            let headerEnd: Int
            if let p = full.payloadRange {
                headerEnd = p.lowerBound
            } else if name == "arpRequest" {
                headerEnd = 42
            } else if let first = full.layers.first(where: { $0.firstFragment }) {
                // A first fragment's transport header is a header; the data after it is payload.
                switch first.header {
                case .udp: headerEnd = first.offset + UDPHeader.headerLength
                case .tcp(let h): headerEnd = first.offset + h.headerLength
                default: headerEnd = first.offset
                }
            } else if let data = full.layers.first(where: { $0.proto == .data }) {
                headerEnd = data.offset  // fragment data is payload, not header
            } else {
                headerEnd = bytes.count
            }
            for cut in 0 ..< bytes.count {
                let f = decode(Array(bytes.prefix(cut)), link)
                XCTAssertNil(f.malformed, "\(name) cut at \(cut): \(String(describing: f.malformed))")
                if name == "arpRequest" && cut >= 42 {
                    XCTAssertNil(f.error, "\(name) cut at \(cut): only padding is missing")
                    continue
                }
                let marked = f.layers.contains { $0.truncated } || f.layers.contains {
                    if case .icmp(let h) = $0.header { return f.quoted(by: h).contains { $0.truncated } }
                    return false
                }
                XCTAssertTrue(marked, "\(name) cut at \(cut) has no truncation mark: \(f.protos)")
                if full.payloadRange != nil || name.hasSuffix("Fragment") {
                    if cut < headerEnd {
                        // The layer being cut is the last one that starts at or before the cut.
                        let expected = headers.last { $0.offset <= cut }?.proto
                        let cutLayer = headers.last { $0.offset <= cut }
                        XCTAssertNotNil(f.error, "\(name) cut at \(cut)")
                        if let e = f.error, let want = expected, let l = cutLayer {
                            // A cut exactly at a layer's start is reported by that layer (0 bytes of it).
                            XCTAssertEqual(e.layer, want, "\(name) cut at \(cut) (inside \(l.proto) at \(l.offset))")
                        }
                    } else {
                        XCTAssertNil(f.error, "\(name) cut at \(cut) is inside the payload: not an error")
                    }
                }
            }
        }
    }

    func testRandomBytesNeverTrap() {
        var rng = SplitMix64(seed: 20_261_127)
        var dissector = Dissector()
        var frame = DecodedFrame()
        let links: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw, .ipv4, .ipv6, LinkType(999)]
        for i in 0 ..< 30_000 {
            let n = Int(rng.next() % 160)
            var bytes = (0 ..< n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Bias the first bytes toward plausible headers so deeper layers get exercised.
            if n > 14, i % 3 == 0 { bytes[12] = 0x08; bytes[13] = 0x00; bytes[14] = 0x45 }
            if n > 14, i % 3 == 1 { bytes[12] = 0x86; bytes[13] = 0xdd; bytes[14] = 0x60 }
            bytes.withUnsafeBytes { dissector.decode($0, linkType: links[i % links.count], into: &frame) }
            XCTAssertLessThanOrEqual(frame.layers.count, 16)
        }
    }

    func testMutatedRealFramesNeverTrap() {
        var rng = SplitMix64(seed: 7)
        var dissector = Dissector()
        var frame = DecodedFrame()
        for _ in 0 ..< 40_000 {
            let (_, base, link) = Self.all[Int(rng.next() % UInt64(Self.all.count))]
            var bytes = base
            for _ in 0 ..< 1 + Int(rng.next() % 4) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            let cut = Int(rng.next() % UInt64(bytes.count + 1))
            Array(bytes.prefix(cut)).withUnsafeBytes { dissector.decode($0, linkType: link, into: &frame) }
            if let r = frame.payloadRange { XCTAssertLessThanOrEqual(r.upperBound, cut) }
        }
    }
}
