import TestSupport
import XCTest
@testable import Wire

/// The classes of damage found on captures from the wild (issue 10), on literal frames
/// (`WildFrames`): what was captured is shown, then the error; a bad option is not the end of the
/// frame; a length that claims more than was on the wire is malformed, not truncated; a first
/// fragment shows its transport header. The tshark oracle test checks the same frames against
/// tshark; these check our error texts and the fields tshark has no name for.
final class WildFramesTests: XCTestCase {
    func decode(_ f: WildFrames.Frame) -> DecodedFrame {
        Dissector().decode(f.bytes, linkType: .ethernet, wireLength: f.wireLength)
    }

    // MARK: 2. a cut header keeps every field whose bytes were captured

    func testIPv4CutInItsOptionsKeepsTheFixedHeader() throws {
        let whole = WildFrames.cuttable[1]
        for n in 14 + 20 ..< 14 + 60 {
            let f = decode(whole.cut(n))
            let ip = try XCTUnwrap(f.ipv4, "cut at \(n)")
            XCTAssertEqual(ip.ttl, 64)
            XCTAssertEqual(ip.identification, 0x1234)
            XCTAssertTrue(ip.dontFragment)
            XCTAssertEqual(ip.source.description, "10.0.0.1")
            XCTAssertEqual(ip.destination.description, "10.0.0.2")
            XCTAssertEqual(ip.headerLength, 60)
            XCTAssertEqual(ip.checksumStatus, .unverified, "the checksum covers bytes that were not captured")
            // NOP, then RR once its length byte is there.
            XCTAssertEqual(ip.options, n - 14 >= 23 ? [1, 7] : n - 14 >= 21 ? [1] : [], "cut at \(n)")
            XCTAssertEqual(f.error, .truncated(layer: .ipv4, needed: 60, available: n - 14), "cut at \(n)")
            XCTAssertEqual(f.protos, [.eth, .ipv4])
        }
    }

    func testAFixedHeaderCutShowsTheFieldsBeforeTheCut() throws {
        let whole = WildFrames.cuttable[0]  // IPv4, TCP with options
        for n in 15 ..< 14 + 20 {
            let ip = try XCTUnwrap(decode(whole.cut(n)).ipv4, "IPv4 cut at \(n)")
            let c = n - 14
            XCTAssertEqual(ip.capturedHeaderLength, c)
            XCTAssertEqual(ip.has(8, 1), c >= 9)
            if c >= 9 { XCTAssertEqual(ip.ttl, 64) }
            if c >= 16 { XCTAssertEqual(ip.source.description, "10.0.0.1") }
            XCTAssertFalse(ip.has(16, 4))
        }
        for n in 34 + 2 ..< 34 + 20 {
            let f = decode(whole.cut(n))
            let tcp = try XCTUnwrap(f.tcp, "TCP cut at \(n)")
            let c = n - 34
            XCTAssertEqual(tcp.sourcePort, 40000)
            XCTAssertEqual(tcp.capturedHeaderLength, c)
            if c >= 4 { XCTAssertEqual(tcp.destinationPort, 9000) }
            if c >= 8 { XCTAssertEqual(tcp.sequence, 1000) }
            if c >= 12 { XCTAssertEqual(tcp.acknowledgment, 2000) }
            if c >= 13 {
                XCTAssertEqual(tcp.headerLength, 40)
                XCTAssertEqual(tcp.payloadLength, 9, "the data offset gives the payload length")
            }
            if c >= 14 { XCTAssertEqual(tcp.flags, [.psh, .ack]) }
            if c >= 16 { XCTAssertEqual(tcp.window, 512) }
            XCTAssertEqual(f.error, .truncated(layer: .tcp, needed: 20, available: c))
        }
        let udp = WildFrames.cuttable[2]
        for n in 34 + 2 ..< 34 + 8 {
            let h = try XCTUnwrap(decode(udp.cut(n)).udp, "UDP cut at \(n)")
            XCTAssertEqual(h.sourcePort, 5000)
            XCTAssertEqual(h.has(2, 2), n - 34 >= 4)
            if n - 34 >= 6 { XCTAssertEqual(h.length, 19) }
        }
        let icmp = WildFrames.cuttable[3]
        for n in 34 + 1 ..< 34 + 8 {
            let f = decode(icmp.cut(n))
            let h = try XCTUnwrap(f.icmp, "ICMP cut at \(n)")
            XCTAssertEqual(h.type, 8)
            XCTAssertEqual(h.identifier, n - 34 >= 6 ? 1 : nil)
            XCTAssertTrue(f.error?.isTruncation ?? false)
        }
        let v6 = WildFrames.cuttable[5]
        for n in 15 ..< 14 + 40 {
            let h = try XCTUnwrap(decode(v6.cut(n)).ipv6, "IPv6 cut at \(n)")
            XCTAssertEqual(h.capturedHeaderLength, n - 14)
            if n - 14 >= 8 { XCTAssertEqual(h.hopLimit, 64) }
            if n - 14 >= 24 { XCTAssertEqual(h.source.description, "2001:db8::1") }
        }
    }

    func testIPv6CutInItsExtensionChainNamesWhereItStopped() throws {
        let whole = WildFrames.cuttable[4]  // hop-by-hop, destination options, UDP
        for n in 54 ..< 54 + 16 {
            let f = decode(whole.cut(n))
            let h = try XCTUnwrap(f.ipv6)
            XCTAssertEqual(h.source.description, "2001:db8::1")
            XCTAssertEqual(h.upperProtocol, h.extensions.count < 1 || n < 54 + 8 ? 0 : 60, "cut at \(n)")
            XCTAssertTrue(f.error?.isTruncation ?? false, "cut at \(n)")
        }
    }

    func testEveryCutIsTruncatedNeverMalformed() {
        for f in WildFrames.cuts {
            let d = decode(f)
            XCTAssertNil(d.malformed, f.name)
            XCTAssertTrue(d.layers.contains { $0.truncated } || d.error?.isTruncation == true, f.name)
        }
    }

    // MARK: 3. a bad option is not the end of the frame

    func testABadIPv4OptionIsReportedAndTheSegmentStillDecodes() throws {
        let expected = [
            "IPv4 option RR length 0 < 2", "IPv4 option RR length 1 < 2",
            "IPv4 option RR length 5 does not fit (4 bytes left)", "IPv4 option RR length 255 does not fit (4 bytes left)",
            "IPv4 option RR has no length byte",
        ]
        for (frame, text) in zip(WildFrames.badIPv4Options, expected) {
            let f = decode(frame)
            XCTAssertEqual(f.protos, [.eth, .ipv4, .tcp], frame.name)
            XCTAssertEqual(f.layers[1].error?.description, text, frame.name)
            XCTAssertNil(f.layers[2].error, frame.name)
            let range = try XCTUnwrap(f.payloadRange, frame.name)
            XCTAssertEqual(Array(frame.bytes[range]), Array("abc".utf8), frame.name)
        }
    }

    func testABadTCPOptionIsReportedAndItsPayloadStillDecodes() throws {
        let expected: [(String, [String])] = [
            ("TCP option MSS length 3, expected 4", ["MSS", "NOP"]),
            ("TCP option MSS length 5, expected 4", ["MSS", "NOP", "NOP", "NOP"]),
            ("TCP option WS length 2, expected 3", ["WS", "NOP", "NOP"]),
            ("TCP option SACK_PERM length 3, expected 2", ["SACK_PERM", "NOP"]),
            ("TCP option SACK length 9, expected 2 + 8n", ["SACK", "NOP", "NOP", "NOP"]),
            ("TCP option TS length 9, expected 10", ["TS", "NOP", "NOP", "NOP"]),
            ("TCP option kind 30 length 0 < 2", []),
            ("TCP option kind 30 length 1 < 2", []),
            ("TCP option kind 30 length 40 runs past the header (4 bytes left)", []),
            ("TCP option kind 30 has no length byte", ["NOP", "NOP", "NOP"]),
        ]
        for (frame, (text, names)) in zip(WildFrames.badTCPOptions, expected) {
            let f = decode(frame)
            XCTAssertEqual(f.error?.description, text, frame.name)
            XCTAssertEqual(f.tcp?.options.map(\.name), names, frame.name)
            let range = try XCTUnwrap(f.payloadRange, "\(frame.name): the data offset still delimits the payload")
            XCTAssertEqual(Array(frame.bytes[range]), Array("abc".utf8), frame.name)
        }
    }

    // MARK: 7. a length past what was on the wire is malformed, not truncated

    func testAnIPLengthPastTheWireIsMalformedWithBothNumbers() throws {
        for frame in WildFrames.lengthsPastTheWire {
            let f = decode(frame)
            let ip = f.layers[1]
            let text = try XCTUnwrap(ip.error?.description, frame.name)
            XCTAssertFalse(ip.error?.isTruncation ?? true, frame.name)
            XCTAssertFalse(f.layers.contains { $0.truncated }, "\(frame.name): nothing was cut by the capture")
            if case .ipv4(let h) = ip.header {
                XCTAssertEqual(text, "IPv4 total length \(h.totalLength) > the \(frame.bytes.count - 14) bytes on the wire (the capture cut nothing)")
                XCTAssertEqual(f.tcp?.payloadLength, 9, "\(frame.name): the bytes that were sent")
                XCTAssertEqual(f.tcp?.capturedPayloadLength, 9)
            } else {
                XCTAssertTrue(text.hasPrefix("IPv6 payload length "), text)
                XCTAssertTrue(text.hasSuffix(" > the 10 bytes on the wire after the header (the capture cut nothing)"), text)
                XCTAssertEqual(f.udp?.payloadLength, 2)
            }
            // The same frame cut by a snaplen: the bytes were lost by the capture.
            var cut = frame
            cut.wireLength = frame.bytes.count + 2000
            let c = decode(cut)
            XCTAssertNil(c.layers[1].error, frame.name)
            if f.ipv4 != nil { XCTAssertTrue(c.layers.last?.truncated ?? false, frame.name) }
        }
    }

    // MARK: 6. a first fragment shows its transport header

    func testAFirstFragmentShowsItsPortsAndFeedsNothing() throws {
        for frame in WildFrames.firstFragments {
            let f = decode(frame)
            let last = try XCTUnwrap(f.layers.last)
            XCTAssertTrue(last.firstFragment, frame.name)
            XCTAssertNil(f.payloadRange, "\(frame.name): never framed from a fragment")
            XCTAssertNotNil(f.fragmentRange, frame.name)
            switch last.header {
            case .udp(let h):
                XCTAssertEqual([h.sourcePort, h.destinationPort], [5000, 9001])
                XCTAssertEqual(h.payloadLength, 1000, "the UDP length speaks for the whole datagram")
                XCTAssertEqual(h.capturedPayloadLength, 16)
                XCTAssertNil(last.error)
                XCTAssertFalse(last.truncated)
            case .tcp(let h):
                XCTAssertEqual([h.sourcePort, h.destinationPort], [40000, 9000])
                if frame.name.hasSuffix("8 bytes of tcp") {
                    XCTAssertEqual(last.error, .truncated(layer: .tcp, needed: 20, available: 8))
                } else {
                    XCTAssertNil(last.error)
                    XCTAssertEqual(h.mss, 1460)
                    XCTAssertEqual(h.payloadLength, 8, "what this fragment carries after the header")
                }
            default:
                XCTFail("\(frame.name): \(f.protos)")
            }
        }
    }
}
