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

public struct LinuxSLL2Header: Sendable, Hashable {
    public var protocolType: UInt16
    public var interfaceIndex: UInt32
    public var arphrdType: UInt16
    public var packetType: UInt8
    public var addressLength: UInt8
    public var source: HardwareAddress

    public static let length = 20

    static func decode(_ r: ByteReader) -> (DecodedLayer, next: NextLayer) {
        guard r.count >= length, let proto = r.u16(0), let ifindex = r.u32(4), let hw = r.u16(8),
              let pt = r.u8(10), let alen = r.u8(11),
              let addr = HardwareAddress(r, at: 12, length: min(Int(alen), 8))
        else {
            return (DecodedLayer(proto: .sll2, header: .none,
                                 error: .truncated(layer: .sll2, needed: length, available: r.count), truncated: true), .stop)
        }
        let h = LinuxSLL2Header(protocolType: proto, interfaceIndex: ifindex, arphrdType: hw,
                                packetType: pt, addressLength: alen, source: addr)
        return (DecodedLayer(proto: .sll2, header: .sll2(h)), cookedNext(protocol: proto, arphrd: hw, r.suffix(from: length)))
    }
}
