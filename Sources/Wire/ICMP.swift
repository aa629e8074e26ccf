// ICMP for IPv4 (RFC 792). Shares `ICMPHeader` with ICMPv6 (ICMPv6.swift).
//
//  +----------+----------+---------------------+
//  | type     | code     | checksum            |
//  +----------+----------+---------------------+
//  | echo: identifier    | echo: sequence      |   (errors: unused / pointer / MTU …)
//  +---------------------+---------------------+
//  | echo data, or for errors the quoted IP header + ≥ 8 bytes of its payload
//
// The checksum covers the whole ICMP message (no pseudo-header for IPv4).

public struct ICMPHeader: Sendable, Hashable, BitwiseCopyable {
    public var type: UInt8
    public var code: UInt8
    public var checksum: UInt16
    public var checksumStatus: ChecksumStatus
    /// Echo request/reply only.
    public var identifier: UInt16?
    public var sequence: UInt16?
    /// Error messages: the offending datagram, decoded (never as the frame's own layers): its
    /// layers' indices in the frame's `quoted` (`DecodedFrame.quoted(by:)`).
    public var quoted: Range<Int> {
        get { quotedStart ..< quotedEnd }
        set { (quotedStart, quotedEnd) = (newValue.lowerBound, newValue.upperBound) }
    }
    // The bounds of `quoted` (a Range is not declared plain bytes).
    var quotedStart = 0, quotedEnd = 0
    /// Length of the message as the IP header claims it.
    public var messageLength: Int
    /// How many of the 4 fixed bytes (type, code, checksum) were captured: < 4 only when the
    /// capture cut them, in which case the fields past that point are zero and not shown.
    public var capturedHeaderLength: Int = fixedLength

    public static let fixedLength = 4

    /// ICMP and ICMPv6 alike. The quoted datagram of an error follows the rest of the header.
    public enum Field: FieldTable {
        case type, code, checksum
        /// The second word, whose meaning depends on the type (echo: identifier and sequence).
        case restOfHeader
        case identifier, sequence

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .type: 0 ..< 1
            case .code: 1 ..< 2
            case .checksum: 2 ..< 4
            case .restOfHeader: 4 ..< 8
            case .identifier: 4 ..< 6
            case .sequence: 6 ..< 8
            }
        }
    }

    public static func isErrorV4(_ type: UInt8) -> Bool { [3, 4, 5, 11, 12].contains(type) }

    public static func typeNameV4(_ type: UInt8, code: UInt8) -> String {
        switch type {
        case 0: return "echo reply"
        case 3:
            switch code {
            case 0: return "net unreachable"
            case 1: return "host unreachable"
            case 2: return "protocol unreachable"
            case 3: return "port unreachable"
            case 4: return "fragmentation needed"
            default: return "destination unreachable (code \(code))"
            }
        case 4: return "source quench"
        case 5: return "redirect"
        case 8: return "echo request"
        case 11: return code == 0 ? "time exceeded in transit" : "fragment reassembly time exceeded"
        case 12: return "parameter problem"
        case 13: return "timestamp request"
        case 14: return "timestamp reply"
        default: return "type \(type) code \(code)"
        }
    }

    /// Decodes an ICMP or ICMPv6 message. An error's quoted datagram goes to `frame`'s `quoted`.
    static func decode(_ r: ByteReader, ctx: TransportContext, v6: Bool, quotedAllowed: Bool,
                       frame: inout DecodedFrame) -> DecodedLayer {
        let proto: Proto = v6 ? .icmpv6 : .icmp
        // The type and code whose bytes were captured (zero when not, and then not shown).
        let type = r.u8(Field.type) ?? 0, code = r.u8(Field.code) ?? 0
        guard let csum = r.u16(Field.checksum) else {
            let h = ICMPHeader(type: type, code: code, checksum: 0, checksumStatus: .unverified,
                               messageLength: ctx.claimedLength, capturedHeaderLength: r.count)
            return DecodedLayer(proto: proto, header: r.count > 0 ? .icmp(h) : .none,
                                error: .truncated(layer: proto, needed: fixedLength, available: r.count), truncated: true)
        }
        let claimed = ctx.claimedLength
        var status = ChecksumStatus.unverified
        if r.count >= claimed, let whole = r.window(0, claimed) {
            var s = InternetChecksum.rawSum(whole.bytes)
            if v6, case .v6(let a, let b) = ctx.pseudo {
                s &+= InternetChecksum.pseudoHeader(v6: a, b, protocol: IPProtocol.icmpv6, length: claimed)
            }
            status = InternetChecksum.fold(s) == 0xffff ? .good : .bad
        }
        var h = ICMPHeader(type: type, code: code, checksum: csum, checksumStatus: status, messageLength: claimed)
        let echo = v6 ? (type == 128 || type == 129) : (type == 0 || type == 8)
        let error = v6 ? (1 ... 4).contains(type) : isErrorV4(type)
        let headerEnd = Field.restOfHeader.bytes.upperBound
        if echo {
            h.identifier = r.u16(Field.identifier)
            h.sequence = r.u16(Field.sequence)
            if h.sequence == nil {
                return DecodedLayer(proto: proto, header: .icmp(h),
                                    error: .truncated(layer: proto, needed: headerEnd, available: r.count), truncated: true)
            }
        } else if error && quotedAllowed && r.count > headerEnd {
            h.quoted = Dissector.decodeQuoted(r.suffix(from: headerEnd), v6: v6, into: &frame)
        }
        return DecodedLayer(proto: proto, header: .icmp(h), truncated: claimed > r.count)
    }
}
