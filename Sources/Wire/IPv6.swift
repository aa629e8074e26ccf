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

public struct IPv6Extension: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
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
}

public struct IPv6Header: Sendable, Hashable {
    public var trafficClass: UInt8
    public var flowLabel: UInt32
    public var payloadLength: UInt16
    /// The fixed header's next header.
    public var nextHeader: UInt8
    public var hopLimit: UInt8
    public var source: IPv6Address
    public var destination: IPv6Address
    public var extensions: [IPv6Extension]
    /// The upper-layer protocol after the extensions.
    public var upperProtocol: UInt8
    /// How many bytes of the fixed header were captured: < 40 only when the capture cut it, in
    /// which case the fields past that point are zero and must not be shown (`has(_:)`).
    public var capturedHeaderLength: Int = length

    public static let length = 40
    /// Bound on the extension walk (each is ≥ 8 bytes, so this is generous).
    static let maximumExtensions = 32

    public var fragment: IPv6Extension? { extensions.first { $0.kind == .fragment } }

    /// True when the `count` bytes of a field at `offset` were captured.
    @inline(__always)
    public func has(_ offset: Int, _ count: Int) -> Bool { offset + count <= capturedHeaderLength }

    /// `wireCut` as for IPv4: without it, a payload length past the frame is `malformed`.
    static func decode(_ r: ByteReader, wireCut: Bool, warnings: inout [String], trailer: inout Int) -> (DecodedLayer, next: NextLayer) {
        func stop(_ e: DecodeError, _ header: LayerHeader = .none) -> (DecodedLayer, next: NextLayer) {
            (DecodedLayer(proto: .ipv6, header: header, error: e, truncated: e.isTruncation), .stop)
        }
        guard let b0 = r.u8(0) else { return stop(.truncated(layer: .ipv6, needed: length, available: r.count)) }
        if b0 >> 4 != 6 { return stop(.malformed(layer: .ipv6, reason: "IPv6 version field is \(b0 >> 4), not 6")) }
        guard r.count >= length, let w0 = r.u32(0), let plen = r.u16(4), let nh = r.u8(6), let hops = r.u8(7),
              let sh = r.u64(8), let sl = r.u64(16), let dh = r.u64(24), let dl = r.u64(32)
        else {
            // Every field whose bytes were captured.
            func u64(_ o: Int) -> UInt64 {
                var v: UInt64 = 0
                for i in 0 ..< 8 { v = v << 8 | UInt64(r.u8(o + i) ?? 0) }
                return v
            }
            let w0 = UInt32(b0) << 24 | UInt32(r.u8(1) ?? 0) << 16 | UInt32(r.u8(2) ?? 0) << 8 | UInt32(r.u8(3) ?? 0)
            let nh = r.u8(6) ?? 0
            let h = IPv6Header(trafficClass: UInt8(truncatingIfNeeded: w0 >> 20), flowLabel: w0 & 0xfffff,
                               payloadLength: r.u16(4) ?? 0, nextHeader: nh, hopLimit: r.u8(7) ?? 0,
                               source: IPv6Address(high: u64(8), low: u64(16)), destination: IPv6Address(high: u64(24), low: u64(32)),
                               extensions: [], upperProtocol: nh, capturedHeaderLength: r.count)
            return stop(.truncated(layer: .ipv6, needed: length, available: r.count), .ipv6(h))
        }

        var h = IPv6Header(trafficClass: UInt8(truncatingIfNeeded: w0 >> 20), flowLabel: w0 & 0xfffff, payloadLength: plen,
                           nextHeader: nh, hopLimit: hops, source: IPv6Address(high: sh, low: sl),
                           destination: IPv6Address(high: dh, low: dl), extensions: [], upperProtocol: nh)
        var claimed = Int(plen)
        var lengthError: DecodeError? = nil
        if plen == 0 && nh != IPProtocol.ipv6NoNext {
            warnings.append("IPv6 payload length 0 (jumbogram or segmentation offload): using the captured length \(r.count - length)")
            claimed = r.count - length
        } else if claimed > r.count - length && !wireCut {
            // Nothing was lost by the capture: the header claims bytes that were never sent.
            lengthError = .malformed(layer: .ipv6, reason: "IPv6 payload length \(claimed) > the \(r.count - length) bytes on the wire after the header (the capture cut nothing)")
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
        func stopInChain(_ e: DecodeError) -> (DecodedLayer, next: NextLayer) {
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
            if kind == .fragment {
                guard let fnh = payload.u8(o), let offm = payload.u16(o + 2), let fid = payload.u32(o + 4) else {
                    return stopInChain(.truncated(layer: .ipv6, needed: length + o + 8, available: r.count))
                }
                h.extensions.append(IPv6Extension(kind: .fragment, nextHeader: fnh, length: 8,
                                                  fragmentOffset: Int(offm >> 3) * 8, moreFragments: offm & 1 != 0, fragmentID: fid))
                next = fnh
                o += 8
            } else {
                guard let enh = payload.u8(o), let elen = payload.u8(o + 1) else {
                    return stopInChain(.truncated(layer: .ipv6, needed: length + o + 2, available: r.count))
                }
                let extLen = (Int(elen) + 1) * 8
                h.extensions.append(IPv6Extension(kind: kind, nextHeader: enh, length: extLen))
                if !payload.has(extLen, at: o) {
                    if o + extLen > claimed {
                        return stopInChain(.malformed(layer: .ipv6, reason: "IPv6 \(kind.rawValue) header length \(extLen) runs past the payload length \(claimed)"))
                    }
                    return stopInChain(.truncated(layer: .ipv6, needed: length + o + extLen, available: r.count))
                }
                next = enh
                o += extLen
            }
        }
        h.upperProtocol = next
        let layer = DecodedLayer(proto: .ipv6, header: .ipv6(h), error: lengthError)
        let upper = payload.suffix(from: o)
        let ctx = TransportContext(pseudo: .v6(h.source, h.destination), claimedLength: max(claimed - o, 0))
        if let f = h.fragment, f.moreFragments || f.fragmentOffset != 0 {
            return (layer, .fragment(next, upper, ctx, first: f.fragmentOffset == 0, cut: length + claimed > r.count))
        }
        return (layer, .ipProtocol(next, upper, ctx))
    }
}
