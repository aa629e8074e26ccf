// Linux "cooked" capture, version 1 (LINKTYPE_LINUX_SLL, 113): what `-i any` gave before libpcap 1.10.
// https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
//
//  +---------------------+---------------------+
//  | packet type (2)     | ARPHRD type (2)     |
//  +---------------------+---------------------+
//  | address length (2)  | address (8, padded) …
//  +---------------------+---------------------+
//  | protocol (2)        |
//  +---------------------+

public struct LinuxSLLHeader: Sendable, Hashable, BitwiseCopyable {
    /// 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us.
    public var packetType: UInt16
    public var arphrdType: UInt16
    /// As long as its address length field says (at most 8).
    public var source: HardwareAddress
    public var addressLength: UInt16
    public var protocolType: UInt16

    public static let length = 16

    public enum Field: FieldTable {
        case packetType, arphrdType, addressLength
        /// 8 bytes, of which the address length's first are the address.
        case address
        case protocolType

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .packetType: 0 ..< 2
            case .arphrdType: 2 ..< 4
            case .addressLength: 4 ..< 6
            case .address: 6 ..< 14
            case .protocolType: 14 ..< 16
            }
        }
    }

    static func decode(_ r: ByteReader) -> (DecodedLayer, next: NextLayer) {
        guard r.count >= length, let pt = r.u16(Field.packetType), let hw = r.u16(Field.arphrdType),
              let alen = r.u16(Field.addressLength), let proto = r.u16(Field.protocolType),
              let addr = HardwareAddress(r, at: Field.address.bytes.lowerBound, length: min(Int(alen), Field.address.bytes.count))
        else {
            return (DecodedLayer(proto: .sll, header: .none,
                                 error: .truncated(layer: .sll, needed: length, available: r.count), truncated: true), .stop)
        }
        let h = LinuxSLLHeader(packetType: pt, arphrdType: hw, source: addr, addressLength: alen, protocolType: proto)
        return (DecodedLayer(proto: .sll, header: .sll(h)), cookedNext(protocol: proto, arphrd: hw, r.suffix(from: length)))
    }
}

/// What follows a cooked header: an EtherType for ordinary link types, else undecoded data
/// (1 = Novell 802.3, 4 = 802.2 LLC, netlink, …).
func cookedNext(protocol proto: UInt16, arphrd: UInt16, _ payload: ByteReader) -> NextLayer {
    if arphrd == 824 { return .data(payload) }  // ARPHRD_NETLINK: netlink messages
    return proto >= 0x0600 ? .etherType(proto, payload) : .data(payload)
}
