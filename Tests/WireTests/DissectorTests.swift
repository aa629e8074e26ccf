import XCTest
@testable import Wire

/// Deconstruction of real loopback frames, layer by layer (fields checked against tcpdump's
/// reading in each fixture's comment).
final class DissectorTests: XCTestCase {
    func testTCPSynOverIPv4Loopback() throws {
        let f = decode(Fixtures.tcpSynIPv4)
        XCTAssertEqual(f.protos, [.eth, .ipv4, .tcp])
        XCTAssertNil(f.error)
        let eth = try XCTUnwrap(f.eth)
        XCTAssertTrue(eth.isLoopback)
        XCTAssertEqual(eth.etherType, 0x0800)
        let ip = try XCTUnwrap(f.ipv4)
        XCTAssertEqual(ip.source.description, "127.0.0.1")
        XCTAssertEqual(ip.totalLength, 60)
        XCTAssertEqual(ip.identification, 0xe6a6)
        XCTAssertTrue(ip.dontFragment)
        XCTAssertFalse(ip.moreFragments)
        XCTAssertEqual(ip.ttl, 64)
        XCTAssertEqual(ip.protocolNumber, 6)
        XCTAssertEqual(ip.checksum, 0x5613)
        XCTAssertEqual(ip.checksumStatus, .good)
        let tcp = try XCTUnwrap(f.tcp)
        XCTAssertEqual(tcp.sourcePort, 37970)
        XCTAssertEqual(tcp.destinationPort, 9000)
        XCTAssertEqual(tcp.sequence, 1_237_984_655)
        XCTAssertEqual(tcp.acknowledgment, 0)
        XCTAssertEqual(tcp.headerLength, 40)
        XCTAssertEqual(tcp.flags, .syn)
        XCTAssertEqual(tcp.window, 65495)
        XCTAssertEqual(tcp.checksum, 0xfe30)
        // Linux loopback leaves the pseudo-header sum for offload: partial, not bad.
        XCTAssertEqual(tcp.checksumStatus, .partial)
        XCTAssertEqual(tcp.options.map(\.name), ["MSS", "SACK_PERM", "TS", "NOP", "WS"])
        XCTAssertEqual(tcp.mss, 65495)
        XCTAssertEqual(tcp.windowScale, 10)
        XCTAssertEqual(tcp.timestamp?.value, 4_223_180_771)
        XCTAssertEqual(tcp.timestamp?.echoReply, 0)
        XCTAssertEqual(tcp.payloadLength, 0)
        XCTAssertEqual(f.layers.map(\.offset), [0, 14, 34])
    }

    func testTCPPayloadRangeIsTheLengthFramedMessage() throws {
        let f = decode(Fixtures.tcpHelloIPv4)
        let tcp = try XCTUnwrap(f.tcp)
        XCTAssertEqual(tcp.flags, [.psh, .ack])
        XCTAssertEqual(tcp.payloadLength, 9)
        XCTAssertEqual(tcp.capturedPayloadLength, 9)
        let r = try XCTUnwrap(f.payloadRange)
        XCTAssertEqual(Array(Fixtures.tcpHelloIPv4[r]), [0, 0, 0, 5] + Array("hello".utf8))
        XCTAssertEqual(tcp.options.map(\.name), ["NOP", "NOP", "TS"])
    }

    func testTCPOverIPv6() throws {
        let f = decode(Fixtures.tcpSynIPv6)
        XCTAssertEqual(f.protos, [.eth, .ipv6, .tcp])
        let ip = try XCTUnwrap(f.ipv6)
        XCTAssertEqual(ip.source, .loopback)
        XCTAssertEqual(ip.destination.description, "::1")
        XCTAssertEqual(ip.flowLabel, 0x5a019)
        XCTAssertEqual(ip.payloadLength, 40)
        XCTAssertEqual(ip.nextHeader, 6)
        XCTAssertEqual(ip.upperProtocol, 6)
        XCTAssertEqual(ip.hopLimit, 64)
        let tcp = try XCTUnwrap(f.tcp)
        XCTAssertEqual(tcp.sourcePort, 49480)
        XCTAssertEqual(tcp.checksumStatus, .partial)
        XCTAssertEqual(tcp.mss, 65476)
        let hello = decode(Fixtures.tcpHelloIPv6)
        XCTAssertEqual(hello.tcp?.payloadLength, 9)
    }

    /// A dissector told not to verify transport checksums leaves them unverified, and changes
    /// nothing else (the IPv4 header checksum is still checked).
    func testTransportChecksumsCanBeSkipped() throws {
        var quiet = Dissector()
        quiet.verifiesTransportChecksums = false
        for bytes in [Fixtures.tcpSynIPv4, Fixtures.tcpHelloIPv6, Fixtures.udpIPv4] {
            let checked = decode(bytes)
            var skipped = quiet.decode(bytes, linkType: .ethernet)
            XCTAssertNotEqual(checked.tcp?.checksumStatus ?? checked.udp?.checksumStatus, .unverified)
            XCTAssertEqual(skipped.tcp?.checksumStatus ?? skipped.udp?.checksumStatus, .unverified)
            XCTAssertEqual(skipped.ipv4?.checksumStatus, checked.ipv4?.checksumStatus)
            // Apart from the status, the same layers.
            for i in skipped.layers.indices {
                if case .tcp(var h) = skipped.layers[i].header, case .tcp(let c) = checked.layers[i].header {
                    h.checksumStatus = c.checksumStatus
                    skipped.layers[i].header = .tcp(h)
                }
                if case .udp(var h) = skipped.layers[i].header, case .udp(let c) = checked.layers[i].header {
                    h.checksumStatus = c.checksumStatus
                    skipped.layers[i].header = .udp(h)
                }
            }
            XCTAssertEqual(skipped, checked)
        }
    }

    func testUDP() throws {
        let f = decode(Fixtures.udpIPv4)
        XCTAssertEqual(f.protos, [.eth, .ipv4, .udp])
        let udp = try XCTUnwrap(f.udp)
        XCTAssertEqual(udp.destinationPort, 9001)
        XCTAssertEqual(udp.length, 19)
        XCTAssertEqual(udp.payloadLength, 11)
        XCTAssertEqual(udp.checksumStatus, .partial)
        XCTAssertEqual(Array(Fixtures.udpIPv4[try XCTUnwrap(f.payloadRange)]), Array("hi over udp".utf8))
    }

    func testICMPErrorsQuoteTheOffendingDatagram() throws {
        let f4 = decode(Fixtures.icmpUnreachableIPv4)
        XCTAssertEqual(f4.protos, [.eth, .ipv4, .icmp])
        let icmp = try XCTUnwrap(f4.icmp)
        XCTAssertEqual(icmp.type, 3)
        XCTAssertEqual(icmp.code, 3)
        XCTAssertEqual(icmp.checksumStatus, .good)
        XCTAssertEqual(f4.quoted(by: icmp).map(\.proto), [.ipv4, .udp])
        guard case .udp(let q)? = f4.quoted(by: icmp).last?.header else { return XCTFail("no quoted UDP") }
        XCTAssertEqual(q.destinationPort, 9002)
        // The quoted datagram is not the frame's own transport layer.
        XCTAssertNil(f4.payloadRange)

        let f6 = decode(Fixtures.icmpUnreachableIPv6)
        XCTAssertEqual(f6.protos, [.eth, .ipv6, .icmpv6])
        let icmp6 = try XCTUnwrap(f6.icmp)
        XCTAssertEqual(icmp6.type, 1)
        XCTAssertEqual(icmp6.code, 4)
        XCTAssertEqual(icmp6.checksumStatus, .good, "ICMPv6 checksum includes the IPv6 pseudo-header")
        XCTAssertEqual(f6.quoted(by: icmp6).map(\.proto), [.ipv6, .udp])
    }

    func testLinuxCookedV2() throws {
        let f = decode(Fixtures.udpSLL2, .linuxSLL2)
        XCTAssertEqual(f.protos, [.sll2, .ipv4, .udp])
        guard case .sll2(let h) = f.layers[0].header else { return XCTFail() }
        XCTAssertEqual(h.protocolType, 0x0800)
        XCTAssertEqual(h.interfaceIndex, 1)
        XCTAssertEqual(h.arphrdType, 772)
        XCTAssertEqual(h.packetType, 0)
        XCTAssertEqual(h.source.length, 6)
    }

    func testStackedVLANTags() throws {
        let f = decode(Fixtures.tcpQinQ)
        XCTAssertEqual(f.protos, [.eth, .vlan, .vlan, .ipv4, .tcp])
        XCTAssertEqual(f.eth?.etherType, 0x88a8, "eth.ethertype is the field as on the wire")
        guard case .vlan(let outer) = f.layers[1].header, case .vlan(let inner) = f.layers[2].header else { return XCTFail() }
        XCTAssertEqual(outer.id, 200)
        XCTAssertEqual(outer.etherType, 0x8100)
        XCTAssertEqual(inner.id, 100)
        XCTAssertTrue(inner.dropEligible)
        XCTAssertEqual(inner.etherType, 0x0800)
        XCTAssertEqual(f.eth?.source.description, "02:00:00:00:00:01")
    }

    func testARPAndEthernetPaddingIsATrailer() throws {
        let f = decode(Fixtures.arpRequest)
        XCTAssertEqual(f.protos, [.eth, .arp])
        guard case .arp(let a) = f.layers[1].header else { return XCTFail() }
        XCTAssertEqual(a.opcode, 1)
        XCTAssertEqual(a.senderMAC?.description, "02:00:00:00:00:01")
        XCTAssertEqual(a.senderIP?.description, "10.0.0.1")
        XCTAssertEqual(a.targetIP?.description, "10.0.0.2")
        XCTAssertEqual(f.eth?.destination.description, "ff:ff:ff:ff:ff:ff")
    }

    /// A first fragment shows the transport header it carries (marked, for its ports), but
    /// never a payload range: layers 5–7 come from the reassembled datagram only.
    func testFirstFragmentShowsItsTransportHeaderOnly() throws {
        let f = decode(Fixtures.ipv4FirstFragment)
        XCTAssertEqual(f.protos, [.eth, .ipv4, .udp])
        XCTAssertEqual(f.layers.last?.firstFragment, true)
        XCTAssertNil(f.error)
        XCTAssertTrue(f.ipv4?.moreFragments ?? false)
        XCTAssertEqual(f.ipv4?.identification, 0x4242)
        XCTAssertNil(f.payloadRange)
        XCTAssertNotNil(f.fragmentRange)

        let f6 = decode(Fixtures.ipv6FirstFragment)
        XCTAssertEqual(f6.protos, [.eth, .ipv6, .udp])
        XCTAssertEqual(f6.layers.last?.firstFragment, true)
        XCTAssertNil(f6.payloadRange)
        let ip6 = try XCTUnwrap(f6.ipv6)
        XCTAssertEqual(f6.extensions(of: ip6).map(\.kind), [.hopByHop, .fragment])
        XCTAssertEqual(ip6.upperProtocol, 17)
        XCTAssertEqual(ip6.fragment?.moreFragments, true)
        XCTAssertEqual(ip6.fragment?.fragmentID, 0xabcd)
        XCTAssertEqual(ip6.fragment?.fragmentOffset, 0)
    }

    func testIPv4Options() throws {
        let f = decode(Fixtures.ipv4WithOptions)
        let ip = try XCTUnwrap(f.ipv4)
        XCTAssertEqual(ip.headerLength, 32)
        XCTAssertEqual(ip.options.map(IPv4Header.optionName), ["RR", "NOP", "EOL"])
        XCTAssertEqual(ip.checksumStatus, .good)
        XCTAssertEqual(f.tcp?.payloadLength, 9)
    }

    func testBSDLoopbackFamiliesInBothByteOrders() {
        let ip4 = Array(Fixtures.tcpSynIPv4.dropFirst(14))
        let ip6 = Array(Fixtures.tcpSynIPv6.dropFirst(14))
        for link in [LinkType.null, .loop] {
            for family: UInt32 in [2] {
                for header in [withUnsafeBytes(of: family.littleEndian, Array.init), withUnsafeBytes(of: family.bigEndian, Array.init)] {
                    let f = decode(header + ip4, link)
                    XCTAssertEqual(f.protos, [link == .null ? .null : .loop, .ipv4, .tcp], "\(link) \(header)")
                    guard case .null(let h) = f.layers[0].header else { return XCTFail() }
                    XCTAssertEqual(h.family, 2)
                }
            }
            for family: UInt32 in [24, 28, 30] {
                for header in [withUnsafeBytes(of: family.littleEndian, Array.init), withUnsafeBytes(of: family.bigEndian, Array.init)] {
                    let f = decode(header + ip6, link)
                    XCTAssertEqual(f.protos.dropFirst(), [.ipv6, .tcp], "\(link) family \(family) \(header)")
                    guard case .null(let h) = f.layers[0].header else { return XCTFail() }
                    XCTAssertEqual(h.family, family)
                }
            }
        }
    }

    func testRawIPLinkTypesHaveNoLayer2() {
        let ip4 = Array(Fixtures.tcpSynIPv4.dropFirst(14))
        let ip6 = Array(Fixtures.tcpSynIPv6.dropFirst(14))
        XCTAssertEqual(decode(ip4, .raw).protos, [.ipv4, .tcp])
        XCTAssertEqual(decode(ip6, .raw).protos, [.ipv6, .tcp])
        XCTAssertEqual(decode(ip4, .ipv4).protos, [.ipv4, .tcp])
        XCTAssertEqual(decode(ip6, .ipv6).protos, [.ipv6, .tcp])
        XCTAssertEqual(decode(ip4, LinkType(12)).protos, [.ipv4, .tcp])
    }

    func testLinuxCookedV1() {
        let ip4 = Array(Fixtures.tcpSynIPv4.dropFirst(14))
        let sll: [UInt8] = [0, 4, 3, 4, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00]
        let f = decode(sll + ip4, .linuxSLL)
        XCTAssertEqual(f.protos, [.sll, .ipv4, .tcp])
        guard case .sll(let h) = f.layers[0].header else { return XCTFail() }
        XCTAssertEqual(h.packetType, 4)
        XCTAssertEqual(h.arphrdType, 772)
        XCTAssertEqual(h.source.description, "01:02:03:04:05:06")
    }

    func testUnknownEtherTypeAndLinkTypeEndWithData() {
        var lldp = Fixtures.tcpSynIPv4
        lldp[12] = 0x88
        lldp[13] = 0xcc
        XCTAssertEqual(decode(lldp).protos, [.eth, .data])
        XCTAssertNil(decode(lldp).error)
        XCTAssertEqual(decode(Fixtures.tcpSynIPv4, LinkType(147)).protos, [.data])
    }
}
