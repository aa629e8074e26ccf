// IEEE 802.1Q / 802.1ad VLAN tag (one object per tag; stacked tags repeat).
//
//  +-----+---+-------------+------------------+
//  | PCP |DEI|  VLAN id 12 | EtherType after  |
//  |  3  | 1 |             |   the tag (16)   |
//  +-----+---+-------------+------------------+

public struct VLANTag: Sendable, Hashable, BitwiseCopyable {
    public var priority: UInt8
    public var dropEligible: Bool
    public var id: UInt16
    /// The type that follows this tag.
    public var etherType: UInt16

    public static let length = 4

    public enum Field: FieldTable {
        /// Tag control information: priority (3 bits), drop eligible (1), VLAN id (12).
        case tci
        case etherType

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .tci: 0 ..< 2
            case .etherType: 2 ..< 4
            }
        }
    }

    public init(priority: UInt8, dropEligible: Bool, id: UInt16, etherType: UInt16) {
        self.priority = priority
        self.dropEligible = dropEligible
        self.id = id
        self.etherType = etherType
    }

    static func decode(_ r: ByteReader) -> (DecodedLayer, next: NextLayer) {
        guard let tci = r.u16(Field.tci), let type = r.u16(Field.etherType) else {
            return (DecodedLayer(proto: .vlan, header: .none,
                                 error: .truncated(layer: .vlan, needed: length, available: r.count), truncated: true), .stop)
        }
        let tag = VLANTag(priority: UInt8(tci >> 13), dropEligible: tci & 0x1000 != 0, id: tci & 0x0fff, etherType: type)
        let payload = r.suffix(from: length)
        let next: NextLayer = type >= 0x0600 ? .etherType(type, payload) : .data(payload)
        return (DecodedLayer(proto: .vlan, header: .vlan(tag)), next)
    }
}
