// IPv6 (RFC 8200) and its extension headers.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-------+---------------+---------------------------------------+
//  |Version| Traffic Class |              Flow Label               |
//  +-------+---------------+-------+---------------+---------------+
//  |         Payload Length        |  Next Header  |   Hop Limit   |
//  +-------------------------------+---------------+---------------+
//  |                  Source Address (16 bytes)                    |
//  +---------------------------------------------------------------+
//  |               Destination Address (16 bytes)                  |
//  +---------------------------------------------------------------+
//
// Extension headers walked to the upper layer: hop-by-hop (0), routing (43), fragment (44),
// destination options (60). Each but the fragment header is (length + 1) × 8 bytes long.

public struct IPv6Extension: Sendable, Hashable, BitwiseCopyable {
    public enum Kind: String, Sendable, Hashable, BitwiseCopyable {
        case hopByHop = "hop_by_hop"
        case routing
        case fragment
        case destinationOptions = "destination_options"
    }
    public var kind: Kind
    public var nextHeader: UInt8
    /// Length in bytes.
    public var length: Int
    /// Fragment header only: offset in bytes, more-fragments flag, identification.
    public var fragmentOffset: Int = 0
    public var moreFragments: Bool = false
    public var fragmentID: UInt32 = 0

    /// Bytes of a fragment header; every other extension gives its length in its second byte.
    public static let fragmentLength = 8

    /// An extension header's fields (the fragment fields only in a fragment header).
    public enum Field: FieldTable {
        case nextHeader
        /// (length + 1) × 8 bytes; reserved in a fragment header.
        case length
        /// Fragment offset (13 bits, in 8-byte units), two reserved bits, more-fragments.
        case fragmentOffsetFlags
        case fragmentID

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .nextHeader: 0 ..< 1
            case .length: 1 ..< 2
            case .fragmentOffsetFlags: 2 ..< 4
            case .fragmentID: 4 ..< 8
            }
        }
    }
}

public struct IPv6Header: Sendable, Hashable, BitwiseCopyable {
    public var trafficClass: UInt8
    public var flowLabel: UInt32
    public var payloadLength: UInt16
    /// The fixed header's next header.
    public var nextHeader: UInt8
    public var hopLimit: UInt8
    public var source: IPv6Address
    public var destination: IPv6Address
    /// The extension headers' indices in the frame's `ipv6Extensions`
    /// (`DecodedFrame.extensions(of:)`), in order.
    public var extensions: Range<Int> {
        get { extensionsStart ..< extensionsEnd }
        set { (extensionsStart, extensionsEnd) = (newValue.lowerBound, newValue.upperBound) }
    }
    // The bounds of `extensions` (a Range is not declared plain bytes).
    var extensionsStart = 0, extensionsEnd = 0
    /// The first fragment header among the extensions, if any.
    public var fragment: IPv6Extension?
    /// The upper-layer protocol after the extensions.
    public var upperProtocol: UInt8
    /// How many bytes of the fixed header were captured: < 40 only when the capture cut it, in
    /// which case the fields past that point are zero and must not be shown (`has(_:)`).
    public var capturedHeaderLength: Int = length

    public static let length = 40

    public enum Field: FieldTable {
        /// Version (4 bits), traffic class (8), flow label (20): the word they share.
        case versionClassFlow
        /// The byte pairs the traffic class and the flow label lie in (a cut header shows one
        /// once its bytes are there).
        case trafficClass, flowLabel
        case payloadLength, nextHeader, hopLimit, source, destination

        @inlinable public var bytes: Range<Int> {
            switch self {
            case .versionClassFlow: 0 ..< 4
            case .trafficClass: 0 ..< 2
            case .flowLabel: 1 ..< 4
            case .payloadLength: 4 ..< 6
            case .nextHeader: 6 ..< 7
            case .hopLimit: 7 ..< 8
            case .source: 8 ..< 24
            case .destination: 24 ..< 40
            }
        }
    }
    /// Bound on the extension walk (each is ≥ 8 bytes, so this is generous).
    static let maximumExtensions = 32

    /// `wireCut` as for IPv4: without it, a payload length past the frame is `malformed`.
    /// Appends the layer at `r` to `layers` and its extension headers to `extensions`, and says
    /// what follows.
    static func decode(_ r: ByteReader, wireCut: Bool, into layers: inout DecodedLayers, extensions: inout [IPv6Extension]?,
                       warnings: inout [String], trailer: inout Int) -> NextLayer {
        func stop(_ e: DecodeError, _ header: LayerHeader = .none) -> NextLayer {
            layers.append(DecodedLayer(proto: .ipv6, header: header, error: e, truncated: e.isTruncation, offset: r.start))
            return .stop
        }
        guard let b0 = r.u8(Field.versionClassFlow) else { return stop(.truncated(layer: .ipv6, needed: length, available: r.count)) }
        if b0 >> 4 != 6 { return stop(.malformed(layer: .ipv6, reason: .ipv6Version(b0 >> 4))) }
        // Every field whose bytes were captured; a header cut by the capture reads the missing
        // bytes as zero, and the printers show only the fields that are there (`has(_:)`).
        func bytes(_ o: Int, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0 ..< n { v = v << 8 | UInt64(r.u8(o + i) ?? 0) }
            return v
        }
        func address(_ f: Field) -> IPv6Address {
            let o = f.bytes.lowerBound
            if let high = r.u64(o), let low = r.u64(o + 8) { return IPv6Address(high: high, low: low) }
            return IPv6Address(high: bytes(o, 8), low: bytes(o + 8, 8))
        }
        let w0 = r.u32(Field.versionClassFlow) ?? UInt32(truncatingIfNeeded: bytes(0, Field.versionClassFlow.bytes.count))
        let plen = r.u16(Field.payloadLength) ?? 0, nh = r.u8(Field.nextHeader) ?? 0
        var h = IPv6Header(trafficClass: UInt8(truncatingIfNeeded: w0 >> 20), flowLabel: w0 & 0xfffff, payloadLength: plen,
                           nextHeader: nh, hopLimit: r.u8(Field.hopLimit) ?? 0, source: address(.source),
                           destination: address(.destination), fragment: nil,
                           upperProtocol: nh,
                           capturedHeaderLength: min(r.count, length))
        let firstExtension = extensions?.endIndex ?? 0
        h.extensions = firstExtension ..< firstExtension
        func keep(_ e: IPv6Extension) {
            if extensions == nil { extensions = [e] } else { extensions!.append(e) }
            h.extensions = firstExtension ..< extensions!.endIndex
        }
        guard r.count >= length else { return stop(.truncated(layer: .ipv6, needed: length, available: r.count), .ipv6(h)) }

        var claimed = Int(plen)
        var lengthError: DecodeError? = nil
        if plen == 0 && nh != IPProtocol.ipv6NoNext {
            warnings.append("IPv6 payload length 0 (jumbogram or segmentation offload): using the captured length \(r.count - length)")
            claimed = r.count - length
        } else if claimed > r.count - length && !wireCut {
            // Nothing was lost by the capture: the header claims bytes that were never sent.
            lengthError = .malformed(layer: .ipv6, reason: .ipv6PayloadPastWire(payload: claimed, onWire: r.count - length))
            claimed = r.count - length
        }
        let captured = min(claimed, r.count - length)
        if length + claimed < r.count { trailer = r.count - length - claimed }
        let payload = r.window(length, captured) ?? r.suffix(from: r.count)

        // Walk the extension headers inside the payload. Where the walk stops early (a header
        // cut or running past the payload), `protocol` is the header it stopped at, so it agrees
        // with the chain listed.
        var next = nh
        var o = 0
        var walked = 0
        func stopInChain(_ e: DecodeError) -> NextLayer {
            h.upperProtocol = next
            return stop(e, .ipv6(h))
        }
        walk: while walked < maximumExtensions {
            let kind: IPv6Extension.Kind
            switch next {
            case IPProtocol.hopByHop: kind = .hopByHop
            case IPProtocol.ipv6Routing: kind = .routing
            case IPProtocol.ipv6Fragment: kind = .fragment
            case IPProtocol.ipv6DestinationOptions: kind = .destinationOptions
            default: break walk
            }
            walked += 1
            let ext = payload.suffix(from: o)
            if kind == .fragment {
                let fl = IPv6Extension.fragmentLength
                guard let fnh = ext.u8(IPv6Extension.Field.nextHeader), let offm = ext.u16(IPv6Extension.Field.fragmentOffsetFlags),
                      let fid = ext.u32(IPv6Extension.Field.fragmentID)
                else {
                    return stopInChain(.truncated(layer: .ipv6, needed: length + o + fl, available: r.count))
                }
                let f = IPv6Extension(kind: .fragment, nextHeader: fnh, length: fl,
                                      fragmentOffset: Int(offm >> 3) * 8, moreFragments: offm & 1 != 0, fragmentID: fid)
                keep(f)
                if h.fragment == nil { h.fragment = f }
                next = fnh
                o += fl
            } else {
                guard let enh = ext.u8(IPv6Extension.Field.nextHeader), let elen = ext.u8(IPv6Extension.Field.length) else {
                    return stopInChain(.truncated(layer: .ipv6, needed: length + o + IPv6Extension.Field.length.bytes.upperBound,
                                                  available: r.count))
                }
                let extLen = (Int(elen) + 1) * 8
                keep(IPv6Extension(kind: kind, nextHeader: enh, length: extLen))
                if !payload.has(extLen, at: o) {
                    if o + extLen > claimed {
                        return stopInChain(.malformed(layer: .ipv6, reason: .ipv6ExtensionPastPayload(kind: kind, length: extLen, payload: claimed)))
                    }
                    return stopInChain(.truncated(layer: .ipv6, needed: length + o + extLen, available: r.count))
                }
                next = enh
                o += extLen
            }
        }
        h.upperProtocol = next
        layers.append(DecodedLayer(proto: .ipv6, header: .ipv6(h), error: lengthError, offset: r.start))
        let upper = payload.suffix(from: o)
        let ctx = TransportContext(pseudo: .v6(h.source, h.destination), claimedLength: max(claimed - o, 0))
        if let f = h.fragment, f.moreFragments || f.fragmentOffset != 0 {
            return .fragment(next, upper, ctx, first: f.fragmentOffset == 0, cut: length + claimed > r.count)
        }
        return .ipProtocol(next, upper, ctx)
    }
}
