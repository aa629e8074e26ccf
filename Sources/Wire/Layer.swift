// The decoded frame: a stack of layers in OSI order, as docs/DESIGN.md "Per-frame JSON" lays them out.

/// Protocol of one decoded layer. The raw value is the `proto` name of the JSON schema.
public enum Proto: String, Sendable, Hashable, CaseIterable, BitwiseCopyable {
    case eth, vlan, sll, sll2, null, loop
    case ipv4, ipv6, arp, icmp, icmpv6
    case tcp, udp
    /// Bytes whose protocol framescope does not decode (unknown EtherType / IP protocol).
    case data

    /// OSI layer number, as in docs/DESIGN.md "OSI layers" (ARP and ICMP are shown at layer 3).
    public var osi: Int {
        switch self {
        case .eth, .vlan, .sll, .sll2, .null, .loop: return 2
        case .ipv4, .ipv6, .arp, .icmp, .icmpv6: return 3
        case .tcp, .udp: return 4
        case .data: return 7
        }
    }

    public var displayName: String {
        switch self {
        case .eth: return "Ethernet"
        case .vlan: return "802.1Q VLAN"
        case .sll: return "Linux cooked (SLL)"
        case .sll2: return "Linux cooked v2 (SLL2)"
        case .null: return "BSD loopback"
        case .loop: return "OpenBSD loopback"
        case .ipv4: return "IPv4"
        case .ipv6: return "IPv6"
        case .arp: return "ARP"
        case .icmp: return "ICMP"
        case .icmpv6: return "ICMPv6"
        case .tcp: return "TCP"
        case .udp: return "UDP"
        case .data: return "Data"
        }
    }
}

/// What a checksum check concluded (`checksum_status`, docs/DESIGN.md "Per-frame JSON").
public enum ChecksumStatus: String, Sendable, Hashable, BitwiseCopyable {
    /// The checksum verifies.
    case good
    /// It does not, and it is not the offload pattern either.
    case bad
    /// The field holds only the pseudo-header sum: the sender left the rest to checksum offload,
    /// as Linux loopback does. Not an error.
    case partial
    /// Bytes are missing (snaplen, truncation), or the sender sent no checksum (UDP over IPv4 with 0).
    case unverified
}

/// The header fields of one layer. `.none` when the layer's fixed header was not all there.
/// Plain values only: what a header has of variable length (IPv6 extensions, an ICMP error's
/// quoted datagram) is kept in its `DecodedFrame`, which the header indexes.
public enum LayerHeader: Sendable, Hashable, BitwiseCopyable {
    case none
    case eth(EthernetHeader)
    case vlan(VLANTag)
    case sll(LinuxSLLHeader)
    case sll2(LinuxSLL2Header)
    case null(NullHeader)
    case ipv4(IPv4Header)
    case ipv6(IPv6Header)
    case arp(ARPHeader)
    case icmp(ICMPHeader)
    case tcp(TCPHeader)
    case udp(UDPHeader)
    /// Undecoded bytes: how many were captured.
    case data(length: Int)
}

/// One layer of a decoded frame. Plain bytes (`BitwiseCopyable`): copying a layer, or dropping
/// the frame's layers before the next frame, does no per-layer work.
public struct DecodedLayer: Sendable, Hashable, BitwiseCopyable {
    public var proto: Proto
    public var header: LayerHeader
    /// Why decoding stopped at this layer, if it did.
    public var error: DecodeError?
    /// True when bytes ran out inside this layer (its header, or the payload its length claims).
    public var truncated: Bool = false
    /// Where the layer starts in the captured frame (for hex dumps).
    public var offset: Int = 0
    /// A transport layer decoded from a reassembled IP datagram (the fragments' frames are the
    /// frame's `reassembledFrom`).
    public var reassembled: Bool = false
    /// A transport header read from the first fragment of a datagram (offset 0, more to come):
    /// shown so its ports are known, never fed to reassembly or framing (layers 5–7).
    public var firstFragment: Bool = false

    public var osi: Int { proto.osi }

    /// True when the layer has an error.
    public var failed: Bool { error != nil }
}

extension DecodedLayer {
    // In an extension, so the struct keeps its memberwise initializer, which this one calls.
    public init(proto: Proto, header: LayerHeader, error: DecodeError? = nil, truncated: Bool = false, offset: Int = 0) {
        self.init(proto: proto, header: header, error: error, truncated: truncated, offset: offset, reassembled: false,
                  firstFragment: false)
    }
}

/// A decoded frame: its layers in order, frame-level warnings, and where the transport payload
/// lies in the captured bytes (for reassembly and framing).
public struct DecodedFrame: Sendable, Hashable {
    public var layers: DecodedLayers
    /// Things worth knowing that are not errors ("IPv4 total length 0 (segmentation offload)").
    public var warnings: [String]
    /// Byte range of the TCP/UDP payload inside the captured frame, when one was decoded.
    public var payloadRange: Range<Int>?
    /// Ethernet padding after the network datagram (bytes), never decoded as data.
    public var trailerLength: Int
    /// When this frame completed an IP datagram from fragments: the transport payload of the
    /// whole datagram (`payloadRange` then refers to nothing in this frame).
    public var reassembledPayload: [UInt8]?
    /// When this frame completed an IP datagram from fragments: the fragments' frames (the
    /// layer decoded from the datagram is marked `reassembled`).
    public var reassembledFrom: [Int]?
    /// When the frame is an IP fragment: where its fragment data (the bytes after the IP headers)
    /// lies in the captured frame, for defragmentation.
    public var fragmentRange: Range<Int>?
    /// The layers of the datagrams ICMP errors quote; each `ICMPHeader.quoted` is a range of it.
    /// Nil when there are none, as in most frames: copying a frame then counts no reference.
    public var quoted: [DecodedLayer]?
    /// The extension headers of the frame's IPv6 headers (quoted ones included); each
    /// `IPv6Header.extensions` is a range of it. Nil when there are none.
    public var ipv6Extensions: [IPv6Extension]?

    public init() {
        layers = DecodedLayers()
        warnings = []
        payloadRange = nil
        trailerLength = 0
        reassembledPayload = nil
        reassembledFrom = nil
        fragmentRange = nil
        quoted = nil
        ipv6Extensions = nil
    }

    // Inlined into the dissector, which calls it on every frame.
    @inline(__always)
    public mutating func reset() {
        // Plain-byte layers: dropping them sets their count to zero.
        layers.removeAll()
        if !warnings.isEmpty { warnings.removeAll(keepingCapacity: true) }
        if quoted != nil { quoted = nil }
        if ipv6Extensions != nil { ipv6Extensions = nil }
        payloadRange = nil
        trailerLength = 0
        if reassembledPayload != nil { reassembledPayload = nil }
        if reassembledFrom != nil { reassembledFrom = nil }
        fragmentRange = nil
    }

    /// The layers of the datagram the ICMP error `h` (one of this frame's headers) quotes.
    public func quoted(by h: ICMPHeader) -> ArraySlice<DecodedLayer> { quoted?[h.quoted] ?? [] }

    /// The extension headers of `h` (one of this frame's IPv6 headers), in order.
    public func extensions(of h: IPv6Header) -> ArraySlice<IPv6Extension> { ipv6Extensions?[h.extensions] ?? [] }

    /// The first error of the frame (decoding stopped there, or went on past a bad option).
    public var error: DecodeError? { layers.first(where: { $0.error != nil })?.error }

    public func first(_ proto: Proto) -> DecodedLayer? { layers.first { $0.proto == proto } }
}

/// Layer 1 facts about a frame (the "physical" layer of the OSI view).
public struct FrameInfo: Sendable, Hashable {
    /// 1-based frame number in the capture.
    public var number: Int
    public var timestamp: Timestamp
    public var capturedLength: Int
    public var wireLength: Int
    public var linkType: LinkType
    public var interfaceIndex: Int

    public init(number: Int, timestamp: Timestamp, capturedLength: Int, wireLength: Int, linkType: LinkType, interfaceIndex: Int = 0) {
        self.number = number
        self.timestamp = timestamp
        self.capturedLength = capturedLength
        self.wireLength = wireLength
        self.linkType = linkType
        self.interfaceIndex = interfaceIndex
    }
}
