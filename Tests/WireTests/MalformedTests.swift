import XCTest
@testable import Wire

/// Impossible values are *malformed*, and the message quotes them.
final class MalformedTests: XCTestCase {
    func testIPv4HeaderLengthBelow20() {
        var b = Fixtures.tcpSynIPv4
        b[14] = 0x44
        let f = decode(b)
        XCTAssertEqual(f.error, .malformed(layer: .ipv4, reason: .ipv4HeaderLength(16)))
        XCTAssertEqual(f.error?.description, "IPv4 header length 16 < 20")
        XCTAssertEqual(f.protos, [.eth, .ipv4])
    }

    func testIPv4TotalLengthBelowHeaderLength() {
        var b = Fixtures.ipv4WithOptions
        b[16] = 0
        b[17] = 24
        fixIPv4Checksum(&b)
        XCTAssertEqual(decode(b).error?.description, "IPv4 total length 24 < header length 32")
    }

    func testIPv4TotalLengthZeroIsSegmentationOffload() {
        var b = Fixtures.tcpHelloIPv4
        b[16] = 0
        b[17] = 0
        fixIPv4Checksum(&b)
        let f = decode(b)
        XCTAssertNil(f.error)
        XCTAssertEqual(f.tcp?.payloadLength, 9, "the captured length stands in for the missing total length")
        XCTAssertEqual(f.warnings.count, 1)
        XCTAssertTrue(f.warnings[0].contains("offload"))
    }

    func testIPVersionMismatch() {
        var b = Fixtures.tcpSynIPv4
        b[14] = 0x55
        XCTAssertEqual(decode(b).error?.description, "IPv4 version field is 5, not 4")
        var r = Array(Fixtures.tcpSynIPv4.dropFirst(14))
        r[0] = 0x55
        XCTAssertEqual(decode(r, .raw).error?.isTruncation, false)
    }

    func testTCPDataOffsetBelow5() {
        var b = Fixtures.tcpSynIPv4
        b[46] = 0x40
        XCTAssertEqual(decode(b).error?.description, "TCP header length 16 < 20")
    }

    func testTCPHeaderLongerThanSegment() {
        var b = Fixtures.tcpSynIPv4
        b[46] = 0xf0  // 60-byte header in a 40-byte segment
        XCTAssertEqual(decode(b).error?.description, "TCP header length 60 > segment length 40")
    }

    func testTCPOptionLengths() {
        var b = Fixtures.tcpSynIPv4
        b[55] = 1  // MSS length 1
        XCTAssertEqual(decode(b).error?.description, "TCP option kind 2 length 1 < 2")
        b = Fixtures.tcpSynIPv4
        b[72] = 9  // WS (kind 3 at 71) claims 9 bytes, 3 left
        XCTAssertEqual(decode(b).error?.description, "TCP option kind 3 length 9 runs past the header (3 bytes left)")
        b = Fixtures.tcpSynIPv4
        b[55] = 6  // MSS with length 6
        XCTAssertEqual(decode(b).error?.description, "TCP option MSS length 6, expected 4")
        b = Fixtures.tcpSynIPv4
        b[58] = 0xfe  // SACK_PERM's kind becomes an unknown kind 254 of length 2: kept, not an error
        XCTAssertNil(decode(b).error)
        XCTAssertEqual(decode(b).tcp?.options.map(\.name), ["MSS", "kind:254", "TS", "NOP", "WS"])
    }

    func testUDPLengths() {
        var b = Fixtures.udpIPv4
        b[38] = 0
        b[39] = 4
        XCTAssertEqual(decode(b).error?.description, "UDP length 4 < 8")
        b[39] = 200
        XCTAssertEqual(decode(b).error?.description, "UDP length 200 > IP payload length 19")
    }

    func testTooManyVLANTags() {
        let tag: [UInt8] = [0x81, 0x00, 0x00, 0x64]
        var b = Array(Fixtures.tcpSynIPv4.prefix(12))
        for _ in 0 ..< 12 { b += tag }
        b += [0x08, 0x00] + Fixtures.tcpSynIPv4.dropFirst(14)
        let f = decode(b)
        XCTAssertEqual(f.error?.description, "more than 8 stacked VLAN tags")
        XCTAssertEqual(f.protos.filter { $0 == .vlan }.count, 9)
    }

    func testChecksumVerdicts() {
        // IPv4 header checksum: one flipped bit makes it bad.
        var b = Fixtures.tcpSynIPv4
        b[22] ^= 1  // TTL
        XCTAssertEqual(decode(b).ipv4?.checksumStatus, .bad)

        // TCP: the real checksum, filled in, is good; any other value (not the pseudo sum) is bad.
        b = Fixtures.tcpSynIPv4
        b[50] = 0
        b[51] = 0
        let segment = Array(b[34...])
        let pseudo = InternetChecksum.pseudoHeader(v4: IPv4Address(127, 0, 0, 1), IPv4Address(127, 0, 0, 1), protocol: 6, length: segment.count)
        let sum = segment.withUnsafeBytes { InternetChecksum.fold(pseudo &+ InternetChecksum.rawSum($0)) }
        b[50] = UInt8(~sum >> 8)
        b[51] = UInt8(~sum & 0xff)
        XCTAssertEqual(decode(b).tcp?.checksumStatus, .good)
        b[51] ^= 0x10
        XCTAssertEqual(decode(b).tcp?.checksumStatus, .bad)

        // Missing bytes: unverified.
        XCTAssertEqual(decode(Array(Fixtures.tcpHelloIPv4.dropLast(2))).tcp?.checksumStatus, .unverified)

        // UDP over IPv4 with checksum 0: none was sent.
        b = Fixtures.udpIPv4
        b[40] = 0
        b[41] = 0
        XCTAssertEqual(decode(b).udp?.checksumStatus, .unverified)
    }

    func testSnaplenCutPayloadIsTruncatedNotAnError() throws {
        let cut = Array(Fixtures.tcpHelloIPv4.prefix(70))
        let f = decode(cut)
        XCTAssertNil(f.error)
        let tcp = try XCTUnwrap(f.tcp)
        XCTAssertEqual(tcp.payloadLength, 9)
        XCTAssertEqual(tcp.capturedPayloadLength, 4)
        XCTAssertTrue(f.layers.last!.truncated)
        XCTAssertEqual(f.payloadRange, 66 ..< 70)
    }
}

/// Issue 10, item 5: the IPv6 `protocol` agrees with the extension chain where the walk stops.
final class IPv6ChainProtocolTests: XCTestCase {
    /// Ethernet + IPv6 (next header 0) + hop-by-hop (next 43, 8 bytes) + a routing header
    /// (next 6, 24 bytes) + 20 bytes of TCP, cut to `keep` bytes.
    func frame(keep: Int) -> [UInt8] {
        var b: [UInt8] = Array(repeating: 0, count: 12) + [0x86, 0xdd]
        b += [0x60, 0, 0, 0, 0, 52, 0, 64] + Array(repeating: 0, count: 15) + [1] + Array(repeating: 0, count: 15) + [1]
        b += [43, 0, 1, 4, 0, 0, 0, 0]                                    // hop-by-hop: next 43, 8 bytes
        b += [6, 2, 0, 0, 0, 0, 0, 0] + Array(repeating: 0, count: 16)   // routing: next 6, 24 bytes
        b += Array(repeating: 0, count: 20)
        return Array(b.prefix(keep))
    }

    func testProtocolIsWhereTheCutChainStops() throws {
        let whole = decode(frame(keep: 14 + 40 + 52))
        XCTAssertEqual(whole.ipv6?.upperProtocol, 6)
        XCTAssertEqual(whole.ipv6.map { whole.extensions(of: $0).map(\.kind) }, [.hopByHop, .routing])
        // Cut at every byte inside the chain: the protocol is the header the walk stopped at,
        // the last one listed when it was listed, never the fixed header's 0.
        for keep in (14 + 40)..<(14 + 40 + 32) {
            let f = decode(frame(keep: keep))
            let h = try XCTUnwrap(f.ipv6, "cut at \(keep)")
            XCTAssertEqual(f.error?.isTruncation, true, "cut at \(keep)")
            // Inside the hop-by-hop header the walk stops at it (0); once it is whole, at the
            // routing header it names (43), listed from its first two bytes on.
            XCTAssertEqual(h.upperProtocol, keep < 14 + 40 + 8 ? 0 : 43, "cut at \(keep): chain \(f.extensions(of: h).map(\.kind))")
            if keep >= 14 + 40 + 8 + 2 {
                XCTAssertEqual(f.extensions(of: h).map(\.kind), [.hopByHop, .routing], "cut at \(keep)")
            }
        }
    }
}

/// Issue 10, item 4: ARP keeps each address it can read, at the offsets the length fields give;
/// RARP is decoded as ARP is.
final class ARPAddressTests: XCTestCase {
    func arp(_ f: DecodedFrame) -> ARPHeader? { for l in f.layers { if case .arp(let h) = l.header { return h } }; return nil }

    /// Ethernet + ARP with the given fields and addresses.
    func frame(ethertype: UInt16 = 0x0806, htype: UInt16 = 1, ptype: UInt16 = 0x0800, hlen: UInt8 = 6, plen: UInt8 = 4,
               op: UInt16 = 1) -> [UInt8] {
        var b: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, UInt8(ethertype >> 8), UInt8(ethertype & 0xff)]
        b += [UInt8(htype >> 8), UInt8(htype & 0xff), UInt8(ptype >> 8), UInt8(ptype & 0xff), hlen, plen, UInt8(op >> 8), UInt8(op & 0xff)]
        b += (0..<Int(hlen)).map { UInt8(0x10 + $0) }                 // sender hardware
        b += (0..<Int(plen)).map { UInt8(192 + ($0 == 0 ? 0 : $0)) } // sender protocol
        b += (0..<Int(hlen)).map { UInt8(0x20 + $0) }                 // target hardware
        b += (0..<Int(plen)).map { UInt8(10 + $0) }                   // target protocol
        return b
    }

    func testRARPIsDecodedAsARP() throws {
        let h = try XCTUnwrap(arp(decode(frame(ethertype: 0x8035, op: 3))))
        XCTAssertEqual(h.opcode, 3)
        XCTAssertEqual(h.senderMAC?.description, "10:11:12:13:14:15")
        XCTAssertEqual(h.targetIP?.description, "10.11.12.13")
    }

    func testOtherHardwareTypesAndLengthsKeepTheirAddresses() throws {
        // IEEE 802 hardware (6) with IPv4: everything, as for Ethernet.
        let ieee = try XCTUnwrap(arp(decode(frame(htype: 6))))
        XCTAssertEqual(ieee.senderIP?.description, "192.193.194.195")
        XCTAssertEqual(ieee.targetMAC?.description, "20:21:22:23:24:25")
        // 8-byte hardware addresses with IPv6 protocol addresses: the hardware ones only, at the
        // offsets the lengths give.
        let wide = decode(frame(htype: 27, ptype: 0x86dd, hlen: 8, plen: 16))
        let h = try XCTUnwrap(arp(wide))
        XCTAssertNil(wide.error)
        XCTAssertEqual(h.senderMAC?.description, "10:11:12:13:14:15:16:17")
        XCTAssertEqual(h.targetMAC?.description, "20:21:22:23:24:25:26:27")
        XCTAssertNil(h.senderIP)
        XCTAssertNil(h.targetIP)
    }

    func testACutARPKeepsWhatWasCaptured() throws {
        let whole = frame()
        for keep in 14 + 8 ..< whole.count {
            let f = decode(Array(whole.prefix(keep)))
            let h = try XCTUnwrap(arp(f), "cut at \(keep)")
            XCTAssertEqual(f.error?.isTruncation, true, "cut at \(keep)")
            let body = keep - 14
            XCTAssertEqual(h.senderMAC != nil, body >= 14, "sender MAC, cut at \(keep)")
            XCTAssertEqual(h.senderIP != nil, body >= 18, "sender IP, cut at \(keep)")
            XCTAssertEqual(h.targetMAC != nil, body >= 24, "target MAC, cut at \(keep)")
            XCTAssertNil(h.targetIP, "target IP, cut at \(keep)")
        }
    }
}
