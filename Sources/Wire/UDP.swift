// UDP (RFC 768).
//
//  +---------------------+---------------------+
//  | source port (2)     | destination port (2)|
//  +---------------------+---------------------+
//  | length (2)          | checksum (2)        |
//  +---------------------+---------------------+
//
// The view is narrowed to the UDP length (the IP payload may be longer). A zero checksum over
// IPv4 means "none sent".

public struct UDPHeader: Sendable, Hashable, BitwiseCopyable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var length: UInt16
    public var checksum: UInt16
    public var checksumStatus: ChecksumStatus
    public var payloadLength: Int
    public var capturedPayloadLength: Int

    /// How many header bytes were captured: < 8 only when the capture cut the header, in which
    /// case the fields past that point are zero and must not be shown (`has(_:)`).
    public var capturedHeaderLength: Int = headerLength

    public static let headerLength = 8

    public enum Field: FieldTable {
        case sourcePort, destinationPort, length, checksum

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .sourcePort: 0 ..< 2
            case .destinationPort: 2 ..< 4
            case .length: 4 ..< 6
            case .checksum: 6 ..< 8
            }
        }
    }

    static func decode(_ r: ByteReader, ctx: TransportContext, payloadRange: inout Range<Int>?) -> DecodedLayer {
        // Every field whose bytes were captured (the rest zero, and not shown: `has(_:)`).
        let sp = r.u16(Field.sourcePort), len = r.u16(Field.length) ?? 0, csum = r.u16(Field.checksum) ?? 0
        var h = UDPHeader(sourcePort: sp ?? 0, destinationPort: r.u16(Field.destinationPort) ?? 0, length: len, checksum: csum,
                          checksumStatus: .unverified, payloadLength: 0, capturedPayloadLength: 0,
                          capturedHeaderLength: min(r.count, headerLength))
        guard r.count >= headerLength else {
            return DecodedLayer(proto: .udp, header: sp != nil ? .udp(h) : .none,
                                error: .truncated(layer: .udp, needed: headerLength, available: r.count), truncated: true)
        }
        var claimed = Int(len)
        if len == 0, ctx.claimedLength > 0xffff || ctx.isIPv6 {
            // RFC 2675 jumbograms (and GSO) carry 0 here; the IP layer's length stands.
            claimed = ctx.claimedLength
        }
        if claimed < headerLength {
            return DecodedLayer(proto: .udp, header: .udp(h), error: .malformed(layer: .udp, reason: .udpLengthShort(claimed)))
        }
        if ctx.firstFragment {
            // The header of a datagram whose rest is in later fragments: its length is the
            // whole datagram's, and there is nothing to check a checksum against.
            h.payloadLength = claimed - headerLength
            h.capturedPayloadLength = max(0, min(r.count - headerLength, h.payloadLength))
            return DecodedLayer(proto: .udp, header: .udp(h))
        }
        if claimed > ctx.claimedLength {
            return DecodedLayer(proto: .udp, header: .udp(h),
                                error: .malformed(layer: .udp, reason: .udpLengthPastIP(length: claimed, ipPayload: ctx.claimedLength)))
        }
        h.payloadLength = claimed - headerLength
        h.capturedPayloadLength = min(r.count - headerLength, h.payloadLength)
        let complete = r.count >= claimed
        if csum == 0 && !ctx.isIPv6 {
            h.checksumStatus = .unverified
        } else if complete, ctx.verifiesChecksum, let seg = r.window(0, claimed) {
            h.checksumStatus = InternetChecksum.transportStatus(
                pseudo: ctx.pseudoSum(protocol: IPProtocol.udp, length: claimed), segment: .init(seg.bytes), field: csum)
        }
        payloadRange = r.start + headerLength ..< r.start + headerLength + h.capturedPayloadLength
        return DecodedLayer(proto: .udp, header: .udp(h), truncated: !complete)
    }
}
