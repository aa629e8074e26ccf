// IPv4 (RFC 791).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-------+-------+-----------+---+-------------------------------+
//  |Version|  IHL  |   DSCP    |ECN|          Total Length         |
//  +-------+-------+-----------+---+-+-+-+-------------------------+
//  |         Identification        |0|D|M|      Fragment Offset    |
//  +---------------+---------------+-+-+-+-------------------------+
//  |  Time to Live |    Protocol   |         Header Checksum       |
//  +---------------+---------------+-------------------------------+
//  |                       Source Address                          |
//  +---------------------------------------------------------------+
//  |                    Destination Address                        |
//  +---------------------------------------------------------------+
//  |                    Options (IHL > 5)                          |
//  +---------------------------------------------------------------+

public struct IPv4Header: Sendable, Hashable {
    public var version: UInt8
    /// In bytes (IHL × 4).
    public var headerLength: Int
    public var dscp: UInt8
    public var ecn: UInt8
    /// The field as on the wire (0 under segmentation offload).
    public var totalLength: UInt16
    public var identification: UInt16
    public var dontFragment: Bool
    public var moreFragments: Bool
    /// The reserved ("evil") bit.
    public var reservedFlag: Bool
    /// In bytes (the field × 8).
    public var fragmentOffset: Int
    public var ttl: UInt8
    public var protocolNumber: UInt8
    public var checksum: UInt16
    public var checksumStatus: ChecksumStatus
    public var source: IPv4Address
    public var destination: IPv4Address
    /// Option type numbers in order (EOL ends the list).
    public var options: [UInt8]

    public static let minimumLength = 20

    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }

    /// DESIGN.md's names for IPv4 option types.
    public static func optionName(_ type: UInt8) -> String {
        switch type {
        case 0: return "EOL"
        case 1: return "NOP"
        case 7: return "RR"
        case 68: return "TS"
        case 131: return "LSRR"
        case 137: return "SSRR"
        case 148: return "RA"
        case 130: return "SEC"
        default: return "type:\(type)"
        }
    }

    static func decode(_ r: ByteReader, warnings: inout [String], trailer: inout Int) -> (DecodedLayer, next: NextLayer) {
        func stop(_ e: DecodeError, _ header: LayerHeader = .none) -> (DecodedLayer, next: NextLayer) {
            (DecodedLayer(proto: .ipv4, header: header, error: e, truncated: e.isTruncation), .stop)
        }
        guard let b0 = r.u8(0) else { return stop(.truncated(layer: .ipv4, needed: minimumLength, available: r.count)) }
        let version = b0 >> 4
        if version != 4 { return stop(.malformed(layer: .ipv4, reason: "IPv4 version field is \(version), not 4")) }
        let ihl = Int(b0 & 0x0f) * 4
        guard r.count >= minimumLength, let b1 = r.u8(1), let total = r.u16(2), let id = r.u16(4), let ff = r.u16(6),
              let ttl = r.u8(8), let proto = r.u8(9), let csum = r.u16(10), let src = r.u32(12), let dst = r.u32(16)
        else { return stop(.truncated(layer: .ipv4, needed: minimumLength, available: r.count)) }
        if ihl < minimumLength { return stop(.malformed(layer: .ipv4, reason: "IPv4 header length \(ihl) < 20")) }
        guard let headerBytes = r.window(0, ihl) else {
            return stop(.truncated(layer: .ipv4, needed: ihl, available: r.count))
        }

        var claimed = Int(total)
        if total == 0 {
            // Segmentation offload (TSO/GSO, BIG TCP) leaves 0 here on captures taken before the
            // NIC: the datagram is what was captured.
            warnings.append("IPv4 total length 0 (segmentation offload): using the captured length \(r.count)")
            claimed = r.count
        } else if claimed < ihl {
            var h = IPv4Header(version: version, headerLength: ihl, dscp: b1 >> 2, ecn: b1 & 3, totalLength: total,
                               identification: id, dontFragment: ff & 0x4000 != 0, moreFragments: ff & 0x2000 != 0,
                               reservedFlag: ff & 0x8000 != 0, fragmentOffset: Int(ff & 0x1fff) * 8, ttl: ttl,
                               protocolNumber: proto, checksum: csum, checksumStatus: .unverified,
                               source: IPv4Address(src), destination: IPv4Address(dst), options: [])
            h.checksumStatus = InternetChecksum.sum(headerBytes.bytes) == 0xffff ? .good : .bad
            return stop(.malformed(layer: .ipv4, reason: "IPv4 total length \(claimed) < header length \(ihl)"), .ipv4(h))
        }

        var h = IPv4Header(version: version, headerLength: ihl, dscp: b1 >> 2, ecn: b1 & 3, totalLength: total,
                           identification: id, dontFragment: ff & 0x4000 != 0, moreFragments: ff & 0x2000 != 0,
                           reservedFlag: ff & 0x8000 != 0, fragmentOffset: Int(ff & 0x1fff) * 8, ttl: ttl,
                           protocolNumber: proto, checksum: csum,
                           checksumStatus: InternetChecksum.sum(headerBytes.bytes) == 0xffff ? .good : .bad,
                           source: IPv4Address(src), destination: IPv4Address(dst), options: [])

        // Options: EOL and NOP are one byte; every other option is type, length (≥ 2), data.
        var o = minimumLength
        while o < ihl, let type = r.u8(o) {
            h.options.append(type)
            if type == 0 { break }
            if type == 1 { o += 1; continue }
            guard let len = r.u8(o + 1) else {
                return stop(.malformed(layer: .ipv4, reason: "IPv4 option \(optionName(type)) has no length byte"), .ipv4(h))
            }
            if len < 2 || Int(len) > ihl - o {
                return stop(.malformed(layer: .ipv4, reason: "IPv4 option \(optionName(type)) length \(len) does not fit (\(ihl - o) bytes left)"), .ipv4(h))
            }
            o += Int(len)
        }

        let datagramCaptured = min(claimed, r.count)
        if claimed < r.count { trailer = r.count - claimed }
        let payload = r.window(ihl, datagramCaptured - ihl) ?? r.suffix(from: r.count)
        // A datagram cut short is reported by the layer whose bytes are missing (the transport
        // layer's captured_payload_length), not here: this header is whole.
        let layer = DecodedLayer(proto: .ipv4, header: .ipv4(h))
        if h.isFragment {
            // A fragment carries part of a datagram; its transport header is decoded on
            // reassembly, not here.
            return (layer, .fragment(payload, cut: claimed > r.count))
        }
        let ctx = TransportContext(pseudo: .v4(IPv4Address(src), IPv4Address(dst)), claimedLength: claimed - ihl)
        return (layer, .ipProtocol(proto, payload, ctx))
    }
}
