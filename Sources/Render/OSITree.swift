import Inspect
import Wire

// `-V`: every frame as a stack of OSI layers, layer 1 (the frame itself) to layer 4 and the
// payload. Each layer line names its OSI number; its fields follow, indented.
//
//   Frame 4 ─ 71 bytes on wire, 71 captured
//   L1 physical   2026-11-27T05:16:36.000145Z, 71 bytes on wire (568 bits), 71 captured, link type EN10MB, interface 0
//   L2 data link  Ethernet II (loopback: zero MACs) 00:00:00:00:00:00 → 00:00:00:00:00:00, type IPv4 (0x0800)
//   L3 network    IPv4 127.0.0.1 → 127.0.0.1
//                   version 4, header length 20, DSCP 0, ECN 0, total length 57, id 1234, flags DF, offset 0
//   …

public enum OSITree {
    public static func render(_ info: FrameInfo, _ frame: DecodedFrame, payload: UnsafeRawBufferPointer? = nil,
                              view: FrameView? = nil, style: TextStyle = .plain, words: FrameWords = .english, into out: ByteSink) {
        style.open(.proto, out)
        out.write("Frame \(info.number)")
        style.close(out)
        out.write(": \(info.wireLength) bytes on wire, \(info.capturedLength) captured\n")
        var line = "\(rfc3339(info.timestamp)), \(info.wireLength) bytes on wire (\(info.wireLength * 8) bits), \(info.capturedLength) captured"
        if info.capturedLength < info.wireLength { line += " (cut by snaplen)" }
        line += ", link type \(info.linkType.name) (\(info.linkType.rawValue)), interface \(info.interfaceIndex)"
        row(1, "physical", line, [], style, out)
        for l in frame.layers {
            layer(l, style: style, indent: "", into: out)
        }
        if let v = view {
            for r in UpperLayers.tree(v, words: words) { row(r.osi, r.name, r.headline, r.details, style, out) }
        }
        if let r = frame.payloadRange, let bytes = payload, r.count > 0, r.upperBound <= bytes.count {
            let slice = UnsafeRawBufferPointer(rebasing: bytes[r])
            row(7, "payload", "\(r.count) bytes: \(preview(slice))", [], style, out)
        }
        if frame.trailerLength > 0 {
            out.write("   trailer      \(frame.trailerLength) bytes of link-layer padding (not data)\n")
        }
        for w in frame.warnings {
            style.open(.warning, out)
            out.write("   warning      \(w)\n")
            style.close(out)
        }
    }

    static let osiNames = [1: "physical", 2: "data link", 3: "network", 4: "transport", 5: "session", 6: "presentation", 7: "application"]

    static func row(_ osi: Int, _ name: String, _ headline: String, _ details: [String], _ style: TextStyle,
                    _ out: ByteSink, indent: String = "") {
        let label = "L\(osi) \(name)"
        out.write(indent)
        style.open(.dim, out)
        out.write(label.padding(to: 14))
        style.close(out)
        out.write(headline)
        out.byte(UInt8(ascii: "\n"))
        for d in details {
            out.write(indent)
            out.write("                ")
            out.write(d)
            out.byte(UInt8(ascii: "\n"))
        }
    }

    static func layer(_ l: DecodedLayer, style: TextStyle, indent: String, into out: ByteSink) {
        let name = osiNames[l.osi] ?? "layer \(l.osi)"
        var headline = l.proto.displayName
        var details: [String] = []
        var quoted: [DecodedLayer] = []
        switch l.header {
        case .none:
            break
        case .data(let n):
            headline = "Data, \(n) bytes (protocol not decoded)"
        case .eth(let h):
            headline = "Ethernet II\(h.isLoopback ? " (loopback: zero MACs)" : "") \(h.source) → \(h.destination), type \(etherTypeText(h.etherType))"
        case .vlan(let t):
            headline = "802.1Q VLAN id \(t.id), priority \(t.priority), DEI \(t.dropEligible ? 1 : 0), type \(etherTypeText(t.etherType))"
        case .sll(let h):
            headline = "Linux cooked (SLL) \(OneLine.packetTypeName(Int(h.packetType))), ARPHRD \(h.arphrdType), source \(h.source), protocol \(etherTypeText(h.protocolType))"
        case .sll2(let h):
            headline = "Linux cooked v2 (SLL2) interface \(h.interfaceIndex), \(OneLine.packetTypeName(Int(h.packetType))), ARPHRD \(h.arphrdType), source \(h.source), protocol \(etherTypeText(h.protocolType))"
        case .null(let h):
            let fam = h.family == 2 ? "IPv4" : NullHeader.isIPv6Family(h.family) ? "IPv6" : "unknown"
            headline = "\(h.isLoop ? "OpenBSD loopback (LOOP)" : "BSD loopback (NULL)"), address family \(h.family) (\(fam))"
        case .ipv4(let h):
            if h.capturedHeaderLength < IPv4Header.minimumLength {
                // Cut by the capture: the fields whose bytes are there.
                var f = ["version \(h.version)", "header length \(h.headerLength)"]
                if h.has(1, 1) { f.append("DSCP \(h.dscp), ECN \(h.ecn)") }
                if h.has(2, 2) { f.append("total length \(h.totalLength)") }
                if h.has(4, 2) { f.append("id \(h.identification)") }
                if h.has(6, 2) { f.append("flags \(ipv4Flags(h)), fragment offset \(h.fragmentOffset)") }
                if h.has(8, 1) { f.append("TTL \(h.ttl)") }
                if h.has(9, 1) { f.append("protocol \(protoText(h.protocolNumber))") }
                if h.has(10, 2) { f.append("header checksum \(hex4(h.checksum))") }
                if h.has(12, 4) { f.append("source \(h.source)") }
                details.append(f.joined(separator: ", ") + " (only \(h.capturedHeaderLength) header bytes captured)")
                break
            }
            headline = "IPv4 \(h.source) → \(h.destination)"
            details.append("version \(h.version), header length \(h.headerLength), DSCP \(h.dscp), ECN \(h.ecn), total length \(h.totalLength), id \(h.identification)")
            details.append("flags \(ipv4Flags(h)), fragment offset \(h.fragmentOffset), TTL \(h.ttl), protocol \(protoText(h.protocolNumber))")
            details.append("header checksum \(hex4(h.checksum)) (\(h.checksumStatus.rawValue))")
            if !h.options.isEmpty { details.append("options \(h.options.map(IPv4Header.optionName).joined(separator: ", "))") }
        case .ipv6(let h):
            if h.capturedHeaderLength < IPv6Header.length {
                var f: [String] = []
                if h.has(0, 2) { f.append("traffic class \(h.trafficClass)") }
                if h.has(1, 3) { f.append("flow label \(hex(UInt64(h.flowLabel), 5))") }
                if h.has(4, 2) { f.append("payload length \(h.payloadLength)") }
                if h.has(6, 1) { f.append("next header \(protoText(h.nextHeader))") }
                if h.has(7, 1) { f.append("hop limit \(h.hopLimit)") }
                if h.has(8, 16) { f.append("source \(h.source)") }
                details.append((f.isEmpty ? "version 6" : f.joined(separator: ", ")) + " (only \(h.capturedHeaderLength) header bytes captured)")
                break
            }
            headline = "IPv6 \(h.source) → \(h.destination)"
            details.append("traffic class \(h.trafficClass), flow label \(hex(UInt64(h.flowLabel), 5)), payload length \(h.payloadLength), next header \(protoText(h.nextHeader)), hop limit \(h.hopLimit)")
            for e in h.extensions {
                var t = "extension \(e.kind.rawValue), \(e.length) bytes, next header \(protoText(e.nextHeader))"
                if e.kind == .fragment { t += ", offset \(e.fragmentOffset), \(e.moreFragments ? "more fragments" : "last fragment"), id \(e.fragmentID)" }
                details.append(t)
            }
            if !h.extensions.isEmpty { details.append("upper-layer protocol \(protoText(h.upperProtocol))") }
        case .arp(let h):
            headline = "ARP \(h.opcode == 1 ? "request" : h.opcode == 2 ? "reply" : "opcode \(h.opcode)")"
            details.append("hardware type \(h.hardwareType), protocol type \(hex4(h.protocolType)), sizes \(h.hardwareLength)/\(h.protocolLength)")
            let sender = [h.senderMAC.map { "\($0)" }, h.senderIP.map { "\($0)" }].compactMap { $0 }.joined(separator: " ")
            let target = [h.targetMAC.map { "\($0)" }, h.targetIP.map { "\($0)" }].compactMap { $0 }.joined(separator: " ")
            if !sender.isEmpty || !target.isEmpty {
                details.append("sender \(sender.isEmpty ? "(not captured)" : sender), target \(target.isEmpty ? "(not captured)" : target)")
            }
        case .icmp(let h):
            let v6 = l.proto == .icmpv6
            headline = "\(v6 ? "ICMPv6" : "ICMP") \(v6 ? ICMPHeader.typeNameV6(h.type, code: h.code) : ICMPHeader.typeNameV4(h.type, code: h.code))"
            if !h.has(1, 3) {
                headline = "\(v6 ? "ICMPv6" : "ICMP") type \(h.type)"
                details.append("type \(h.type)\(h.has(1, 1) ? ", code \(h.code)" : "") (only \(h.capturedHeaderLength) header bytes captured)")
                break
            }
            var d = "type \(h.type), code \(h.code), checksum \(hex4(h.checksum)) (\(h.checksumStatus.rawValue))"
            if let id = h.identifier, let seq = h.sequence { d += ", id \(id), seq \(seq)" }
            details.append(d)
            quoted = h.quoted
        case .tcp(let h):
            headline = h.has(2, 2) ? "TCP port \(h.sourcePort) → \(h.destinationPort)" : "TCP source port \(h.sourcePort)"
            if h.capturedHeaderLength >= 20 {
                let flags = TCPFlags.names.filter { h.flags.contains($0.0) }.map(\.1)
                details.append("seq \(h.sequence), ack \(h.acknowledgment), header length \(h.headerLength), flags [\(flags.joined(separator: ", "))], window \(h.window)")
                details.append("checksum \(hex4(h.checksum)) (\(checksumText(h.checksumStatus))), urgent pointer \(h.urgentPointer)")
                if !h.options.isEmpty {
                    let o = ByteSink(capacity: 64)
                    OneLine.tcpOptions(h.options, o)
                    details.append("options \(o.string)")
                }
                var p = "payload \(h.payloadLength) bytes"
                if h.capturedPayloadLength < h.payloadLength { p += l.firstFragment ? " (\(h.capturedPayloadLength) in this fragment)" : " (\(h.capturedPayloadLength) captured)" }
                details.append(p)
            } else {
                // Cut by the capture (or an ICMP quote of 8 bytes): the fields whose bytes are there.
                var f: [String] = []
                if h.has(4, 4) { f.append("seq \(h.sequence)") }
                if h.has(8, 4) { f.append("ack \(h.acknowledgment)") }
                if h.has(12, 1) { f.append("header length \(h.headerLength)") }
                if h.has(13, 1) { f.append("flags [\(TCPFlags.names.filter { h.flags.contains($0.0) }.map(\.1).joined(separator: ", "))]") }
                if h.has(14, 2) { f.append("window \(h.window)") }
                if h.has(16, 2) { f.append("checksum \(hex4(h.checksum))") }
                details.append(f.joined(separator: ", ") + "\(f.isEmpty ? "" : " ")(only \(h.capturedHeaderLength) header bytes captured)")
            }
        case .udp(let h):
            guard h.has(2, 6) else {
                headline = h.has(2, 2) ? "UDP port \(h.sourcePort) → \(h.destinationPort)" : "UDP source port \(h.sourcePort)"
                if h.has(4, 2) { details.append("length \(h.length) (only \(h.capturedHeaderLength) header bytes captured)") }
                break
            }
            headline = "UDP port \(h.sourcePort) → \(h.destinationPort)"
            var p = "length \(h.length), checksum \(hex4(h.checksum)) (\(checksumText(h.checksumStatus))), payload \(h.payloadLength) bytes"
            if h.capturedPayloadLength < h.payloadLength { p += l.firstFragment ? " (\(h.capturedPayloadLength) in this fragment)" : " (\(h.capturedPayloadLength) captured)" }
            details.append(p)
        }
        if l.firstFragment { details.append("read from the first fragment of a datagram: the rest is in later fragments, and the datagram's own layer 4 comes with the frame that completes it") }
        if l.truncated && l.error == nil { details.append("(not all captured)") }
        row(l.osi, name, headline, details, style, out, indent: indent)
        if let e = l.error {
            out.write(indent)
            style.open(.error, out)
            out.write("                \(e.isTruncation ? "truncated" : "malformed"): \(e.description)\n")
            style.close(out)
        }
        if !quoted.isEmpty {
            out.write(indent + "                quoted datagram:\n")
            for q in quoted { layer(q, style: style, indent: indent + "                  ", into: out) }
        }
    }

    static func ipv4Flags(_ h: IPv4Header) -> String {
        var flags: [String] = []
        if h.reservedFlag { flags.append("reserved") }
        if h.dontFragment { flags.append("DF") }
        if h.moreFragments { flags.append("MF") }
        return flags.isEmpty ? "none" : flags.joined(separator: ", ")
    }

    static func checksumText(_ s: ChecksumStatus) -> String {
        switch s {
        case .partial: return "partial: pseudo-header only, left to offload"
        case .unverified: return "unverified"
        default: return s.rawValue
        }
    }

    static func etherTypeText(_ t: UInt16) -> String {
        if let n = EtherType.name(t) { return "\(n) (\(hex4(t)))" }
        return hex4(t)
    }

    static func protoText(_ p: UInt8) -> String {
        if let n = IPProtocol.name(p) { return "\(p) (\(n))" }
        return "\(p)"
    }

    static func hex4(_ v: UInt16) -> String { hex(UInt64(v), 4) }

    static func hex(_ v: UInt64, _ digits: Int) -> String {
        let s = ByteSink(capacity: 8)
        s.hex(v, digits: digits)
        return s.string
    }

    static func rfc3339(_ t: Timestamp) -> String {
        let s = ByteSink(capacity: 32)
        s.rfc3339(t)
        return s.string
    }

    /// Up to 48 bytes of payload as text, non-printables escaped.
    static func preview(_ bytes: UnsafeRawBufferPointer) -> String {
        var s = "\""
        for b in bytes.prefix(48) {
            switch b {
            case 0x0a: s += "\\n"
            case 0x0d: s += "\\r"
            case 0x09: s += "\\t"
            case 0x22: s += "\\\""
            case 0x5c: s += "\\\\"
            case 0x20 ..< 0x7f: s.unicodeScalars.append(Unicode.Scalar(b))
            default: s += "\\x" + OSITree.hex(UInt64(b), 2).dropFirst(2)
            }
        }
        s += bytes.count > 48 ? "\"…" : "\""
        return s
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
