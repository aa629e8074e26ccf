import Wire

// The printers of layers 2–4: one file per protocol (EthernetPrinter.swift, TCPPrinter.swift, …),
// each with its part of the one-line summary, its OSI tree row and its JSON object, reading a
// cut header's fields only where the header's field table says their bytes were captured
// (`h.has(.ttl)`). This file sends each layer to its protocol's printer and holds what the
// printers share; `OneLine`, `OSITree` and `JSONLines` only loop over the layers.
//
// Adding a protocol: its Wire file (header, field table, decoder, its case in `Proto` and
// `LayerHeader` and in the dissector's EtherType or IP-protocol table), its printer file here,
// and its case in each of the three dispatches below.

enum LayerPrinter {
    /// Writes the part of the one-line summary of the layer at `l` (one of `frame`'s).
    static func oneLine(_ l: UnsafePointer<DecodedLayer>, _ frame: DecodedFrame, _ line: inout OneLineState, _ out: ByteSink) {
        switch l.pointee.header {
        case .eth(let h): EthernetPrinter.oneLine(h, out)
        case .vlan(let t): VLANPrinter.oneLine(t, out)
        case .sll(let h): LinuxSLLPrinter.oneLine(h, out)
        case .sll2(let h): LinuxSLL2Printer.oneLine(h, out)
        case .null(let h): NullLoopbackPrinter.oneLine(h, out)
        case .ipv4(let h): IPv4Printer.oneLine(h, &line, out)
        case .ipv6(let h): IPv6Printer.oneLine(h, &line, out)
        case .arp(let h): ARPPrinter.oneLine(h, &line, out)
        case .icmp(let h): ICMPPrinter.oneLine(h, frame, v6: l.pointee.proto == .icmpv6, &line, out)
        case .tcp(let h): TCPPrinter.oneLine(h, &line, out)
        case .udp(let h): UDPPrinter.oneLine(h, &line, out)
        case .data(let n): DataPrinter.oneLine(n, frame, &line, out)
        case .none: break
        }
    }

    /// Fills the OSI tree row of `l`, one of `frame`'s layers (its headline, detail lines, and
    /// any quoted datagram).
    static func tree(_ l: DecodedLayer, _ frame: DecodedFrame, into row: inout TreeRow) {
        switch l.header {
        case .none: break
        case .data(let n): DataPrinter.tree(n, into: &row)
        case .eth(let h): EthernetPrinter.tree(h, into: &row)
        case .vlan(let t): VLANPrinter.tree(t, into: &row)
        case .sll(let h): LinuxSLLPrinter.tree(h, into: &row)
        case .sll2(let h): LinuxSLL2Printer.tree(h, into: &row)
        case .null(let h): NullLoopbackPrinter.tree(h, into: &row)
        case .ipv4(let h): IPv4Printer.tree(h, into: &row)
        case .ipv6(let h): IPv6Printer.tree(h, frame, into: &row)
        case .arp(let h): ARPPrinter.tree(h, into: &row)
        case .icmp(let h): ICMPPrinter.tree(h, frame, v6: l.proto == .icmpv6, into: &row)
        case .tcp(let h): TCPPrinter.tree(h, l, into: &row)
        case .udp(let h): UDPPrinter.tree(h, l, into: &row)
        }
    }

    /// Writes the JSON members after `"osi"` and `"proto"` of the layer at `l`, one of `frame`'s
    /// (or of its quoted ones). True when the transport payload was cut and the printer said so
    /// (`"truncated"` is then not repeated). The layer is read in place.
    static func json(_ l: UnsafePointer<DecodedLayer>, _ frame: DecodedFrame, into out: ByteSink) -> Bool {
        switch l.pointee.header {
        case .none, .data: return false
        case .eth(let h): EthernetPrinter.json(h, into: out)
        case .vlan(let t): VLANPrinter.json(t, into: out)
        case .sll(let h): LinuxSLLPrinter.json(h, into: out)
        case .sll2(let h): LinuxSLL2Printer.json(h, into: out)
        case .null(let h): NullLoopbackPrinter.json(h, into: out)
        case .ipv4(let h): IPv4Printer.json(h, into: out)
        case .ipv6(let h): IPv6Printer.json(h, frame, into: out)
        case .arp(let h): ARPPrinter.json(h, into: out)
        case .icmp(let h): ICMPPrinter.json(h, frame, into: out)
        case .tcp(let h): return TCPPrinter.json(h, firstFragment: l.pointee.firstFragment, failed: l.pointee.failed, into: out)
        case .udp(let h): return UDPPrinter.json(h, firstFragment: l.pointee.firstFragment, failed: l.pointee.failed, into: out)
        }
        return false
    }
}

/// What the one-line summary carries from layer to layer.
struct OneLineState {
    let style: TextStyle
    /// The network addresses, once a network layer gave them (ports are added by the transport).
    var endpoints: (src: Endpoint, dst: Endpoint)? = nil
    /// A protocol name was written (undecoded data then says nothing more).
    var wroteProto = false
    /// The IP fragment's identification, for a first fragment's transport layer.
    var fragmentID: UInt32? = nil
    /// The frame ends in the transport header of a first fragment (which says it is one).
    let endsInFirstFragment: Bool
    /// The current layer is the last decoded one (nothing but data follows).
    var isLastDecoded = false
    /// The current layer was read from the first fragment of a datagram.
    var isFirstFragment = false

    init(style: TextStyle, endsInFirstFragment: Bool) {
        self.style = style
        self.endsInFirstFragment = endsInFirstFragment
    }

    /// ` name` in the protocol colour.
    func proto(_ name: StaticString, _ out: ByteSink) {
        out.byte(UInt8(ascii: " "))
        style.open(.proto, out)
        out.write(name)
        style.close(out)
    }

    /// ` [text]` in the error colour.
    func flag(_ text: StaticString, _ out: ByteSink) {
        style.open(.error, out)
        out.write(" [")
        out.write(text)
        out.byte(UInt8(ascii: "]"))
        style.close(out)
    }

    /// ` src → dst`, with ports when given.
    func writeEndpoints(_ sp: UInt16?, _ dp: UInt16?, _ out: ByteSink) {
        guard let e = endpoints else { return }
        out.byte(UInt8(ascii: " "))
        e.src.write(port: sp, out)
        out.write(" → ")
        e.dst.write(port: dp, out)
    }

    /// An IP protocol by its name, or its number when it has none.
    func protocolName(_ p: UInt8, _ out: ByteSink) {
        if let n = IPProtocol.name(p) { out.write(n) } else { out.decimal(p) }
    }

    /// ` (first fragment id N)`: the header was read from a fragment, the rest is to come.
    func firstFragment(_ out: ByteSink) {
        out.write(" (first fragment")
        if let id = fragmentID { out.write(" id "); out.decimal(id) }
        out.byte(UInt8(ascii: ")"))
    }
}

/// A network address in the one-line summary.
enum Endpoint {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// `1.2.3.4:80`, `[::1]:80`, or the address alone.
    func write(port: UInt16?, _ out: ByteSink) {
        switch self {
        case .v4(let a):
            out.ipv4(a)
            if let p = port { out.byte(UInt8(ascii: ":")); out.decimal(p) }
        case .v6(let a):
            if let p = port {
                out.byte(UInt8(ascii: "["))
                out.ipv6(a)
                out.write("]:")
                out.decimal(p)
            } else {
                out.ipv6(a)
            }
        }
    }
}

/// One layer's row of the OSI tree.
struct TreeRow {
    var headline: String
    var details: [String] = []
    /// An ICMP error's quoted datagram, shown indented under the row.
    var quoted: [DecodedLayer] = []
}

/// Texts the tree rows share.
enum TreeText {
    static func checksum(_ s: ChecksumStatus) -> String {
        switch s {
        case .partial: return "partial: pseudo-header only, left to offload"
        case .unverified: return "unverified"
        default: return s.rawValue
        }
    }

    static func etherType(_ t: UInt16) -> String {
        if let n = EtherType.name(t) { return "\(n) (\(hex4(t)))" }
        return hex4(t)
    }

    static func ipProtocol(_ p: UInt8) -> String {
        if let n = IPProtocol.name(p) { return "\(p) (\(n))" }
        return "\(p)"
    }

    static func hex4(_ v: UInt16) -> String { hex(UInt64(v), 4) }

    static func hex(_ v: UInt64, _ digits: Int) -> String {
        let s = ByteSink(capacity: 8)
        s.hex(v, digits: digits)
        return s.string
    }

    /// "payload N bytes", and how much of it this frame holds when not all.
    static func payload(_ length: Int, captured: Int, firstFragment: Bool) -> String {
        var p = "payload \(length) bytes"
        if captured < length { p += firstFragment ? " (\(captured) in this fragment)" : " (\(captured) captured)" }
        return p
    }
}
