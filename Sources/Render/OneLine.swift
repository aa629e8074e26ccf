import Inspect
import Wire

// The default output: one line a frame, like tcpdump/tshark, most specific facts last:
//
//   12 05:16:36.000145 loopback 127.0.0.1:45168 → 127.0.0.1:9000 TCP [PSH, ACK] seq 3889438228 ack 3023953418 win 512 len 5
//
// Time is UTC (`HH:MM:SS` and the source's fraction digits), computed without a time-zone file.
// Truncated layers end with `[truncated: …]`, malformed ones with `[malformed: …]`.

public enum OneLine {
    public static func render(_ info: FrameInfo, _ frame: DecodedFrame, view: FrameView? = nil, style: TextStyle = .plain,
                              words: FrameWords = .english, into out: ByteSink) {
        out.decimal(info.number)
        out.byte(UInt8(ascii: " "))
        out.clock(info.timestamp)
        var endpoints: (src: Endpoint, dst: Endpoint)? = nil
        var wroteProto = false
        // The IP layer's summary is written only when nothing decodes after it (or it is a
        // fragment whose transport header is not shown); a first fragment's header says so itself.
        // By index (a layer copied out of the array costs retains of its texts and arrays).
        var lastDecoded = frame.layers.count - 1
        while lastDecoded >= 0 && frame.layers[lastDecoded].proto == .data { lastDecoded -= 1 }
        let endsInFirstFragment = !frame.layers.isEmpty && frame.layers[frame.layers.count - 1].firstFragment
        var deferredErrors = false
        var fragmentID: UInt32? = nil
        // By index: copying each layer (its error text, its header's arrays) cost more than
        // rendering it.
        for li in frame.layers.indices {
            switch frame.layers[li].header {
            case .eth(let h):
                if h.isLoopback {
                    out.write(" loopback")
                } else {
                    out.byte(UInt8(ascii: " "))
                    out.hardwareAddress(h.source)
                    out.write(" → ")
                    out.hardwareAddress(h.destination)
                }
            case .vlan(let t):
                out.write(" vlan ")
                out.decimal(t.id)
            case .sll(let h):
                out.write(" sll ")
                out.write(packetTypeName(Int(h.packetType)))
            case .sll2(let h):
                out.write(" sll2 if")
                out.decimal(h.interfaceIndex)
                out.byte(UInt8(ascii: " "))
                out.write(packetTypeName(Int(h.packetType)))
            case .null(let h):
                out.write(h.isLoop ? " loop af " as StaticString : " null af ")
                out.decimal(h.family)
            case .ipv4(let h):
                endpoints = h.has(12, 8) ? (.v4(h.source), .v4(h.destination)) : nil
                if h.isFragment { fragmentID = UInt32(h.identification) }
                if li == lastDecoded || (h.isFragment && !endsInFirstFragment) {
                    if let e = endpoints { writeEndpoints(e, nil, nil, out) }
                    proto("IPv4", style, out)
                    wroteProto = true
                    if h.isFragment {
                        out.write(" fragment id ")
                        out.decimal(h.identification)
                        out.write(" offset ")
                        out.decimal(h.fragmentOffset)
                        if h.moreFragments { out.write(" MF") }
                    }
                    if h.has(9, 1) {
                        out.write(" proto ")
                        protocolName(h.protocolNumber, out)
                    }
                    if h.has(2, 2) {
                        out.write(" len ")
                        out.decimal(Int(h.totalLength) - h.headerLength)
                    }
                }
                if h.checksumStatus == .bad { flag("bad IPv4 checksum", style, out) }
            case .ipv6(let h):
                endpoints = h.has(8, 32) ? (.v6(h.source), .v6(h.destination)) : nil
                if let f = h.fragment { fragmentID = f.fragmentID }
                if li == lastDecoded || (h.fragment != nil && !endsInFirstFragment) {
                    if let e = endpoints { writeEndpoints(e, nil, nil, out) }
                    proto("IPv6", style, out)
                    wroteProto = true
                    if let f = h.fragment {
                        out.write(" fragment id ")
                        out.decimal(f.fragmentID)
                        out.write(" offset ")
                        out.decimal(f.fragmentOffset)
                        if f.moreFragments { out.write(" MF") }
                    }
                    if h.has(6, 1) {
                        out.write(" proto ")
                        protocolName(h.upperProtocol, out)
                    }
                    if h.has(4, 2) {
                        out.write(" len ")
                        out.decimal(h.payloadLength)
                    }
                }
            case .arp(let h):
                proto("ARP", style, out)
                wroteProto = true
                if let sip = h.senderIP, let tip = h.targetIP {
                    if h.opcode == 1 {
                        out.write(" who-has ")
                        out.ipv4(tip)
                        out.write(" tell ")
                        out.ipv4(sip)
                    } else if h.opcode == 2, let mac = h.senderMAC {
                        out.byte(UInt8(ascii: " "))
                        out.ipv4(sip)
                        out.write(" is-at ")
                        out.hardwareAddress(mac)
                    } else {
                        out.write(" opcode ")
                        out.decimal(h.opcode)
                    }
                } else {
                    out.write(" opcode ")
                    out.decimal(h.opcode)
                }
            case .icmp(let h):
                if let e = endpoints { writeEndpoints(e, nil, nil, out) }
                let v6 = frame.layers[li].proto == .icmpv6
                proto(v6 ? "ICMPv6" : "ICMP", style, out)
                wroteProto = true
                out.byte(UInt8(ascii: " "))
                if h.has(1, 1) {
                    out.write(v6 ? ICMPHeader.typeNameV6(h.type, code: h.code) : ICMPHeader.typeNameV4(h.type, code: h.code))
                } else {
                    out.write("type ")
                    out.decimal(h.type)
                }
                if let id = h.identifier, let seq = h.sequence {
                    out.write(" id ")
                    out.decimal(id)
                    out.write(" seq ")
                    out.decimal(seq)
                }
                if let q = quotedSummary(h.quoted) { out.write(" for "); out.write(q) }
                out.write(" len ")
                out.decimal(h.messageLength)
                if h.checksumStatus == .bad { flag("bad checksum", style, out) }
            case .tcp(let h):
                if let e = endpoints { writeEndpoints(e, h.sourcePort, h.has(2, 2) ? h.destinationPort : nil, out) }
                proto("TCP", style, out)
                wroteProto = true
                guard h.capturedHeaderLength >= 20 else { break }
                out.write(" [")
                var first = true
                for (f, name) in TCPFlags.literalNames where h.flags.contains(f) {
                    if !first { out.write(", ") }
                    first = false
                    out.write(name)
                }
                out.write("] seq ")
                out.decimal(h.sequence)
                if h.flags.contains(.ack) {
                    out.write(" ack ")
                    out.decimal(h.acknowledgment)
                }
                out.write(" win ")
                out.decimal(h.window)
                out.write(" len ")
                out.decimal(h.payloadLength)
                if !h.options.isEmpty {
                    out.write(" <")
                    tcpOptions(h.options, out)
                    out.byte(UInt8(ascii: ">"))
                }
                if h.checksumStatus == .bad { flag("bad checksum", style, out) }
                if frame.layers[li].firstFragment { firstFragment(fragmentID, out) }
            case .udp(let h):
                if let e = endpoints { writeEndpoints(e, h.sourcePort, h.has(2, 2) ? h.destinationPort : nil, out) }
                proto("UDP", style, out)
                guard h.has(2, 6) else { break }
                wroteProto = true
                out.write(" len ")
                out.decimal(h.payloadLength)
                if h.checksumStatus == .bad { flag("bad checksum", style, out) }
                if frame.layers[li].firstFragment { firstFragment(fragmentID, out) }
            case .data(let n):
                if !wroteProto {
                    if let e = endpoints { writeEndpoints(e, nil, nil, out) }
                    out.write(" data ")
                    out.decimal(n)
                    out.write(" bytes")
                    if case .eth(let h)? = frame.layers.first?.header, frame.layers.count == 2 {
                        out.write(" ethertype ")
                        out.hex(UInt64(h.etherType), digits: 4)
                        if let name = EtherType.name(h.etherType) { out.write(" ("); out.write(name); out.write(")") }
                    }
                }
            case .none:
                break
            }
            // A layer whose error did not stop decoding (a bad option, a length past the frame)
            // has its error said after the layers that follow it.
            if frame.layers[li].error != nil {
                if li >= lastDecoded { layerError(frame.layers[li].error!, style, out) } else { deferredErrors = true }
            }
        }
        if deferredErrors {
            for li in frame.layers.indices where li < lastDecoded {
                if let e = frame.layers[li].error { layerError(e, style, out) }
            }
        }
        for w in frame.warnings {
            style.open(.warning, out)
            out.write(" [")
            out.write(w)
            out.byte(UInt8(ascii: "]"))
            style.close(out)
        }
        if let v = view { UpperLayers.summary(v, style: style, words: words, into: out) }
        out.byte(UInt8(ascii: "\n"))
    }

    static func layerError(_ e: DecodeError, _ style: TextStyle, _ out: ByteSink) {
        style.open(.error, out)
        out.write(e.isTruncation ? " [truncated: " as StaticString : " [malformed: ")
        out.write(e.description)
        out.byte(UInt8(ascii: "]"))
        style.close(out)
    }

    /// ` (first fragment id N)`: the header was read from a fragment, the rest is to come.
    static func firstFragment(_ id: UInt32?, _ out: ByteSink) {
        out.write(" (first fragment")
        if let id { out.write(" id "); out.decimal(id) }
        out.byte(UInt8(ascii: ")"))
    }

    enum Endpoint {
        case v4(IPv4Address)
        case v6(IPv6Address)
    }

    static func writeEndpoint(_ e: Endpoint, _ port: UInt16?, _ out: ByteSink) {
        switch e {
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

    static func writeEndpoints(_ e: (src: Endpoint, dst: Endpoint), _ sp: UInt16?, _ dp: UInt16?, _ out: ByteSink) {
        out.byte(UInt8(ascii: " "))
        writeEndpoint(e.src, sp, out)
        out.write(" → ")
        writeEndpoint(e.dst, dp, out)
    }

    static func proto(_ name: StaticString, _ style: TextStyle, _ out: ByteSink) {
        out.byte(UInt8(ascii: " "))
        style.open(.proto, out)
        out.write(name)
        style.close(out)
    }

    static func flag(_ text: StaticString, _ style: TextStyle, _ out: ByteSink) {
        style.open(.error, out)
        out.write(" [")
        out.write(text)
        out.byte(UInt8(ascii: "]"))
        style.close(out)
    }

    static func protocolName(_ p: UInt8, _ out: ByteSink) {
        if let n = IPProtocol.name(p) { out.write(n) } else { out.decimal(p) }
    }

    static func packetTypeName(_ t: Int) -> String {
        switch t {
        case 0: return "in"
        case 1: return "broadcast"
        case 2: return "multicast"
        case 3: return "other-host"
        case 4: return "out"
        default: return "type \(t)"
        }
    }

    static func tcpOptions(_ options: TCPOptions, _ out: ByteSink) {
        for (i, o) in options.enumerated() {
            if i > 0 { out.byte(UInt8(ascii: ",")) }
            switch o {
            case .maximumSegmentSize(let v): out.write("MSS "); out.decimal(v)
            case .windowScale(let v): out.write("WS "); out.decimal(v)
            case .timestamp(let v, let e):
                out.write("TS ")
                out.decimal(v)
                out.byte(UInt8(ascii: "/"))
                out.decimal(e)
            case .sack(let blocks):
                out.write("SACK")
                for b in blocks {
                    out.byte(UInt8(ascii: " "))
                    out.decimal(b.left)
                    out.byte(UInt8(ascii: "-"))
                    out.decimal(b.right)
                }
            case .cut(let kind):
                out.write(TCPOption.name(ofKind: kind))
                out.write(" [cut]")
            case .badLength(let kind, let len):
                out.write(TCPOption.name(ofKind: kind))
                out.write(" [len ")
                out.decimal(len)
                out.byte(UInt8(ascii: "]"))
            case .unknown(let kind, let len):
                out.write("kind:")
                out.decimal(kind)
                out.write(" len ")
                out.decimal(len)
            case .noOperation: out.write("NOP")
            case .endOfList: out.write("EOL")
            case .sackPermitted: out.write("SACK_PERM")
            }
        }
    }

    /// "TCP 127.0.0.1:5 → 127.0.0.1:9" for the datagram an ICMP error quotes.
    static func quotedSummary(_ layers: [DecodedLayer]) -> String? {
        var src = "", dst = ""
        var result: String? = nil
        for l in layers {
            switch l.header {
            case .ipv4(let h): src = h.source.description; dst = h.destination.description; result = "IPv4 \(src) → \(dst)"
            case .ipv6(let h): src = "[\(h.source)]"; dst = "[\(h.destination)]"; result = "IPv6 \(h.source) → \(h.destination)"
            case .tcp(let h): result = "TCP \(src):\(h.sourcePort) → \(dst):\(h.destinationPort)"
            case .udp(let h): result = "UDP \(src):\(h.sourcePort) → \(dst):\(h.destinationPort)"
            default: break
            }
        }
        return result
    }
}
