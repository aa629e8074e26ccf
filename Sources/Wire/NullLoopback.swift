// BSD loopback encapsulations: NULL (LINKTYPE_NULL, 0) and LOOP (LINKTYPE_LOOP, 108).
//
//  +-------------------------------+
//  | address family (4 bytes)      |   NULL: the capturing host's byte order; LOOP: network order.
//  +-------------------------------+
//
// Files travel between hosts, so both byte orders are accepted for both link types: a family
// is a small number, so whichever reading fits in 16 bits is the right one. IPv4 is 2 everywhere;
// IPv6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS) — and 10 (Linux) is accepted too.

public struct NullHeader: Sendable, Hashable, BitwiseCopyable {
    /// The family as read, in the right byte order.
    public var family: UInt32
    /// LOOP (OpenBSD) rather than NULL.
    public var isLoop: Bool

    public static let length = 4

    public enum Field: FieldTable {
        case family

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .family: 0 ..< 4
            }
        }
    }

    public static func isIPv6Family(_ f: UInt32) -> Bool { f == 24 || f == 28 || f == 30 || f == 10 }

    static func decode(_ r: ByteReader, isLoop: Bool) -> (DecodedLayer, next: NextLayer) {
        let proto: Proto = isLoop ? .loop : .null
        guard let be = r.u32(Field.family) else {
            return (DecodedLayer(proto: proto, header: .none,
                                 error: .truncated(layer: proto, needed: length, available: r.count), truncated: true), .stop)
        }
        let le = be.byteSwapped
        let family: UInt32
        if isLoop {
            family = be & 0xffff_0000 == 0 ? be : le
        } else {
            family = le & 0xffff_0000 == 0 ? le : be
        }
        let h = NullHeader(family: family, isLoop: isLoop)
        let payload = r.suffix(from: length)
        let next: NextLayer
        if family == 2 {
            next = .etherType(EtherType.ipv4, payload)
        } else if isIPv6Family(family) {
            next = .etherType(EtherType.ipv6, payload)
        } else {
            next = .data(payload)
        }
        return (DecodedLayer(proto: proto, header: .null(h)), next)
    }
}
