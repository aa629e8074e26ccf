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
    /// A known kind with a length wrong for it (its value is not read).
    case badLength(kind: UInt8, length: Int)
    /// An option whose kind was captured but whose bytes were cut by the snaplen.
    case cut(kind: UInt8)

    /// The option names of docs/DESIGN.md "Per-frame JSON": `MSS WS SACK_PERM SACK TS NOP EOL` or `kind:N`.
    public var name: String {
        switch self {
        case .cut(let kind), .badLength(let kind, _): return TCPOption.name(ofKind: kind)
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

    /// The length RFC 9293, 7323 and 2018 give each known kind, as text ("2 + 8n" for SACK).
    static func expectedLength(kind: UInt8) -> String {
        switch kind {
        case 2: return "4"
        case 3: return "3"
        case 4: return "2"
        case 5: return "2 + 8n"
        case 8: return "10"
        default: return "≥ 2"
        }
    }

    /// Whether `len` is a length the kind can have (any length ≥ 2 for unknown kinds).
    static func lengthFits(kind: UInt8, _ len: Int) -> Bool {
        switch kind {
        case 2: return len == 4
        case 3: return len == 3
        case 4: return len == 2
        case 5: return len >= 10 && (len - 2) % 8 == 0
        case 8: return len == 10
        default: return len >= 2
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

    /// True when the `count` bytes of a field at `offset` were captured.
    @inline(__always)
    public func has(_ offset: Int, _ count: Int) -> Bool { offset + count <= capturedHeaderLength }

    static func decode(_ r: ByteReader, ctx: TransportContext, payloadRange: inout Range<Int>?) -> DecodedLayer {
        guard r.count >= 2 else {
            return DecodedLayer(proto: .tcp, header: .none,
                                error: .truncated(layer: .tcp, needed: minimumLength, available: r.count), truncated: true)
        }
        // Every field whose bytes were captured, even when the header is cut.
        let b12 = r.u8(12) ?? 0, b13 = r.u8(13) ?? 0
        var h = TCPHeader(sourcePort: r.u16(0) ?? 0, destinationPort: r.u16(2) ?? 0, sequence: r.u32(4) ?? 0,
                          acknowledgment: r.u32(8) ?? 0, headerLength: Int(b12 >> 4) * 4,
                          flags: TCPFlags(rawValue: UInt16(b13) | UInt16(b12 & 1) << 8), window: r.u16(14) ?? 0,
                          checksum: r.u16(16) ?? 0, checksumStatus: .unverified, urgentPointer: r.u16(18) ?? 0,
                          options: TCPOptions(), payloadLength: 0, capturedPayloadLength: 0,
                          capturedHeaderLength: min(r.count, minimumLength))
        let hlen = h.headerLength
        guard r.count >= minimumLength else {
            // With the data offset captured, the payload length is known (tshark shows it too).
            if r.count > 12, hlen >= minimumLength, hlen <= ctx.claimedLength { h.payloadLength = ctx.claimedLength - hlen }
            return DecodedLayer(proto: .tcp, header: .tcp(h),
                                error: .truncated(layer: .tcp, needed: minimumLength, available: r.count), truncated: true)
        }
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
            h.options = parseOptions(r, end: r.count, stopAtCut: true).options
            return DecodedLayer(proto: .tcp, header: .tcp(h), error: .truncated(layer: .tcp, needed: hlen, available: r.count), truncated: true)
        }
        h.capturedHeaderLength = hlen
        // A bad option is reported on this layer; the header length still delimits the payload,
        // so decoding goes on (as tcpdump and tshark do).
        var optionError: DecodeError? = nil
        if hlen > minimumLength {
            let parsed = parseOptions(r, end: hlen)
            h.options = parsed.options
            optionError = parsed.error
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

    /// Validates the kind-length-value options between byte 20 and `end` and keeps their bytes.
    /// Unknown kinds are kept as kind and length; a length that cannot be (< 2, past the header,
    /// wrong for its kind) is malformed, and the options before it are kept. With `stopAtCut`,
    /// `end` is where the capture ended, and an option cut by it ends the list quietly as `.cut`
    /// (the caller reports the truncation).
    static func parseOptions(_ r: ByteReader, end: Int, stopAtCut: Bool = false) -> (options: TCPOptions, error: DecodeError?) {
        var o = minimumLength
        var error: DecodeError? = nil
        var cutKind: UInt8? = nil
        var cutTimestampValue: UInt32? = nil
        while o < end, let kind = r.u8(o) {
            if kind == 0 { o += 1; break }
            if kind == 1 { o += 1; continue }
            guard o + 1 < end, let lenByte = r.u8(o + 1) else {
                // Cut after its kind: not named (tshark names an option once its length is there).
                if !stopAtCut {
                    error = .malformed(layer: .tcp, reason: "TCP option kind \(kind) has no length byte")
                }
                break
            }
            let len = Int(lenByte)
            if len < 2 {
                error = .malformed(layer: .tcp, reason: "TCP option kind \(kind) length \(len) < 2")
                break
            }
            if len > end - o {
                if stopAtCut {
                    cutKind = kind
                    // A timestamp option cut after its value still shows the value.
                    if kind == 8, len == 10, end - o >= 6 { cutTimestampValue = r.u32(o + 2) }
                } else {
                    error = .malformed(layer: .tcp, reason: "TCP option kind \(kind) length \(len) runs past the header (\(end - o) bytes left)")
                }
                break
            }
            if !TCPOption.lengthFits(kind: kind, len), error == nil {
                let e = TCPOption.expectedLength(kind: kind)
                // Wrong for its kind, but the length still delimits it: reported, and the
                // options after it are read (tshark and tcpdump go on too).
                error = .malformed(layer: .tcp, reason: "TCP option \(TCPOption.name(ofKind: kind)) length \(len), expected \(e)")
            }
            o += len
        }
        let valid = r.window(minimumLength, max(0, min(o, end) - minimumLength)) ?? r.suffix(from: r.count)
        var options = TCPOptions(valid, cutKind: cutKind)
        options.cutTimestampValue = cutTimestampValue
        return (options, error)
    }
}

/// The options of one TCP header, kept as their (validated) bytes — at most 40 — so a decoded
/// header needs no allocation. Iterating parses them into `TCPOption` values.
public struct TCPOptions: Sequence, Sendable, Hashable {
    var raw: InlineArray<40, UInt8>
    /// How many option bytes are kept.
    public private(set) var byteCount: Int
    /// The kind of an option the capture cut off after the kept bytes.
    public private(set) var cutKind: UInt8?
    /// When the cut option is a timestamp whose value (but not its echo reply) was captured.
    public internal(set) var cutTimestampValue: UInt32?

    public init() {
        raw = InlineArray(repeating: 0)
        byteCount = 0
        cutKind = nil
        cutTimestampValue = nil
    }

    init(_ r: ByteReader, cutKind: UInt8?) {
        self.init()
        let n = Swift.min(r.count, 40)
        for i in 0 ..< n { raw[i] = r.u8(i) ?? 0 }
        byteCount = n
        self.cutKind = cutKind
    }

    public var isEmpty: Bool { byteCount == 0 && cutKind == nil }

    public static func == (a: TCPOptions, b: TCPOptions) -> Bool {
        guard a.byteCount == b.byteCount, a.cutKind == b.cutKind, a.cutTimestampValue == b.cutTimestampValue else { return false }
        for i in 0 ..< a.byteCount where a.raw[i] != b.raw[i] { return false }
        return true
    }

    public func hash(into h: inout Hasher) {
        h.combine(byteCount)
        h.combine(cutKind)
        for i in 0 ..< byteCount { h.combine(raw[i]) }
    }

    public struct Iterator: IteratorProtocol {
        let options: TCPOptions
        var offset = 0
        var cutDone = false

        mutating func byte(_ i: Int) -> UInt8? { i < options.byteCount ? options.raw[i] : nil }
        mutating func u16(_ i: Int) -> UInt16? {
            guard let a = byte(i), let b = byte(i + 1) else { return nil }
            return UInt16(a) << 8 | UInt16(b)
        }
        mutating func u32(_ i: Int) -> UInt32? {
            guard let a = u16(i), let b = u16(i + 2) else { return nil }
            return UInt32(a) << 16 | UInt32(b)
        }

        public mutating func next() -> TCPOption? {
            guard offset < options.byteCount, let kind = byte(offset) else {
                if !cutDone, let k = options.cutKind {
                    cutDone = true
                    return .cut(kind: k)
                }
                return nil
            }
            if kind == 0 { offset = options.byteCount; return .endOfList }
            if kind == 1 { offset += 1; return .noOperation }
            guard let lenByte = byte(offset + 1), lenByte >= 2 else { offset = options.byteCount; return nil }
            let o = offset
            let len = Int(lenByte)
            offset += len
            if !TCPOption.lengthFits(kind: kind, len) { return .badLength(kind: kind, length: len) }
            switch kind {
            case 2: if let v = u16(o + 2) { return .maximumSegmentSize(v) }
            case 3: if let v = byte(o + 2) { return .windowScale(v) }
            case 4: return .sackPermitted
            case 5:
                var blocks: [SACKBlock] = []
                var b = o + 2
                while b + 8 <= o + len, let left = u32(b), let right = u32(b + 4) {
                    blocks.append(SACKBlock(left: left, right: right))
                    b += 8
                }
                return .sack(blocks)
            case 8: if let v = u32(o + 2), let e = u32(o + 6) { return .timestamp(value: v, echoReply: e) }
            default: break
            }
            return .unknown(kind: kind, length: len)
        }
    }

    public func makeIterator() -> Iterator { Iterator(options: self) }
}
