// TCP (RFC 9293), options per RFC 7323 (WS, TS) and RFC 2018 (SACK).
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

public enum TCPOption: Sendable, Hashable {
    case endOfList
    case noOperation
    case maximumSegmentSize(UInt16)
    case windowScale(UInt8)
    case sackPermitted
    case sack([SACKBlock])
    case timestamp(value: UInt32, echoReply: UInt32)
    case unknown(kind: UInt8, length: Int)
    /// An option whose kind was captured but whose bytes were cut by the snaplen.
    case cut(kind: UInt8)

    /// DESIGN.md's option names: `MSS WS SACK_PERM SACK TS NOP EOL` or `kind:N`.
    public var name: String {
        switch self {
        case .cut(let kind): return TCPOption.name(ofKind: kind)
        case .endOfList: return "EOL"
        case .noOperation: return "NOP"
        case .maximumSegmentSize: return "MSS"
        case .windowScale: return "WS"
        case .sackPermitted: return "SACK_PERM"
        case .sack: return "SACK"
        case .timestamp: return "TS"
        case .unknown(let kind, _): return "kind:\(kind)"
        }
    }

    public static func name(ofKind kind: UInt8) -> String {
        switch kind {
        case 0: return "EOL"
        case 1: return "NOP"
        case 2: return "MSS"
        case 3: return "WS"
        case 4: return "SACK_PERM"
        case 5: return "SACK"
        case 8: return "TS"
        default: return "kind:\(kind)"
        }
    }
}

public struct SACKBlock: Sendable, Hashable {
    public var left: UInt32
    public var right: UInt32
    public init(left: UInt32, right: UInt32) {
        self.left = left
        self.right = right
    }
}

public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)
    /// The old ECN-nonce bit (RFC 3540, historic).
    public static let ns = TCPFlags(rawValue: 0x100)

    /// Names in bit order, as DESIGN.md lists them.
    public static let names: [(TCPFlags, String)] = [
        (.fin, "FIN"), (.syn, "SYN"), (.rst, "RST"), (.psh, "PSH"),
        (.ack, "ACK"), (.urg, "URG"), (.ece, "ECE"), (.cwr, "CWR"),
    ]
}

public struct TCPHeader: Sendable, Hashable {
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
    public var options: [TCPOption]
    /// What the IP header says the payload is.
    public var payloadLength: Int
    /// What was captured of it.
    public var capturedPayloadLength: Int
    /// How many header bytes were captured; < 20 only for ICMP-quoted headers, in which case
    /// fields past that point are zero and must not be shown.
    public var capturedHeaderLength: Int

    public static let minimumLength = 20

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

    static func decode(_ r: ByteReader, ctx: TransportContext, payloadRange: inout Range<Int>?) -> DecodedLayer {
        guard let sp = r.u16(0), let dp = r.u16(2) else {
            return DecodedLayer(proto: .tcp, header: .none,
                                error: .truncated(layer: .tcp, needed: minimumLength, available: r.count), truncated: true)
        }
        var h = TCPHeader(sourcePort: sp, destinationPort: dp, sequence: r.u32(4) ?? 0, acknowledgment: r.u32(8) ?? 0,
                          headerLength: 0, flags: [], window: 0, checksum: 0, checksumStatus: .unverified, urgentPointer: 0,
                          options: [], payloadLength: 0, capturedPayloadLength: 0,
                          capturedHeaderLength: min(r.count, minimumLength))
        guard r.count >= minimumLength, let b12 = r.u8(12), let b13 = r.u8(13), let win = r.u16(14),
              let csum = r.u16(16), let urg = r.u16(18)
        else {
            return DecodedLayer(proto: .tcp, header: .tcp(h),
                                error: .truncated(layer: .tcp, needed: minimumLength, available: r.count), truncated: true)
        }
        let hlen = Int(b12 >> 4) * 4
        h.headerLength = hlen
        h.flags = TCPFlags(rawValue: UInt16(b13) | UInt16(b12 & 1) << 8)
        h.window = win
        h.checksum = csum
        h.urgentPointer = urg
        if hlen < minimumLength {
            return DecodedLayer(proto: .tcp, header: .tcp(h), error: .malformed(layer: .tcp, reason: "TCP header length \(hlen) < 20"))
        }
        if hlen > ctx.claimedLength {
            return DecodedLayer(proto: .tcp, header: .tcp(h),
                                error: .malformed(layer: .tcp, reason: "TCP header length \(hlen) > segment length \(ctx.claimedLength)"))
        }
        h.payloadLength = ctx.claimedLength - hlen
        guard r.count >= hlen else {
            // Show the options that were captured whole, as tcpdump does, then report the cut.
            _ = parseOptions(r, end: r.count, into: &h.options, stopAtCut: true)
            return DecodedLayer(proto: .tcp, header: .tcp(h), error: .truncated(layer: .tcp, needed: hlen, available: r.count), truncated: true)
        }
        h.capturedHeaderLength = hlen
        if let e = parseOptions(r, end: hlen, into: &h.options) {
            return DecodedLayer(proto: .tcp, header: .tcp(h), error: e)
        }
        h.capturedPayloadLength = min(r.count - hlen, h.payloadLength)
        let complete = r.count >= ctx.claimedLength
        if complete, let seg = r.window(0, ctx.claimedLength) {
            h.checksumStatus = InternetChecksum.transportStatus(
                pseudo: ctx.pseudoSum(protocol: IPProtocol.tcp), segment: .init(seg.bytes), field: csum)
        }
        payloadRange = r.start + hlen ..< r.start + hlen + h.capturedPayloadLength
        return DecodedLayer(proto: .tcp, header: .tcp(h), truncated: !complete)
    }

    /// Kind-length-value options between byte 20 and `end`. Unknown kinds are kept as kind and
    /// length; a length that cannot be (< 2, past the header, wrong for its kind) is malformed.
    /// With `stopAtCut`, `end` is where the capture ended, and an option cut by it ends the list
    /// quietly (the caller reports the truncation).
    static func parseOptions(_ r: ByteReader, end: Int, into options: inout [TCPOption], stopAtCut: Bool = false) -> DecodeError? {
        var o = minimumLength
        while o < end, let kind = r.u8(o) {
            if kind == 0 { options.append(.endOfList); break }
            if kind == 1 { options.append(.noOperation); o += 1; continue }
            guard o + 1 < end, let lenByte = r.u8(o + 1) else {
                if stopAtCut { options.append(.cut(kind: kind)); return nil }
                return .malformed(layer: .tcp, reason: "TCP option kind \(kind) has no length byte")
            }
            let len = Int(lenByte)
            if len < 2 { return .malformed(layer: .tcp, reason: "TCP option kind \(kind) length \(len) < 2") }
            if len > end - o {
                if stopAtCut { options.append(.cut(kind: kind)); return nil }
                return .malformed(layer: .tcp, reason: "TCP option kind \(kind) length \(len) runs past the header (\(end - o) bytes left)")
            }
            func wrongLength(_ name: String, _ expected: String) -> DecodeError {
                .malformed(layer: .tcp, reason: "TCP option \(name) length \(len), expected \(expected)")
            }
            switch kind {
            case 2:
                guard len == 4, let v = r.u16(o + 2) else { return wrongLength("MSS", "4") }
                options.append(.maximumSegmentSize(v))
            case 3:
                guard len == 3, let v = r.u8(o + 2) else { return wrongLength("WS", "3") }
                options.append(.windowScale(v))
            case 4:
                guard len == 2 else { return wrongLength("SACK_PERM", "2") }
                options.append(.sackPermitted)
            case 5:
                guard len >= 10, (len - 2) % 8 == 0 else { return wrongLength("SACK", "2 + 8n") }
                var blocks: [SACKBlock] = []
                var b = o + 2
                while b + 8 <= o + len, let left = r.u32(b), let right = r.u32(b + 4) {
                    blocks.append(SACKBlock(left: left, right: right))
                    b += 8
                }
                options.append(.sack(blocks))
            case 8:
                guard len == 10, let v = r.u32(o + 2), let e = r.u32(o + 6) else { return wrongLength("TS", "10") }
                options.append(.timestamp(value: v, echoReply: e))
            default:
                options.append(.unknown(kind: kind, length: len))
            }
            o += len
        }
        return nil
    }
}
