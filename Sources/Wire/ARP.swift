// ARP (RFC 826), and RARP (RFC 903) which has the same layout. Each address is read at the
// offset the length fields give, whenever its bytes were captured: hardware addresses of any
// type up to 8 bytes (colon hex), protocol addresses when they are IPv4 (type 0x0800, length 4).
//
//  +---------------------+---------------------+
//  | hardware type (2)   | protocol type (2)   |
//  +----------+----------+---------------------+
//  | hw len   | pr len   | opcode (2)          |
//  +----------+----------+---------------------+
//  | sender hw | sender proto | target hw | target proto  (lengths as above)

public struct ARPHeader: Sendable, Hashable, BitwiseCopyable {
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

    /// The fixed fields; the addresses follow at offsets their lengths give.
    public enum Field: FieldTable {
        case hardwareType, protocolType, hardwareLength, protocolLength, opcode

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .hardwareType: 0 ..< 2
            case .protocolType: 2 ..< 4
            case .hardwareLength: 4 ..< 5
            case .protocolLength: 5 ..< 6
            case .opcode: 6 ..< 8
            }
        }
    }

    static func decode(_ r: ByteReader) -> DecodedLayer {
        guard let htype = r.u16(Field.hardwareType), let ptype = r.u16(Field.protocolType), let hlen = r.u8(Field.hardwareLength),
              let plen = r.u8(Field.protocolLength), let op = r.u16(Field.opcode)
        else {
            return DecodedLayer(proto: .arp, header: .none,
                                error: .truncated(layer: .arp, needed: fixedLength, available: r.count), truncated: true)
        }
        var h = ARPHeader(hardwareType: htype, protocolType: ptype, hardwareLength: hlen, protocolLength: plen, opcode: op)
        let hl = Int(hlen), pl = Int(plen)
        if hl > 0 {
            h.senderMAC = HardwareAddress(r, at: fixedLength, length: hl)
            h.targetMAC = HardwareAddress(r, at: fixedLength + hl + pl, length: hl)
        }
        if ptype == EtherType.ipv4 && pl == 4 {
            h.senderIP = r.u32(fixedLength + hl).map(IPv4Address.init)
            h.targetIP = r.u32(fixedLength + 2 * hl + pl).map(IPv4Address.init)
        }
        let needed = fixedLength + 2 * (hl + pl)
        guard r.count >= needed else {
            // What was captured is kept (the addresses above); the layer says where it was cut.
            return DecodedLayer(proto: .arp, header: .arp(h),
                                error: .truncated(layer: .arp, needed: needed, available: r.count), truncated: true)
        }
        return DecodedLayer(proto: .arp, header: .arp(h))
    }
}
