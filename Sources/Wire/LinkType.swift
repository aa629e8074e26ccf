// Link-layer header types as they appear in pcap and pcapng files (LINKTYPE_* values,
// https://www.tcpdump.org/linktypes.html), named the way libpcap names the matching DLT_*.

/// A pcap/pcapng link-layer header type. Unknown values are kept, never rejected.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// BSD loopback: 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(0)
    /// Ethernet II (Linux `lo` is presented as Ethernet with zero MACs).
    public static let ethernet = LinkType(1)
    /// Raw IP, version taken from the first nibble. 12 and 14 are DLT_RAW on some BSDs.
    public static let raw = LinkType(101)
    /// OpenBSD loopback: 4-byte address family in network byte order.
    public static let loop = LinkType(108)
    /// Linux "cooked" capture v1 (`-i any` on older libpcap).
    public static let linuxSLL = LinkType(113)
    public static let ipv4 = LinkType(228)
    public static let ipv6 = LinkType(229)
    /// Linux "cooked" capture v2 (`-i any` on libpcap ≥ 1.10).
    public static let linuxSLL2 = LinkType(276)

    /// libpcap's DLT name (`pcap_datalink_val_to_name`), or `LINKTYPE_<n>` when unknown here.
    public var name: String {
        switch rawValue {
        case 0: return "NULL"
        case 1: return "EN10MB"
        case 12, 14, 101: return "RAW"
        case 108: return "LOOP"
        case 113: return "LINUX_SLL"
        case 228: return "IPV4"
        case 229: return "IPV6"
        case 276: return "LINUX_SLL2"
        default: return "LINKTYPE_\(rawValue)"
        }
    }

    public var description: String { name }
}
