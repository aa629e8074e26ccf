// Ethernet II (IEEE 802.3 with an EtherType ≥ 0x0600).
//
//   0                   1                   2                   3
//  +--------+--------+--------+--------+--------+--------+
//  |              destination MAC (6)                    |
//  +--------+--------+--------+--------+--------+--------+
//  |                source MAC (6)                       |
//  +--------+--------+--------+--------+--------+--------+
//  |  EtherType (2)  |  payload … (padding to 60 bytes is a trailer, never data)
//
// Linux `lo` is presented as Ethernet with both MACs zero.

public struct EthernetHeader: Sendable, Hashable, BitwiseCopyable {
    public var destination: HardwareAddress
    public var source: HardwareAddress
    /// The field as on the wire (0x8100 / 0x88a8 when a VLAN tag follows).
    public var etherType: UInt16

    public static let length = 14

    public enum Field: FieldTable {
        case destination, source, etherType

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .destination: 0 ..< 6
            case .source: 6 ..< 12
            case .etherType: 12 ..< 14
            }
        }
    }

    /// True for the all-zero MACs Linux gives loopback frames.
    public var isLoopback: Bool { destination.isZero && source.isZero }

    public init(destination: HardwareAddress, source: HardwareAddress, etherType: UInt16) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
    }

    /// Appends the layer at `r` to `layers` and says what follows. Inlined into the dissector
    /// (what follows is then not passed back through memory).
    @inline(__always)
    static func decode(_ r: ByteReader, into layers: inout DecodedLayers) -> NextLayer {
        guard r.count >= length else {
            layers.append(DecodedLayer(proto: .eth, header: .none,
                                       error: .truncated(layer: .eth, needed: length, available: r.count), truncated: true,
                                       offset: r.start))
            return .stop
        }
        // The header is whole: its fields are read without a check each.
        let type = r.u16(whole: Field.etherType)
        let h = EthernetHeader(destination: r.mac48(whole: Field.destination), source: r.mac48(whole: Field.source), etherType: type)
        layers.append(DecodedLayer(proto: .eth, header: .eth(h),
                                   offset: r.start))
        let payload = r.suffix(from: length)
        // Values below 0x0600 are an 802.3 length (LLC follows): not decoded further.
        return type >= 0x0600 ? .etherType(type, payload) : .data(payload)
    }
}
