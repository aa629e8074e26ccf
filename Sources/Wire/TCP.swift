// TCP (RFC 9293). Its options are in TCPOptions.swift.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-------------------------------+-------------------------------+
//  |          Source Port          |       Destination Port        |
//  +-------------------------------+-------------------------------+
//  |                        Sequence Number                        |
//  +---------------------------------------------------------------+
//  |                    Acknowledgment Number                      |
//  +-------+-------+-+-+-+-+-+-+-+-+-------------------------------+
//  |  Data |  Res  |C|E|U|A|P|R|S|F|                               |
//  | Offset|     |N|W|C|R|C|S|S|Y|I|            Window             |
//  +-------+-------+-+-+-+-+-+-+-+-+-------------------------------+
//  |           Checksum            |         Urgent Pointer        |
//  +-------------------------------+-------------------------------+
//  |                    Options (data offset > 5)                  |
//  +---------------------------------------------------------------+

/// The flags are computed and inlinable, not stored constants: the reassembler tests several on
/// every segment, and a stored constant of another module is read through its lazy accessor.
public struct TCPFlags: OptionSet, Sendable, Hashable, BitwiseCopyable {
    public let rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public static var fin: TCPFlags { TCPFlags(rawValue: 0x01) }
    @inlinable public static var syn: TCPFlags { TCPFlags(rawValue: 0x02) }
    @inlinable public static var rst: TCPFlags { TCPFlags(rawValue: 0x04) }
    @inlinable public static var psh: TCPFlags { TCPFlags(rawValue: 0x08) }
    @inlinable public static var ack: TCPFlags { TCPFlags(rawValue: 0x10) }
    @inlinable public static var urg: TCPFlags { TCPFlags(rawValue: 0x20) }
    @inlinable public static var ece: TCPFlags { TCPFlags(rawValue: 0x40) }
    @inlinable public static var cwr: TCPFlags { TCPFlags(rawValue: 0x80) }
    /// The old ECN-nonce bit (RFC 3540, historic).
    @inlinable public static var ns: TCPFlags { TCPFlags(rawValue: 0x100) }

    /// Names in bit order, as docs/DESIGN.md "Per-frame JSON" lists them.
    /// The flags' names in header order, as literals (renderers write them on every frame
    /// without going through String storage).
    public static let literalNames: [(TCPFlags, StaticString)] = [
        (.fin, "FIN"), (.syn, "SYN"), (.rst, "RST"), (.psh, "PSH"),
        (.ack, "ACK"), (.urg, "URG"), (.ece, "ECE"), (.cwr, "CWR"),
    ]
    /// The same as Strings.
    public static let names: [(TCPFlags, String)] = literalNames.map { ($0.0, $0.1.description) }
}

public struct TCPHeader: Sendable, Hashable, BitwiseCopyable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequence: UInt32
    public var acknowledgment: UInt32
    /// In bytes (data offset × 4).
    public var headerLength: Int
    public var flags: TCPFlags
    /// The raw field (not scaled).
    public var window: UInt16
    public var checksum: UInt16
    public var checksumStatus: ChecksumStatus
    public var urgentPointer: UInt16
    public var options: TCPOptions
    /// What the IP header says the payload is.
    public var payloadLength: Int
    /// What was captured of it.
    public var capturedPayloadLength: Int
    /// How many header bytes were captured (the fixed 20, then the options when they are all
    /// there); < 20 when the header was cut (an ICMP quote, a snaplen), in which case fields
    /// past that point are zero and must not be shown (`has(_:)`).
    public var capturedHeaderLength: Int

    public static let minimumLength = 20

    /// The fixed header; options run from `minimumLength` to the header length.
    public enum Field: FieldTable {
        case sourcePort, destinationPort, sequence, acknowledgment
        /// Data offset (high nibble), reserved bits, and the old NS flag (the low bit).
        case dataOffset
        /// CWR … FIN.
        case flags
        case window, checksum, urgentPointer

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .sourcePort: 0 ..< 2
            case .destinationPort: 2 ..< 4
            case .sequence: 4 ..< 8
            case .acknowledgment: 8 ..< 12
            case .dataOffset: 12 ..< 13
            case .flags: 13 ..< 14
            case .window: 14 ..< 16
            case .checksum: 16 ..< 18
            case .urgentPointer: 18 ..< 20
            }
        }
    }

    public var mss: UInt16? {
        for o in options { if case .maximumSegmentSize(let v) = o { return v } }
        return nil
    }
    public var windowScale: UInt8? {
        for o in options { if case .windowScale(let v) = o { return v } }
        return nil
    }
    public var timestamp: (value: UInt32, echoReply: UInt32)? {
        for o in options { if case .timestamp(let v, let e) = o { return (v, e) } }
        return nil
    }
    public var sackBlocks: [SACKBlock] {
        for o in options { if case .sack(let b) = o { return b } }
        return []
    }

    /// The fixed header's fields, all in `r` (`r.count` ≥ `minimumLength`).
    @inline(__always)
    static func wholeFields(_ r: ByteReader) -> TCPHeader {
        let offsetByte = r.u8(whole: Field.dataOffset), flagByte = r.u8(whole: Field.flags)
        return TCPHeader(sourcePort: r.u16(whole: Field.sourcePort), destinationPort: r.u16(whole: Field.destinationPort),
                         sequence: r.u32(whole: Field.sequence), acknowledgment: r.u32(whole: Field.acknowledgment),
                         headerLength: headerLength(offsetByte),
                         flags: flags(offsetByte, flagByte), window: r.u16(whole: Field.window),
                         checksum: r.u16(whole: Field.checksum), checksumStatus: .unverified, urgentPointer: r.u16(whole: Field.urgentPointer),
                         options: TCPOptions(), payloadLength: 0, capturedPayloadLength: 0, capturedHeaderLength: minimumLength)
    }

    /// The header length in bytes, from the data offset byte (its high nibble, in words).
    @inline(__always) static func headerLength(_ offsetByte: UInt8) -> Int { Int(offsetByte >> 4) * 4 }

    /// CWR … FIN from the flags byte, and NS from the data offset byte's low bit.
    @inline(__always) static func flags(_ offsetByte: UInt8, _ flagByte: UInt8) -> TCPFlags {
        TCPFlags(rawValue: UInt16(flagByte) | UInt16(offsetByte & 1) << 8)
    }

    /// The fixed header's fields whose bytes are in `r` (the others zero).
    static func fields(_ r: ByteReader) -> TCPHeader {
        let offsetByte = r.u8(Field.dataOffset) ?? 0, flagByte = r.u8(Field.flags) ?? 0
        return TCPHeader(sourcePort: r.u16(Field.sourcePort) ?? 0, destinationPort: r.u16(Field.destinationPort) ?? 0,
                         sequence: r.u32(Field.sequence) ?? 0, acknowledgment: r.u32(Field.acknowledgment) ?? 0,
                         headerLength: headerLength(offsetByte),
                         flags: flags(offsetByte, flagByte), window: r.u16(Field.window) ?? 0,
                         checksum: r.u16(Field.checksum) ?? 0, checksumStatus: .unverified, urgentPointer: r.u16(Field.urgentPointer) ?? 0,
                         options: TCPOptions(), payloadLength: 0, capturedPayloadLength: 0,
                         capturedHeaderLength: min(r.count, minimumLength))
    }

    // Inlined into the dissector, so the layer is built where the caller keeps it (not built
    // here and copied out, on every TCP segment).
    @inline(__always)
    static func decode(_ r: ByteReader, ctx: TransportContext, payloadRange: inout Range<Int>?) -> DecodedLayer {
        guard r.has(Field.sourcePort.bytes.count, at: Field.sourcePort.bytes.lowerBound) else {
            return DecodedLayer(proto: .tcp, header: .none,
                                error: .truncated(layer: .tcp, needed: minimumLength, available: r.count), truncated: true)
        }
        // Every field whose bytes were captured, even when the header is cut; without a check
        // per field when the fixed header is whole.
        var h = r.count >= minimumLength ? wholeFields(r) : fields(r)
        let hlen = h.headerLength
        guard r.count >= minimumLength else {
            // With the data offset captured, the payload length is known (tshark shows it too).
            if r.count >= Field.dataOffset.bytes.upperBound, hlen >= minimumLength, hlen <= ctx.claimedLength { h.payloadLength = ctx.claimedLength - hlen }
            return DecodedLayer(proto: .tcp, header: .tcp(h),
                                error: .truncated(layer: .tcp, needed: minimumLength, available: r.count), truncated: true)
        }
        if hlen < minimumLength {
            return DecodedLayer(proto: .tcp, header: .tcp(h), error: .malformed(layer: .tcp, reason: .tcpHeaderLength(hlen)))
        }
        if hlen > ctx.claimedLength {
            return DecodedLayer(proto: .tcp, header: .tcp(h),
                                error: .malformed(layer: .tcp, reason: .tcpHeaderPastSegment(headerLength: hlen, segment: ctx.claimedLength)))
        }
        h.payloadLength = ctx.claimedLength - hlen
        guard r.count >= hlen else {
            // Show the options that were captured whole, as tcpdump does, then report the cut.
            _ = parseOptions(r, end: r.count, stopAtCut: true, into: &h.options)
            return DecodedLayer(proto: .tcp, header: .tcp(h), error: .truncated(layer: .tcp, needed: hlen, available: r.count), truncated: true)
        }
        h.capturedHeaderLength = hlen
        // A bad option is reported on this layer; the header length still delimits the payload,
        // so decoding goes on (as tcpdump and tshark do).
        var optionError: DecodeError? = nil
        if hlen > minimumLength {
            optionError = parseOptions(r, end: hlen, into: &h.options)
        }
        h.capturedPayloadLength = min(r.count - hlen, h.payloadLength)
        if ctx.firstFragment {
            // The rest of the segment is in later fragments: no checksum to verify, and the
            // payload is never framed from here (the reassembled datagram is).
            return DecodedLayer(proto: .tcp, header: .tcp(h), error: optionError)
        }
        let complete = r.count >= ctx.claimedLength
        if complete, ctx.verifiesChecksum, let seg = r.window(0, ctx.claimedLength) {
            h.checksumStatus = InternetChecksum.transportStatus(
                pseudo: ctx.pseudoSum(protocol: IPProtocol.tcp), segment: .init(seg.bytes), field: h.checksum)
        }
        payloadRange = r.start + hlen ..< r.start + hlen + h.capturedPayloadLength
        return DecodedLayer(proto: .tcp, header: .tcp(h), error: optionError, truncated: !complete)
    }
}
