// Names for the numbers that choose the next layer. Unknown values are kept as numbers.

public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    public static let rarp: UInt16 = 0x8035
    public static let vlan: UInt16 = 0x8100
    public static let ipv6: UInt16 = 0x86dd
    public static let qinq: UInt16 = 0x88a8
    public static let qinqOld: UInt16 = 0x9100

    public static func isVLANTag(_ t: UInt16) -> Bool { NetworkDecoder(etherType: t) == .vlanTag }

    public static func name(_ t: UInt16) -> String? {
        switch t {
        case ipv4: return "IPv4"
        case arp: return "ARP"
        case vlan: return "802.1Q"
        case ipv6: return "IPv6"
        case qinq: return "802.1ad"
        case qinqOld: return "QinQ"
        case 0x88cc: return "LLDP"
        case 0x8035: return "RARP"
        default: return nil
        }
    }
}

public enum IPProtocol {
    public static let hopByHop: UInt8 = 0
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let ipv6Routing: UInt8 = 43
    public static let ipv6Fragment: UInt8 = 44
    public static let icmpv6: UInt8 = 58
    public static let ipv6NoNext: UInt8 = 59
    public static let ipv6DestinationOptions: UInt8 = 60

    public static func name(_ p: UInt8) -> String? {
        switch p {
        case 0: return "HOPOPT"
        case 1: return "ICMP"
        case 2: return "IGMP"
        case 4: return "IPIP"
        case 6: return "TCP"
        case 17: return "UDP"
        case 41: return "IPv6"
        case 43: return "IPv6-Route"
        case 44: return "IPv6-Frag"
        case 47: return "GRE"
        case 50: return "ESP"
        case 51: return "AH"
        case 58: return "ICMPv6"
        case 59: return "IPv6-NoNxt"
        case 60: return "IPv6-Opts"
        case 132: return "SCTP"
        default: return nil
        }
    }
}

/// The EtherType table: which decoder reads the layer an EtherType names. A type not here is
/// undecoded data. Adding a network protocol: its case here, and its decoder in `Dissector`.
enum NetworkDecoder {
    case vlanTag, ipv4, ipv6, arp

    @inline(__always)
    init?(etherType t: UInt16) {
        switch t {
        case EtherType.vlan, EtherType.qinq, EtherType.qinqOld: self = .vlanTag
        case EtherType.ipv4: self = .ipv4
        case EtherType.ipv6: self = .ipv6
        case EtherType.arp, EtherType.rarp: self = .arp
        default: return nil
        }
    }
}

/// The IP-protocol table: which decoder reads the layer an IP header (or an ICMP quote, or a
/// reassembled datagram) names. A protocol not here is undecoded data. Adding a transport
/// protocol: its case here, and its decoder in `Dissector.decodeTransport`.
enum TransportDecoder {
    case tcp, udp, icmp, icmpv6

    @inline(__always)
    init?(ipProtocol p: UInt8) {
        switch p {
        case IPProtocol.tcp: self = .tcp
        case IPProtocol.udp: self = .udp
        case IPProtocol.icmp: self = .icmp
        case IPProtocol.icmpv6: self = .icmpv6
        default: return nil
        }
    }

    /// The header carries ports: a first fragment's is shown.
    var hasPorts: Bool { self == .tcp || self == .udp }
}
