// The layer driver: link type → link layer → (VLAN tags) → network → transport.

/// What a layer says comes next.
enum NextLayer {
    case etherType(UInt16, ByteReader)
    case ipProtocol(UInt8, ByteReader, TransportContext)
    /// A fragment of a larger datagram (its upper-layer protocol, payload and context). Only the
    /// `first` one (offset 0) starts with a transport header. `cut` when the capture holds less
    /// of it than the IP header claims.
    case fragment(UInt8, ByteReader, TransportContext, first: Bool, cut: Bool)
    /// Bytes of a protocol this decoder does not know.
    case data(ByteReader)
    case stop
}

/// What the transport layer needs from the network layer: the pseudo-header addresses and the
/// payload length the network header claims (which may exceed what was captured).
public struct TransportContext: Sendable {
    public enum Pseudo: Sendable {
        case v4(IPv4Address, IPv4Address)
        case v6(IPv6Address, IPv6Address)
    }
    public var pseudo: Pseudo
    public var claimedLength: Int
    /// False when the dissector was told not to verify transport checksums (they stay
    /// `unverified`).
    public var verifiesChecksum = true
    /// The bytes are the first fragment of a datagram (offset 0, more to come): `claimedLength`
    /// is this fragment's, the transport header's own length fields speak for the whole.
    public var firstFragment = false

    public var isIPv6: Bool {
        if case .v6 = pseudo { return true }
        return false
    }

    func pseudoSum(protocol proto: UInt8, length: Int? = nil) -> UInt64 {
        let len = length ?? claimedLength
        switch pseudo {
        case .v4(let s, let d): return InternetChecksum.pseudoHeader(v4: s, d, protocol: proto, length: len)
        case .v6(let s, let d): return InternetChecksum.pseudoHeader(v6: s, d, protocol: proto, length: len)
        }
    }
}

/// Decodes frames into layers. Keep one per thread and reuse it with `decode(_:linkType:into:)`
/// so the frame's storage is reused from frame to frame.
public struct Dissector {
    /// Stacked VLAN tags and IPv6 extension walks are bounded; so is ICMP quoting (one level).
    static let maximumVLANTags = 8

    /// When false, TCP and UDP checksums are not computed and stay `unverified`: for callers
    /// that never show them (`messages`, `stats`, `follow`), which saves a pass over every
    /// payload. IPv4 header checksums (20 bytes) are still verified.
    public var verifiesTransportChecksums = true

    public init() {}

    /// Decodes `bytes` (one captured frame of `linkType`) into `frame`, which is reset first.
    /// `wireLength` is the frame's length on the wire (the record's `len`): when it equals the
    /// bytes captured, an IP header claiming more is `malformed`, not `truncated`. Unknown (nil)
    /// counts as cut.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int? = nil,
                                into frame: inout DecodedFrame) {
        frame.reset()
        let wireCut = (wireLength ?? Int.max) > bytes.count
        let r = ByteReader(bytes)
        var next: NextLayer
        switch linkType.rawValue {
        case LinkType.ethernet.rawValue:
            next = EthernetHeader.decode(r, into: &frame.layers)
        case LinkType.linuxSLL.rawValue:
            let (l, n) = LinuxSLLHeader.decode(r)
            frame.layers.append(l.at(r))
            next = n
        case LinkType.linuxSLL2.rawValue:
            let (l, n) = LinuxSLL2Header.decode(r)
            frame.layers.append(l.at(r))
            next = n
        case LinkType.null.rawValue, LinkType.loop.rawValue:
            let (l, n) = NullHeader.decode(r, isLoop: linkType == .loop)
            frame.layers.append(l.at(r))
            next = n
        case LinkType.ipv4.rawValue:
            next = .etherType(EtherType.ipv4, r)
        case LinkType.ipv6.rawValue:
            next = .etherType(EtherType.ipv6, r)
        case 12, 14, LinkType.raw.rawValue:
            // The version nibble, where IPv4 and IPv6 both keep it.
            switch r.u8(IPv4Header.Field.versionIHL).map({ $0 >> 4 }) {
            case 4: next = .etherType(EtherType.ipv4, r)
            case 6: next = .etherType(EtherType.ipv6, r)
            case nil: next = .stop
            case let v?:
                frame.layers.append(DecodedLayer(proto: .data, header: .data(length: r.count),
                                                 error: .malformed(layer: .ipv4, reason: .rawIPVersion(v))))
                next = .stop
            }
        default:
            next = .data(r)
        }
        var tags = 0
        var trailer = 0
        while true {
            switch next {
            case .stop:
                frame.trailerLength = trailer
                return
            case .data(let p):
                if p.count > 0 { frame.layers.append(DecodedLayer(proto: .data, header: .data(length: p.count), offset: p.start)) }
                next = .stop
            case .fragment(let proto, let p, var ctx, let first, let cut):
                frame.fragmentRange = p.range
                if first, let t = TransportDecoder(ipProtocol: proto), t.hasPorts {
                    // The transport header the first fragment carries, shown for its ports; its
                    // payload is framed only from the reassembled datagram.
                    ctx.firstFragment = true
                    var ignored: Range<Int>? = nil
                    var l = Self.decodeTransport(t, p, ctx: ctx, quotedAllowed: false, payloadRange: &ignored, frame: &frame)
                    l.firstFragment = true
                    if cut { l.truncated = true }
                    l.offset = p.start
                    frame.layers.append(l)
                } else {
                    frame.layers.append(DecodedLayer(proto: .data, header: .data(length: p.count), truncated: cut, offset: p.start))
                }
                next = .stop
            case .etherType(let type, let p):
                switch NetworkDecoder(etherType: type) {
                case .vlanTag?:
                    tags += 1
                    if tags > Self.maximumVLANTags {
                        frame.layers.append(DecodedLayer(proto: .vlan, header: .none,
                                                         error: .malformed(layer: .vlan, reason: .tooManyVLANTags(limit: Self.maximumVLANTags))))
                        next = .stop
                        continue
                    }
                    let (l, n) = VLANTag.decode(p)
                    frame.layers.append(l.at(p))
                    next = n
                case .ipv4?:
                    next = IPv4Header.decode(p, wireCut: wireCut, into: &frame.layers, warnings: &frame.warnings, trailer: &trailer)
                case .ipv6?:
                    next = IPv6Header.decode(p, wireCut: wireCut, into: &frame.layers, extensions: &frame.ipv6Extensions,
                                             warnings: &frame.warnings, trailer: &trailer)
                case .arp?:
                    let arp = ARPHeader.decode(p).at(p)
                    frame.layers.append(arp)
                    if case .arp(let a) = arp.header, arp.error == nil {
                        // Ethernet pads ARP to 60 bytes: the rest is a trailer, not data.
                        trailer = max(0, p.count - ARPHeader.fixedLength - 2 * (Int(a.hardwareLength) + Int(a.protocolLength)))
                    }
                    next = .stop
                case nil:
                    next = .data(p)
                }
            case .ipProtocol(let proto, let p, var ctx):
                ctx.verifiesChecksum = verifiesTransportChecksums
                if let t = TransportDecoder(ipProtocol: proto) {
                    var range: Range<Int>? = nil
                    var l = Self.decodeTransport(t, p, ctx: ctx, quotedAllowed: true, payloadRange: &range, frame: &frame)
                    l.offset = p.start
                    frame.layers.append(l)
                    frame.payloadRange = range
                } else if proto != IPProtocol.ipv6NoNext && p.count > 0 {
                    frame.layers.append(DecodedLayer(proto: .data, header: .data(length: p.count), offset: p.start))
                }
                next = .stop
            }
        }
    }

    /// Appends the transport layer of an IP datagram reassembled from fragments (its upper-layer
    /// bytes `datagram`, protocol `proto`, addresses for the pseudo-header) to the frame that
    /// completed it, marked with the fragments' frames. The transport payload is kept in
    /// `frame.reassembledPayload`.
    public mutating func appendReassembled(_ datagram: [UInt8], protocol proto: UInt8, pseudo: TransportContext.Pseudo,
                                           frames: [Int], into frame: inout DecodedFrame) {
        datagram.withUnsafeBytes { raw in
            let r = ByteReader(raw)
            let ctx = TransportContext(pseudo: pseudo, claimedLength: raw.count)
            var range: Range<Int>? = nil
            var layer: DecodedLayer
            if let t = TransportDecoder(ipProtocol: proto) {
                layer = Self.decodeTransport(t, r, ctx: ctx, quotedAllowed: true, payloadRange: &range, frame: &frame)
            } else {
                layer = DecodedLayer(proto: .data, header: .data(length: raw.count))
            }
            layer.reassembled = true
            // Offsets of a reassembled layer are not positions in this frame.
            layer.offset = -1
            // The frame was decoded earlier (and may have been copied since).
            frame.layers.appendChecked(layer)
            frame.reassembledFrom = frames
            if let p = range { frame.reassembledPayload = Array(raw[p]) }
        }
    }

    /// Convenience for tests and one-off use: decodes an owned byte array.
    public func decode(_ bytes: [UInt8], linkType: LinkType, wireLength: Int? = nil) -> DecodedFrame {
        var copy = self
        var frame = DecodedFrame()
        bytes.withUnsafeBytes { copy.decode($0, linkType: linkType, wireLength: wireLength, into: &frame) }
        return frame
    }

    /// The datagram quoted by an ICMP error: its IP header and transport header, decoded as far
    /// as the quote goes (usually 8 bytes of transport header), appended to `frame.quoted`;
    /// returns their indices there. No quoting within a quote.
    static func decodeQuoted(_ r: ByteReader, v6: Bool, into frame: inout DecodedFrame) -> Range<Int> {
        if frame.quoted == nil { frame.quoted = [] }
        let start = frame.quoted!.endIndex
        var warnings: [String] = []
        var trailer = 0
        var ignoredRange: Range<Int>? = nil
        // A quote is cut on purpose (the IP header and 8 bytes): what it lacks was cut, not lied about.
        var ip = DecodedLayers()
        let n = v6 ? IPv6Header.decode(r, wireCut: true, into: &ip, extensions: &frame.ipv6Extensions,
                                       warnings: &warnings, trailer: &trailer)
                   : IPv4Header.decode(r, wireCut: true, into: &ip, warnings: &warnings, trailer: &trailer)
        frame.quoted!.append(contentsOf: ip)
        if case .ipProtocol(let proto, let p, let ctx) = n, let t = TransportDecoder(ipProtocol: proto) {
            var l = decodeTransport(t, p, ctx: ctx, quotedAllowed: false, payloadRange: &ignoredRange, frame: &frame)
            l.offset = p.start
            frame.quoted!.append(l)
        }
        return start ..< frame.quoted!.endIndex
    }

    /// Decodes the transport layer `t` (the IP-protocol table's answer) from `p`. `quotedAllowed`:
    /// an ICMP error may decode the datagram it quotes (not within a quote) into `frame.quoted`.
    @inline(__always)
    static func decodeTransport(_ t: TransportDecoder, _ p: ByteReader, ctx: TransportContext, quotedAllowed: Bool,
                                payloadRange: inout Range<Int>?, frame: inout DecodedFrame) -> DecodedLayer {
        switch t {
        case .tcp: return TCPHeader.decode(p, ctx: ctx, payloadRange: &payloadRange)
        case .udp: return UDPHeader.decode(p, ctx: ctx, payloadRange: &payloadRange)
        case .icmp: return ICMPHeader.decode(p, ctx: ctx, v6: false, quotedAllowed: quotedAllowed, frame: &frame)
        case .icmpv6: return ICMPHeader.decode(p, ctx: ctx, v6: true, quotedAllowed: quotedAllowed, frame: &frame)
        }
    }
}

extension DecodedLayer {
    /// The same layer, placed at the start of `r` in the frame.
    func at(_ r: ByteReader) -> DecodedLayer {
        var l = self
        l.offset = r.start
        return l
    }
}
