import XCTest
@testable import Wire

/// Decoded layers are plain bytes; what varies in length (an ICMP error's quoted datagram, IPv6
/// extension headers, the frames a datagram was reassembled from) is kept in the frame, which
/// the headers index. These pin that a frame reused from one decode to the next never shows the
/// previous frame's side storage, and that malformed reasons read as they always have.
final class SideStorageTests: XCTestCase {
    func testReusedFrameIndexesOnlyItsOwnSideStorage() throws {
        var dissector = Dissector()
        var frame = DecodedFrame()
        func decode(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { dissector.decode($0, linkType: .ethernet, into: &frame) }
        }
        decode(Fixtures.icmpUnreachableIPv6)
        XCTAssertEqual(frame.quoted?.map(\.proto), [.ipv6, .udp])
        decode(Fixtures.tcpSynIPv4)
        XCTAssertNil(frame.quoted)
        XCTAssertNil(frame.ipv6Extensions)
        decode(Fixtures.ipv6FirstFragment)
        let ip6 = try XCTUnwrap(frame.ipv6)
        XCTAssertEqual(frame.extensions(of: ip6).map(\.kind), [.hopByHop, .fragment])
        XCTAssertEqual(ip6.fragment?.fragmentID, 0xabcd)
        decode(Fixtures.icmpUnreachableIPv4)
        let icmp = try XCTUnwrap(frame.icmp)
        XCTAssertEqual(frame.quoted(by: icmp).map(\.proto), [.ipv4, .udp])
        XCTAssertNil(frame.ipv6Extensions)
        // The same frames decoded afresh compare equal to the reused one's last decode.
        XCTAssertEqual(frame, Dissector().decode(Fixtures.icmpUnreachableIPv4, linkType: .ethernet))
    }

    func testReassembledLayerNamesItsFragmentsThroughTheFrame() {
        var frame = Dissector().decode(Fixtures.tcpSynIPv4, linkType: .ethernet)
        var dissector = Dissector()
        let udp: [UInt8] = [0x13, 0x88, 0x00, 0x09, 0x00, 0x0a, 0x00, 0x00, 0x68, 0x69]
        dissector.appendReassembled(udp, protocol: IPProtocol.udp, pseudo: .v4(IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2)),
                                    frames: [3, 4], into: &frame)
        XCTAssertEqual(frame.layers.last?.reassembled, true)
        XCTAssertEqual(frame.layers.last?.offset, -1)
        XCTAssertEqual(frame.reassembledFrom, [3, 4])
        XCTAssertEqual(frame.reassembledPayload, [0x68, 0x69])
        XCTAssertEqual(frame.layers.filter(\.reassembled).count, 1)
    }

    func testMalformedReasonsReadAsBefore() {
        let cases: [(MalformedReason, String)] = [
            (.rawIPVersion(5), "raw IP frame with IP version 5"),
            (.tooManyVLANTags(limit: 8), "more than 8 stacked VLAN tags"),
            (.ipv4Version(6), "IPv4 version field is 6, not 4"),
            (.ipv4HeaderLength(16), "IPv4 header length 16 < 20"),
            (.ipv4TotalBelowHeader(total: 10, headerLength: 20), "IPv4 total length 10 < header length 20"),
            (.ipv4TotalPastWire(total: 100, onWire: 60), "IPv4 total length 100 > the 60 bytes on the wire (the capture cut nothing)"),
            (.ipv4OptionNoLength(type: 7), "IPv4 option RR has no length byte"),
            (.ipv4OptionShort(type: 68, length: 1), "IPv4 option TS length 1 < 2"),
            (.ipv4OptionPastHeader(type: 9, length: 12, left: 4), "IPv4 option type:9 length 12 does not fit (4 bytes left)"),
            (.ipv6Version(4), "IPv6 version field is 4, not 6"),
            (.ipv6PayloadPastWire(payload: 100, onWire: 20),
             "IPv6 payload length 100 > the 20 bytes on the wire after the header (the capture cut nothing)"),
            (.ipv6ExtensionPastPayload(kind: .destinationOptions, length: 16, payload: 8),
             "IPv6 destination_options header length 16 runs past the payload length 8"),
            (.udpLengthShort(4), "UDP length 4 < 8"),
            (.udpLengthPastIP(length: 30, ipPayload: 20), "UDP length 30 > IP payload length 20"),
            (.tcpHeaderLength(16), "TCP header length 16 < 20"),
            (.tcpHeaderPastSegment(headerLength: 40, segment: 30), "TCP header length 40 > segment length 30"),
            (.tcpOptionNoLength(kind: 2), "TCP option kind 2 has no length byte"),
            (.tcpOptionShort(kind: 2, length: 1), "TCP option kind 2 length 1 < 2"),
            (.tcpOptionPastHeader(kind: 8, length: 10, left: 6), "TCP option kind 8 length 10 runs past the header (6 bytes left)"),
            (.tcpOptionWrongLength(kind: 2, length: 5), "TCP option MSS length 5, expected 4"),
            (.tcpOptionWrongLength(kind: 5, length: 11), "TCP option SACK length 11, expected 2 + 8n"),
        ]
        for (reason, text) in cases {
            XCTAssertEqual(DecodeError.malformed(layer: .tcp, reason: reason).description, text)
        }
    }
}
