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

public struct IPv4Header: Sendable, Hashable, BitwiseCopyable {
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
    public var options: IPv4Options
    /// How many bytes of the fixed header were captured: < 20 only when the capture cut it, in
    /// which case the fields past that point are zero and must not be shown (`has(_:)`).
    public var capturedHeaderLength: Int = minimumLength

    public static let minimumLength = 20

    /// The fixed header; options run from `minimumLength` to the header length.
    public enum Field: FieldTable {
        /// Version (high nibble) and IHL (low nibble).
        case versionIHL
        /// DSCP (6 bits) and ECN (2).
        case dscpECN
        case totalLength, identification
        /// Flags (3 bits) and fragment offset (13).
        case flagsFragmentOffset
        case ttl, protocolNumber, checksum, source, destination

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .versionIHL: 0 ..< 1
            case .dscpECN: 1 ..< 2
            case .totalLength: 2 ..< 4
            case .identification: 4 ..< 6
            case .flagsFragmentOffset: 6 ..< 8
            case .ttl: 8 ..< 9
            case .protocolNumber: 9 ..< 10
            case .checksum: 10 ..< 12
            case .source: 12 ..< 16
            case .destination: 16 ..< 20
            }
        }
    }

    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }

    /// The IPv4 option names of docs/DESIGN.md "Per-frame JSON".
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

    /// The fixed header's fields, all in `r` (`r.count` ≥ `minimumLength`).
    @inline(__always)
    static func wholeFields(_ r: ByteReader, version: UInt8, headerLength ihl: Int) -> IPv4Header {
        let b1 = r.u8(whole: Field.dscpECN), ff = r.u16(whole: Field.flagsFragmentOffset)
        return IPv4Header(version: version, headerLength: ihl, dscp: b1 >> 2, ecn: b1 & 3, totalLength: r.u16(whole: Field.totalLength),
                          identification: r.u16(whole: Field.identification), dontFragment: ff & 0x4000 != 0,
                          moreFragments: ff & 0x2000 != 0, reservedFlag: ff & 0x8000 != 0, fragmentOffset: Int(ff & 0x1fff) * 8,
                          ttl: r.u8(whole: Field.ttl), protocolNumber: r.u8(whole: Field.protocolNumber),
                          checksum: r.u16(whole: Field.checksum), checksumStatus: .unverified,
                          source: IPv4Address(r.u32(whole: Field.source)), destination: IPv4Address(r.u32(whole: Field.destination)),
                          options: IPv4Options(), capturedHeaderLength: minimumLength)
    }

    /// The fixed header's fields whose bytes are in `r` (the others zero).
    static func fields(_ r: ByteReader, version: UInt8, headerLength ihl: Int) -> IPv4Header {
        let b1 = r.u8(Field.dscpECN) ?? 0, ff = r.u16(Field.flagsFragmentOffset) ?? 0
        return IPv4Header(version: version, headerLength: ihl, dscp: b1 >> 2, ecn: b1 & 3, totalLength: r.u16(Field.totalLength) ?? 0,
                          identification: r.u16(Field.identification) ?? 0, dontFragment: ff & 0x4000 != 0,
                          moreFragments: ff & 0x2000 != 0, reservedFlag: ff & 0x8000 != 0, fragmentOffset: Int(ff & 0x1fff) * 8,
                          ttl: r.u8(Field.ttl) ?? 0, protocolNumber: r.u8(Field.protocolNumber) ?? 0,
                          checksum: r.u16(Field.checksum) ?? 0, checksumStatus: .unverified,
                          source: IPv4Address(r.u32(Field.source) ?? 0), destination: IPv4Address(r.u32(Field.destination) ?? 0),
                          options: IPv4Options(),
                          capturedHeaderLength: min(r.count, minimumLength))
    }

    /// `wireCut`: the capture kept fewer bytes than were on the wire (snaplen), so a datagram
    /// longer than the frame was cut by the capture (`truncated`); otherwise the header claims
    /// more than was sent (`malformed`), and the bytes that are there are decoded. Appends the
    /// layer at `r` to `layers` and says what follows.
    static func decode(_ r: ByteReader, wireCut: Bool, into layers: inout DecodedLayers, warnings: inout [String],
                       trailer: inout Int) -> NextLayer {
        func stop(_ e: DecodeError, _ header: LayerHeader = .none) -> NextLayer {
            layers.append(DecodedLayer(proto: .ipv4, header: header, error: e, truncated: e.isTruncation, offset: r.start))
            return .stop
        }
        guard let b0 = r.u8(Field.versionIHL) else { return stop(.truncated(layer: .ipv4, needed: minimumLength, available: r.count)) }
        let version = b0 >> 4
        if version != 4 { return stop(.malformed(layer: .ipv4, reason: .ipv4Version(version))) }
        let ihl = Int(b0 & 0x0f) * 4
        // Every field whose bytes were captured, even when the header is cut (tcpdump and tshark
        // show them too); without a check per field when the fixed header is whole.
        var h = r.count >= minimumLength ? wholeFields(r, version: version, headerLength: ihl)
                                         : fields(r, version: version, headerLength: ihl)
        guard r.count >= minimumLength else {
            return stop(.truncated(layer: .ipv4, needed: minimumLength, available: r.count), .ipv4(h))
        }
        if ihl < minimumLength { return stop(.malformed(layer: .ipv4, reason: .ipv4HeaderLength(ihl)), .ipv4(h)) }
        guard let headerBytes = r.window(0, ihl) else {
            // Options cut by the capture: the ones whose bytes are there, then the truncation.
            _ = parseOptions(r, end: r.count, cut: true, into: &h.options)
            return stop(.truncated(layer: .ipv4, needed: ihl, available: r.count), .ipv4(h))
        }
        h.checksumStatus = InternetChecksum.sum(headerBytes.bytes) == 0xffff ? .good : .bad
        let total = h.totalLength
        var claimed = Int(total)
        if total == 0 {
            // Segmentation offload (TSO/GSO, BIG TCP) leaves 0 here on captures taken before the
            // NIC: the datagram is what was captured.
            warnings.append("IPv4 total length 0 (segmentation offload): using the captured length \(r.count)")
            claimed = r.count
        } else if claimed < ihl {
            return stop(.malformed(layer: .ipv4, reason: .ipv4TotalBelowHeader(total: claimed, headerLength: ihl)), .ipv4(h))
        }

        // A bad option inside a header whose length bounds it is reported here, and the
        // datagram is still decoded (the header length delimits it).
        var error: DecodeError? = nil
        if ihl > minimumLength {
            error = parseOptions(r, end: ihl, into: &h.options)
        }
        if claimed > r.count && !wireCut {
            // Nothing was lost by the capture: the header claims bytes that were never sent.
            let e = DecodeError.malformed(layer: .ipv4, reason: .ipv4TotalPastWire(total: claimed, onWire: r.count))
            if let optionError = error { warnings.append(optionError.description) }
            error = e
            claimed = r.count
        }

        let datagramCaptured = min(claimed, r.count)
        if claimed < r.count { trailer = r.count - claimed }
        let payload = r.window(ihl, datagramCaptured - ihl) ?? r.suffix(from: r.count)
        // A datagram cut short is reported by the layer whose bytes are missing (the transport
        // layer's captured_payload_length), not here: this header is whole.
        layers.append(DecodedLayer(proto: .ipv4, header: .ipv4(h), error: error, offset: r.start))
        let ctx = TransportContext(pseudo: .v4(h.source, h.destination), claimedLength: claimed - ihl)
        if h.isFragment {
            // A fragment carries part of a datagram: its transport layer is decoded on
            // reassembly; the first one also shows the transport header it carries.
            return .fragment(h.protocolNumber, payload, ctx, first: h.fragmentOffset == 0, cut: claimed > r.count)
        }
        return .ipProtocol(h.protocolNumber, payload, ctx)
    }

    /// The option types between byte 20 and `end`: EOL and NOP are one byte, every other option
    /// is type, length (≥ 2), data. Stops at EOL or at a length that cannot be (the error). With
    /// `cut`, `end` is where the capture ended inside the options: an option it cuts is listed
    /// by its type and is no error (the caller reports the truncation). The types go to `types`.
    static func parseOptions(_ r: ByteReader, end: Int, cut: Bool = false, into types: inout IPv4Options) -> DecodeError? {
        var o = minimumLength
        while o < end, let type = r.u8(o) {
            if type <= 1 { types.append(type) }
            if type == 0 { break }
            if type == 1 { o += 1; continue }
            // An option is listed once its length byte is there (as tshark lists them).
            guard o + 1 < end, let len = r.u8(o + 1) else {
                if cut { break }
                return .malformed(layer: .ipv4, reason: .ipv4OptionNoLength(type: type))
            }
            types.append(type)
            if len < 2 {
                return .malformed(layer: .ipv4, reason: .ipv4OptionShort(type: type, length: len))
            }
            if Int(len) > end - o {
                if cut { break }
                return .malformed(layer: .ipv4, reason: .ipv4OptionPastHeader(type: type, length: len, left: end - o))
            }
            o += Int(len)
        }
        return nil
    }
}


/// The option types of one IPv4 header, in order. The options take at most 40 bytes and each
/// type at least one, so the types are kept inline: a decoded header holds no array, and copying
/// a layer copies plain bytes (no retain and release on every frame).
public struct IPv4Options: RandomAccessCollection, ExpressibleByArrayLiteral, Sendable, Hashable, BitwiseCopyable {
    /// The most types 40 bytes of options can hold.
    public static let capacity = 40

    private var types: InlineArray<40, UInt8>
    public var endIndex: Int { Int(count8) }
    // One byte (at most 40), as TCPOptions keeps its count.
    private var count8: UInt8

    public init() {
        types = InlineArray(repeating: 0)
        count8 = 0
    }

    public init(arrayLiteral elements: UInt8...) {
        self.init()
        for t in elements { append(t) }
    }

    public var startIndex: Int { 0 }

    public subscript(i: Int) -> UInt8 {
        precondition(i >= 0 && i < endIndex, "IPv4 option index out of range")
        return types[i]
    }

    mutating func append(_ type: UInt8) {
        precondition(endIndex < Self.capacity, "more IPv4 option types than 40 bytes hold")
        types[endIndex] = type
        count8 += 1
    }

    public static func == (a: IPv4Options, b: IPv4Options) -> Bool { a.elementsEqual(b) }

    public func hash(into h: inout Hasher) {
        h.combine(endIndex)
        for t in self { h.combine(t) }
    }
}
