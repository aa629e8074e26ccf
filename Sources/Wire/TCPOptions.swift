// TCP options (RFC 9293), with window scale and timestamps per RFC 7323 and SACK per RFC 2018.
//
//  +--------+--------+------------------+
//  | kind   | length | value …          |   EOL (0) and NOP (1) are the kind byte alone.
//  +--------+--------+------------------+
//
// `TCPOptionKind` is the one list of the kinds framescope reads, with each one's name and length.

/// The option kinds framescope reads. Any other kind is kept as its number and length.
public enum TCPOptionKind: UInt8, CaseIterable, Sendable {
    case endOfList = 0
    case noOperation = 1
    case maximumSegmentSize = 2
    case windowScale = 3
    case sackPermitted = 4
    case sack = 5
    case timestamp = 8

    /// Where an option's value starts, after its kind and length bytes.
    public static let valueOffset = 2

    /// The name docs/DESIGN.md "Per-frame JSON" gives the kind.
    public var name: String {
        switch self {
        case .endOfList: return "EOL"
        case .noOperation: return "NOP"
        case .maximumSegmentSize: return "MSS"
        case .windowScale: return "WS"
        case .sackPermitted: return "SACK_PERM"
        case .sack: return "SACK"
        case .timestamp: return "TS"
        }
    }

    /// The length RFC 9293, 7323 and 2018 give the kind, as text ("2 + 8n" for SACK).
    var expectedLength: String {
        switch self {
        case .endOfList, .noOperation: return "1"
        case .maximumSegmentSize: return "4"
        case .windowScale: return "3"
        case .sackPermitted: return "2"
        case .sack: return "2 + 8n"
        case .timestamp: return "10"
        }
    }

    /// Whether `len` is a length the kind can have.
    func lengthFits(_ len: Int) -> Bool {
        switch self {
        case .endOfList, .noOperation: return len == 1
        case .maximumSegmentSize: return len == 4
        case .windowScale: return len == 3
        case .sackPermitted: return len == 2
        case .sack: return len >= 10 && (len - 2) % 8 == 0
        case .timestamp: return len == 10
        }
    }
}

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
    public var name: String { TCPOption.name(ofKind: kind) }

    /// The option's kind byte.
    public var kind: UInt8 {
        switch self {
        case .cut(let kind), .badLength(let kind, _), .unknown(let kind, _): return kind
        case .endOfList: return TCPOptionKind.endOfList.rawValue
        case .noOperation: return TCPOptionKind.noOperation.rawValue
        case .maximumSegmentSize: return TCPOptionKind.maximumSegmentSize.rawValue
        case .windowScale: return TCPOptionKind.windowScale.rawValue
        case .sackPermitted: return TCPOptionKind.sackPermitted.rawValue
        case .sack: return TCPOptionKind.sack.rawValue
        case .timestamp: return TCPOptionKind.timestamp.rawValue
        }
    }

    /// The length the kind must have, as text ("≥ 2" for kinds framescope does not read).
    static func expectedLength(kind: UInt8) -> String { TCPOptionKind(rawValue: kind)?.expectedLength ?? "≥ 2" }

    /// Whether `len` is a length the kind can have (any length ≥ 2 for unknown kinds).
    static func lengthFits(kind: UInt8, _ len: Int) -> Bool { TCPOptionKind(rawValue: kind)?.lengthFits(len) ?? (len >= 2) }

    public static func name(ofKind kind: UInt8) -> String { TCPOptionKind(rawValue: kind)?.name ?? "kind:\(kind)" }
}

public struct SACKBlock: Sendable, Hashable {
    public var left: UInt32
    public var right: UInt32
    public init(left: UInt32, right: UInt32) {
        self.left = left
        self.right = right
    }
}

/// The options of one TCP header, kept as their (validated) bytes — at most 40 — so a decoded
/// header needs no allocation. Iterating parses them into `TCPOption` values.
public struct TCPOptions: Sequence, Sendable, Hashable, BitwiseCopyable {
    var raw: InlineArray<40, UInt8>
    /// How many option bytes are kept.
    public var byteCount: Int { Int(keptCount) }
    // One byte (at most 40): it keeps a TCP header, and so every layer, small enough to be
    // copied by a few moves instead of a call to memcpy.
    private var keptCount: UInt8
    /// The kind of an option the capture cut off after the kept bytes.
    public private(set) var cutKind: UInt8?
    /// When the cut option is a timestamp whose value (but not its echo reply) was captured.
    public internal(set) var cutTimestampValue: UInt32?

    public init() {
        raw = InlineArray(repeating: 0)
        keptCount = 0
        cutKind = nil
        cutTimestampValue = nil
    }

    /// Keeps the (validated) option bytes of `r`, at most 40, in place of empty options.
    @inline(__always)
    mutating func keep(_ r: ByteReader, cutKind: UInt8?) {
        let n = Swift.min(r.count, 40)
        let bytes = UnsafeRawBufferPointer(rebasing: r.bytes[0 ..< n])
        // One copy of the bytes into the inline storage (40 plain bytes).
        withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: bytes) }
        keptCount = UInt8(n)
        self.cutKind = cutKind
    }

    public var isEmpty: Bool { byteCount == 0 && cutKind == nil }

    /// The timestamp's value and echo reply when the options are exactly NOP, NOP, timestamp —
    /// what Linux sends on every segment after the handshake — and nil for any other list. The
    /// printers' way past the iterator for the one list nearly every frame carries.
    public var nopNopTimestamp: (value: UInt32, echoReply: UInt32)? {
        guard byteCount == 12, cutKind == nil,
              raw[0] == TCPOptionKind.noOperation.rawValue, raw[1] == TCPOptionKind.noOperation.rawValue,
              raw[2] == TCPOptionKind.timestamp.rawValue, raw[3] == 10 else { return nil }
        var v: UInt32 = 0, e: UInt32 = 0
        for i in 4 ..< 8 { v = v << 8 | UInt32(raw[i]) }
        for i in 8 ..< 12 { e = e << 8 | UInt32(raw[i]) }
        return (v, e)
    }

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
            let known = TCPOptionKind(rawValue: kind)
            if known == .endOfList { offset = options.byteCount; return .endOfList }
            if known == .noOperation { offset += 1; return .noOperation }
            guard let lenByte = byte(offset + 1), lenByte >= 2 else { offset = options.byteCount; return nil }
            let value = offset + TCPOptionKind.valueOffset
            let len = Int(lenByte)
            let end = offset + len
            offset = end
            guard let k = known else { return .unknown(kind: kind, length: len) }
            if !k.lengthFits(len) { return .badLength(kind: kind, length: len) }
            switch k {
            case .maximumSegmentSize: if let v = u16(value) { return .maximumSegmentSize(v) }
            case .windowScale: if let v = byte(value) { return .windowScale(v) }
            case .sackPermitted: return .sackPermitted
            case .sack:
                // Blocks of a left and a right edge, 4 bytes each.
                var blocks: [SACKBlock] = []
                var b = value
                while b + 8 <= end, let left = u32(b), let right = u32(b + 4) {
                    blocks.append(SACKBlock(left: left, right: right))
                    b += 8
                }
                return .sack(blocks)
            case .timestamp: if let v = u32(value), let e = u32(value + 4) { return .timestamp(value: v, echoReply: e) }
            case .endOfList, .noOperation: break
            }
            return .unknown(kind: kind, length: len)
        }
    }

    public func makeIterator() -> Iterator { Iterator(options: self) }
}

extension TCPHeader {
    /// Validates the kind-length-value options between byte 20 and `end` and keeps their bytes.
    /// Unknown kinds are kept as kind and length; a length that cannot be (< 2, past the header,
    /// wrong for its kind) is malformed, and the options before it are kept. With `stopAtCut`,
    /// `end` is where the capture ended, and an option cut by it ends the list quietly as `.cut`
    /// (the caller reports the truncation).
    @inline(__always)
    static func parseOptions(_ r: ByteReader, end: Int, stopAtCut: Bool = false, into options: inout TCPOptions) -> DecodeError? {
        // NOP, NOP, timestamp and nothing else (Linux, every segment after the handshake): valid
        // as it stands, so kept without the walk (inlined, for every segment that carries it).
        if end == minimumLength + 12, let w = r.window(minimumLength, 12), w.u32(0) == 0x0101_080a {
            options.keep(w, cutKind: nil)
            return nil
        }
        return walkOptions(r, end: end, stopAtCut: stopAtCut, into: &options)
    }

    /// `parseOptions` past its shortcut: every option in turn.
    static func walkOptions(_ r: ByteReader, end: Int, stopAtCut: Bool, into options: inout TCPOptions) -> DecodeError? {
        var o = minimumLength
        var error: DecodeError? = nil
        var cutKind: UInt8? = nil
        var cutTimestampValue: UInt32? = nil
        while o < end, let kind = r.u8(o) {
            if kind == TCPOptionKind.endOfList.rawValue { o += 1; break }
            if kind == TCPOptionKind.noOperation.rawValue { o += 1; continue }
            guard o + 1 < end, let lenByte = r.u8(o + 1) else {
                // Cut after its kind: not named (tshark names an option once its length is there).
                if !stopAtCut {
                    error = .malformed(layer: .tcp, reason: .tcpOptionNoLength(kind: kind))
                }
                break
            }
            let len = Int(lenByte)
            if len < 2 {
                error = .malformed(layer: .tcp, reason: .tcpOptionShort(kind: kind, length: len))
                break
            }
            if len > end - o {
                if stopAtCut {
                    cutKind = kind
                    // A timestamp option cut after its value still shows the value.
                    let value = o + TCPOptionKind.valueOffset
                    if kind == TCPOptionKind.timestamp.rawValue, TCPOptionKind.timestamp.lengthFits(len), end - value >= 4 {
                        cutTimestampValue = r.u32(value)
                    }
                } else {
                    error = .malformed(layer: .tcp, reason: .tcpOptionPastHeader(kind: kind, length: len, left: end - o))
                }
                break
            }
            if !TCPOption.lengthFits(kind: kind, len), error == nil {
                // Wrong for its kind, but the length still delimits it: reported, and the
                // options after it are read (tshark and tcpdump go on too).
                error = .malformed(layer: .tcp, reason: .tcpOptionWrongLength(kind: kind, length: len))
            }
            o += len
        }
        let valid = r.window(minimumLength, max(0, min(o, end) - minimumLength)) ?? r.suffix(from: r.count)
        options.keep(valid, cutKind: cutKind)
        options.cutTimestampValue = cutTimestampValue
        return error
    }
}
