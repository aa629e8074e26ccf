// Linux "cooked" capture, version 2 (LINKTYPE_LINUX_SLL2, 276): `-i any` with libpcap ≥ 1.10.
// https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html
//
//  +---------------------+---------------------+
//  | protocol (2)        | reserved (2)        |
//  +---------------------+---------------------+
//  | interface index (4)                       |
//  +---------------------+----------+----------+
//  | ARPHRD type (2)     | pkt type | addr len |
//  +---------------------+----------+----------+
//  | address (8, padded)                       …
//  +-------------------------------------------+

public struct LinuxSLL2Header: Sendable, Hashable, BitwiseCopyable {
    public var protocolType: UInt16
    public var interfaceIndex: UInt32
    public var arphrdType: UInt16
    public var packetType: UInt8
    public var addressLength: UInt8
    public var source: HardwareAddress

    public static let length = 20

    public enum Field: FieldTable {
        case protocolType, reserved, interfaceIndex, arphrdType, packetType, addressLength
        /// 8 bytes, of which the address length's first are the address.
        case address

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .protocolType: 0 ..< 2
            case .reserved: 2 ..< 4
            case .interfaceIndex: 4 ..< 8
            case .arphrdType: 8 ..< 10
            case .packetType: 10 ..< 11
            case .addressLength: 11 ..< 12
            case .address: 12 ..< 20
            }
        }
    }

    static func decode(_ r: ByteReader) -> (DecodedLayer, next: NextLayer) {
        guard r.count >= length, let proto = r.u16(Field.protocolType), let ifindex = r.u32(Field.interfaceIndex),
              let hw = r.u16(Field.arphrdType), let pt = r.u8(Field.packetType), let alen = r.u8(Field.addressLength),
              let addr = HardwareAddress(r, at: Field.address.bytes.lowerBound, length: min(Int(alen), Field.address.bytes.count))
        else {
            return (DecodedLayer(proto: .sll2, header: .none,
                                 error: .truncated(layer: .sll2, needed: length, available: r.count), truncated: true), .stop)
        }
        let h = LinuxSLL2Header(protocolType: proto, interfaceIndex: ifindex, arphrdType: hw,
                                packetType: pt, addressLength: alen, source: addr)
        return (DecodedLayer(proto: .sll2, header: .sll2(h)), cookedNext(protocol: proto, arphrd: hw, r.suffix(from: length)))
    }
}
