import Inspect
import Wire

// `--json`: one object a frame, exactly docs/DESIGN.md "Per-frame JSON". Absent facts are omitted, never null;
// numbers are numbers; layer objects appear in OSI order; a truncated or malformed layer still
// appears with "error" (and "truncated": true when bytes ran out). `data` layers (bytes of an
// unknown protocol) are not part of the schema and are left out.

public enum JSONLines {
    /// Appends one frame's JSON object and a newline.
    public static func render(_ info: FrameInfo, _ frame: DecodedFrame, view: FrameView? = nil, into out: ByteSink) {
        out.write("{\"frame\":")
        out.decimal(info.number)
        out.write(",\"time\":\"")
        out.rfc3339(info.timestamp)
        out.write("\",\"caplen\":")
        out.decimal(info.capturedLength)
        out.write(",\"len\":")
        out.decimal(info.wireLength)
        out.write(",\"linktype\":")
        out.jsonString(info.linkType.name)
        out.write(",\"layers\":[")
        let wrote = layers(frame.layers, into: out)
        if let v = view {
            if !wrote { out.write("{\"osi\":1,\"proto\":\"frame\"}") }  // keeps the list valid; never happens with TCP/UDP
            UpperLayers.json(v, into: out)
        }
        out.write("],\"warnings\":[")
        for (i, w) in frame.warnings.enumerated() {
            if i > 0 { out.byte(UInt8(ascii: ",")) }
            out.jsonString(w)
        }
        out.write("]}\n")
    }

    @discardableResult
    static func layers(_ layers: [DecodedLayer], into out: ByteSink) -> Bool {
        var first = true
        for l in layers where l.proto != .data {
            if !first { out.byte(UInt8(ascii: ",")) }
            first = false
            layer(l, into: out)
        }
        return !first
    }

    static func layer(_ l: DecodedLayer, into out: ByteSink) {
        out.write("{\"osi\":")
        out.decimal(l.osi)
        out.write(",\"proto\":\"")
        out.write(l.proto.rawValue)
        out.byte(UInt8(ascii: "\""))
        var payloadTruncated = false
        switch l.header {
        case .none, .data:
            break
        case .eth(let h):
            out.write(",\"src\":\"")
            out.hardwareAddress(h.source)
            out.write("\",\"dst\":\"")
            out.hardwareAddress(h.destination)
            out.write("\",\"ethertype\":")
            out.decimal(h.etherType)
        case .vlan(let t):
            out.write(",\"id\":")
            out.decimal(t.id)
            out.write(",\"pcp\":")
            out.decimal(t.priority)
            out.write(",\"dei\":")
            out.decimal(t.dropEligible ? 1 : 0)
            out.write(",\"ethertype\":")
            out.decimal(t.etherType)
        case .sll(let h):
            cooked(packetType: Int(h.packetType), arphrd: h.arphrdType, source: h.source, protocolType: h.protocolType, into: out)
        case .sll2(let h):
            cooked(packetType: Int(h.packetType), arphrd: h.arphrdType, source: h.source, protocolType: h.protocolType, into: out)
            out.write(",\"ifindex\":")
            out.decimal(h.interfaceIndex)
        case .null(let h):
            out.write(",\"family\":")
            out.decimal(h.family)
        case .ipv4(let h):
            // A header cut by the capture shows the fields whose bytes are there.
            out.write(",\"version\":")
            out.decimal(h.version)
            out.write(",\"header_length\":")
            out.decimal(h.headerLength)
            if h.has(1, 1) {
                out.write(",\"dscp\":")
                out.decimal(h.dscp)
                out.write(",\"ecn\":")
                out.decimal(h.ecn)
            }
            if h.has(2, 2) {
                out.write(",\"total_length\":")
                out.decimal(h.totalLength)
            }
            if h.has(4, 2) {
                out.write(",\"id\":")
                out.decimal(h.identification)
            }
            if h.has(6, 2) {
                out.write(",\"flags\":[")
                if h.dontFragment { out.write("\"DF\"") }
                if h.moreFragments { out.write(h.dontFragment ? ",\"MF\"" as StaticString : "\"MF\"") }
                out.write("],\"frag_offset\":")
                out.decimal(h.fragmentOffset)
            }
            if h.has(8, 1) {
                out.write(",\"ttl\":")
                out.decimal(h.ttl)
            }
            if h.has(9, 1) {
                out.write(",\"protocol\":")
                out.decimal(h.protocolNumber)
            }
            if h.has(10, 2) {
                out.write(",\"checksum\":")
                out.decimal(h.checksum)
                out.write(",\"checksum_status\":\"")
                out.write(h.checksumStatus.rawValue)
                out.byte(UInt8(ascii: "\""))
            }
            if h.has(12, 4) {
                out.write(",\"src\":\"")
                out.ipv4(h.source)
                out.byte(UInt8(ascii: "\""))
            }
            if h.has(16, 4) {
                out.write(",\"dst\":\"")
                out.ipv4(h.destination)
                out.byte(UInt8(ascii: "\""))
            }
            if !h.options.isEmpty {
                out.write(",\"options\":[")
                for (i, o) in h.options.enumerated() {
                    if i > 0 { out.byte(UInt8(ascii: ",")) }
                    out.jsonString(IPv4Header.optionName(o))
                }
                out.byte(UInt8(ascii: "]"))
            }
        case .ipv6(let h):
            if h.has(0, 2) {
                out.write(",\"traffic_class\":")
                out.decimal(h.trafficClass)
            }
            if h.has(1, 3) {
                out.write(",\"flow_label\":")
                out.decimal(h.flowLabel)
            }
            if h.has(4, 2) {
                out.write(",\"payload_length\":")
                out.decimal(h.payloadLength)
            }
            if h.has(6, 1) {
                out.write(",\"next_header\":")
                out.decimal(h.nextHeader)
            }
            if h.has(7, 1) {
                out.write(",\"hop_limit\":")
                out.decimal(h.hopLimit)
            }
            if h.has(8, 16) {
                out.write(",\"src\":\"")
                out.ipv6(h.source)
                out.byte(UInt8(ascii: "\""))
            }
            if h.has(24, 16) {
                out.write(",\"dst\":\"")
                out.ipv6(h.destination)
                out.byte(UInt8(ascii: "\""))
            }
            if !h.extensions.isEmpty {
                out.write(",\"extensions\":[")
                for (i, e) in h.extensions.enumerated() {
                    if i > 0 { out.byte(UInt8(ascii: ",")) }
                    out.write("{\"type\":\"")
                    out.write(e.kind.rawValue)
                    out.write("\",\"next_header\":")
                    out.decimal(e.nextHeader)
                    out.write(",\"length\":")
                    out.decimal(e.length)
                    if e.kind == .fragment {
                        out.write(",\"offset\":")
                        out.decimal(e.fragmentOffset)
                        out.write(",\"more\":")
                        out.write(e.moreFragments ? "true" as StaticString : "false")
                        out.write(",\"id\":")
                        out.decimal(e.fragmentID)
                    }
                    out.byte(UInt8(ascii: "}"))
                }
                out.byte(UInt8(ascii: "]"))
            }
            if h.has(6, 1) {
                out.write(",\"protocol\":")
                out.decimal(h.upperProtocol)
            }
        case .arp(let h):
            out.write(",\"opcode\":")
            out.decimal(h.opcode)
            if let a = h.senderMAC { out.write(",\"sender_mac\":\""); out.hardwareAddress(a); out.byte(UInt8(ascii: "\"")) }
            if let a = h.senderIP { out.write(",\"sender_ip\":\""); out.ipv4(a); out.byte(UInt8(ascii: "\"")) }
            if let a = h.targetMAC { out.write(",\"target_mac\":\""); out.hardwareAddress(a); out.byte(UInt8(ascii: "\"")) }
            if let a = h.targetIP { out.write(",\"target_ip\":\""); out.ipv4(a); out.byte(UInt8(ascii: "\"")) }
        case .icmp(let h):
            out.write(",\"type\":")
            out.decimal(h.type)
            if h.has(1, 1) {
                out.write(",\"code\":")
                out.decimal(h.code)
            }
            if h.has(2, 2) {
                out.write(",\"checksum_status\":\"")
                out.write(h.checksumStatus.rawValue)
                out.byte(UInt8(ascii: "\""))
            }
            if let id = h.identifier { out.write(",\"id\":"); out.decimal(id) }
            if let seq = h.sequence { out.write(",\"seq\":"); out.decimal(seq) }
            if !h.quoted.isEmpty {
                out.write(",\"quoted\":[")
                layers(h.quoted, into: out)
                out.byte(UInt8(ascii: "]"))
            }
        case .tcp(let h):
            tcp(h, l, into: out)
            payloadTruncated = h.capturedHeaderLength >= 20 && h.capturedPayloadLength < h.payloadLength && l.error == nil
                && !l.firstFragment
            if payloadTruncated {
                out.write(",\"truncated\":true,\"captured_payload_length\":")
                out.decimal(h.capturedPayloadLength)
            }
        case .udp(let h):
            out.write(",\"src_port\":")
            out.decimal(h.sourcePort)
            guard h.has(2, 6) else {
                // A header cut by the capture: the fields whose bytes are there.
                if h.has(2, 2) { out.write(",\"dst_port\":"); out.decimal(h.destinationPort) }
                if h.has(4, 2) { out.write(",\"length\":"); out.decimal(h.length) }
                break
            }
            out.write(",\"dst_port\":")
            out.decimal(h.destinationPort)
            out.write(",\"length\":")
            out.decimal(h.length)
            out.write(",\"checksum\":")
            out.decimal(h.checksum)
            out.write(",\"checksum_status\":\"")
            out.write(h.checksumStatus.rawValue)
            out.write("\",\"payload_length\":")
            out.decimal(h.payloadLength)
            payloadTruncated = h.capturedPayloadLength < h.payloadLength && l.error == nil && !l.firstFragment
            if payloadTruncated {
                out.write(",\"truncated\":true,\"captured_payload_length\":")
                out.decimal(h.capturedPayloadLength)
            }
        }
        if l.firstFragment { out.write(",\"first_fragment\":true") }
        if let frames = l.reassembledFrom {
            out.write(",\"reassembled_from\":[")
            for (i, n) in frames.enumerated() {
                if i > 0 { out.byte(UInt8(ascii: ",")) }
                out.decimal(n)
            }
            out.byte(UInt8(ascii: "]"))
        }
        if let e = l.error {
            out.write(",\"error\":")
            out.jsonString(e.description)
        }
        if l.truncated && !payloadTruncated { out.write(",\"truncated\":true") }
        out.byte(UInt8(ascii: "}"))
    }

    static func cooked(packetType: Int, arphrd: UInt16, source: HardwareAddress, protocolType: UInt16, into out: ByteSink) {
        out.write(",\"packet_type\":")
        out.decimal(packetType)
        out.write(",\"arphrd_type\":")
        out.decimal(arphrd)
        out.write(",\"src\":\"")
        out.hardwareAddress(source)
        out.write("\",\"protocol\":")
        out.decimal(protocolType)
    }

    static func tcp(_ h: TCPHeader, _ l: DecodedLayer, into out: ByteSink) {
        out.write(",\"src_port\":")
        out.decimal(h.sourcePort)
        guard h.capturedHeaderLength >= 20 else {
            // A header cut by the capture (an ICMP quote holds only its first 8 bytes): the
            // fields whose bytes are there.
            if h.has(2, 2) { out.write(",\"dst_port\":"); out.decimal(h.destinationPort) }
            if h.has(4, 4) { out.write(",\"seq\":"); out.decimal(h.sequence) }
            if h.has(8, 4) { out.write(",\"ack\":"); out.decimal(h.acknowledgment) }
            if h.has(12, 1) {
                out.write(",\"header_length\":")
                out.decimal(h.headerLength)
                if h.headerLength >= TCPHeader.minimumLength && !l.firstFragment {
                    out.write(",\"payload_length\":")
                    out.decimal(h.payloadLength)
                }
            }
            if h.has(13, 1) { out.write(",\"flags\":"); out.jsonNames(TCPFlags.names.filter { h.flags.contains($0.0) }) { $0.1 } }
            if h.has(14, 2) { out.write(",\"window\":"); out.decimal(h.window) }
            if h.has(16, 2) { out.write(",\"checksum\":"); out.decimal(h.checksum) }
            if h.has(18, 2) { out.write(",\"urgent_pointer\":"); out.decimal(h.urgentPointer) }
            return
        }
        out.write(",\"dst_port\":")
        out.decimal(h.destinationPort)
        out.write(",\"seq\":")
        out.decimal(h.sequence)
        out.write(",\"ack\":")
        out.decimal(h.acknowledgment)
        out.write(",\"header_length\":")
        out.decimal(h.headerLength)
        out.write(",\"flags\":[")
        var first = true
        for (f, name) in TCPFlags.literalNames where h.flags.contains(f) {
            if !first { out.byte(UInt8(ascii: ",")) }
            first = false
            out.byte(UInt8(ascii: "\""))
            out.write(name)
            out.byte(UInt8(ascii: "\""))
        }
        out.write("],\"window\":")
        out.decimal(h.window)
        out.write(",\"checksum\":")
        out.decimal(h.checksum)
        out.write(",\"checksum_status\":\"")
        out.write(h.checksumStatus.rawValue)
        out.write("\",\"urgent_pointer\":")
        out.decimal(h.urgentPointer)
        out.write(",\"payload_length\":")
        out.decimal(h.payloadLength)
        if !h.options.isEmpty {
            out.write(",\"options\":")
            out.jsonNames(h.options) { $0.name }
            // The first of each option (a repeated option would repeat a key).
            if let v = h.mss { out.write(",\"mss\":"); out.decimal(v) }
            if let v = h.windowScale { out.write(",\"window_scale\":"); out.decimal(v) }
            if let ts = h.timestamp {
                out.write(",\"ts_val\":")
                out.decimal(ts.value)
                out.write(",\"ts_ecr\":")
                out.decimal(ts.echoReply)
            } else if let v = h.options.cutTimestampValue {
                out.write(",\"ts_val\":")
                out.decimal(v)
            }
            let blocks = h.sackBlocks
            if !blocks.isEmpty {
                out.write(",\"sack\":[")
                for (i, b) in blocks.enumerated() {
                    if i > 0 { out.byte(UInt8(ascii: ",")) }
                    out.byte(UInt8(ascii: "["))
                    out.decimal(b.left)
                    out.byte(UInt8(ascii: ","))
                    out.decimal(b.right)
                    out.byte(UInt8(ascii: "]"))
                }
                out.byte(UInt8(ascii: "]"))
            }
        }
    }
}
