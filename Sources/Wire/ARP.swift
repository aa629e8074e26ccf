// ARP (RFC 826). Addresses are decoded for Ethernet/IPv4 ARP (hardware 1, protocol 0x0800,
// lengths 6 and 4); other combinations show the fixed fields only.
//
//  +---------------------+---------------------+
//  | hardware type (2)   | protocol type (2)   |
//  +----------+----------+---------------------+
//  | hw len   | pr len   | opcode (2)          |
//  +----------+----------+---------------------+
//  | sender hw | sender proto | target hw | target proto  (lengths as above)

public struct ARPHeader: Sendable, Hashable {
    public var hardwareType: UInt16
    public var protocolType: UInt16
    public var hardwareLength: UInt8
    public var protocolLength: UInt8
    /// 1 request, 2 reply.
    public var opcode: UInt16
    public var senderMAC: HardwareAddress?
    public var senderIP: IPv4Address?
    public var targetMAC: HardwareAddress?
    public var targetIP: IPv4Address?

    public static let fixedLength = 8

    static func decode(_ r: ByteReader) -> DecodedLayer {
        guard let htype = r.u16(0), let ptype = r.u16(2), let hlen = r.u8(4), let plen = r.u8(5), let op = r.u16(6) else {
            return DecodedLayer(proto: .arp, header: .none,
                                error: .truncated(layer: .arp, needed: fixedLength, available: r.count), truncated: true)
        }
        var h = ARPHeader(hardwareType: htype, protocolType: ptype, hardwareLength: hlen, protocolLength: plen, opcode: op)
        let needed = fixedLength + 2 * (Int(hlen) + Int(plen))
        guard r.count >= needed else {
            return DecodedLayer(proto: .arp, header: .arp(h),
                                error: .truncated(layer: .arp, needed: needed, available: r.count), truncated: true)
        }
        if htype == 1, ptype == EtherType.ipv4, hlen == 6, plen == 4 {
            h.senderMAC = HardwareAddress(r, at: 8, length: 6)
            h.senderIP = r.u32(14).map(IPv4Address.init)
            h.targetMAC = HardwareAddress(r, at: 18, length: 6)
            h.targetIP = r.u32(24).map(IPv4Address.init)
        }
        return DecodedLayer(proto: .arp, header: .arp(h))
    }
}
