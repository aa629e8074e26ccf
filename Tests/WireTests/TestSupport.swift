import Wire

func decode(_ bytes: [UInt8], _ linkType: LinkType = .ethernet) -> DecodedFrame {
    Dissector().decode(bytes, linkType: linkType)
}

extension DecodedFrame {
    var protos: [Proto] { layers.map(\.proto) }
    var tcp: TCPHeader? { for l in layers { if case .tcp(let h) = l.header { return h } }; return nil }
    var udp: UDPHeader? { for l in layers { if case .udp(let h) = l.header { return h } }; return nil }
    var ipv4: IPv4Header? { for l in layers { if case .ipv4(let h) = l.header { return h } }; return nil }
    var ipv6: IPv6Header? { for l in layers { if case .ipv6(let h) = l.header { return h } }; return nil }
    var icmp: ICMPHeader? { for l in layers { if case .icmp(let h) = l.header { return h } }; return nil }
    var eth: EthernetHeader? { for l in layers { if case .eth(let h) = l.header { return h } }; return nil }
    var malformed: DecodeError? {
        layers.compactMap(\.error).first { !$0.isTruncation }
    }
}

/// Recomputes the IPv4 header checksum of an Ethernet frame in place (after a test edits it).
func fixIPv4Checksum(_ frame: inout [UInt8], ipOffset: Int = 14) {
    let ihl = Int(frame[ipOffset] & 0x0f) * 4
    frame[ipOffset + 10] = 0
    frame[ipOffset + 11] = 0
    let sum = frame.withUnsafeBytes { InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: $0[ipOffset ..< ipOffset + ihl])) }
    frame[ipOffset + 10] = UInt8(~sum >> 8)
    frame[ipOffset + 11] = UInt8(~sum & 0xff)
}
