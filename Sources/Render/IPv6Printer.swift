import Wire

// IPv6 and its extension headers in every output mode. A header cut by the capture shows the
// fields whose bytes are there.
//   one line  as IPv4 (IPv4Printer.swift): ` [::1] → [::1] IPv6 proto UDP len 8`, with a
//             fragment header's id and offset
//   tree      `IPv6 ::1 → ::1`, then class, flow, lengths, each extension, the upper protocol
//   JSON      `"traffic_class":0,…,"extensions":[{"type":"fragment",…}],"protocol":17`

enum IPv6Printer {
    static func oneLine(_ h: IPv6Header, _ line: inout OneLineState, _ out: ByteSink) {
        line.endpoints = h.has(.source) && h.has(.destination) ? (.v6(h.source), .v6(h.destination)) : nil
        if let f = h.fragment { line.fragmentID = f.fragmentID }
        if line.isLastDecoded || (h.fragment != nil && !line.endsInFirstFragment) {
            line.writeEndpoints(nil, nil, out)
            line.proto("IPv6", out)
            line.wroteProto = true
            if let f = h.fragment {
                out.write(" fragment id ")
                out.decimal(f.fragmentID)
                out.write(" offset ")
                out.decimal(f.fragmentOffset)
                if f.moreFragments { out.write(" MF") }
            }
            if h.has(.nextHeader) {
                out.write(" proto ")
                line.protocolName(h.upperProtocol, out)
            }
            if h.has(.payloadLength) {
                out.write(" len ")
                out.decimal(h.payloadLength)
            }
        }
    }

    static func tree(_ h: IPv6Header, _ frame: DecodedFrame, into row: inout TreeRow) {
        if h.capturedHeaderLength < IPv6Header.length {
            var f: [String] = []
            if h.has(.trafficClass) { f.append("traffic class \(h.trafficClass)") }
            if h.has(.flowLabel) { f.append("flow label \(TreeText.hex(UInt64(h.flowLabel), 5))") }
            if h.has(.payloadLength) { f.append("payload length \(h.payloadLength)") }
            if h.has(.nextHeader) { f.append("next header \(TreeText.ipProtocol(h.nextHeader))") }
            if h.has(.hopLimit) { f.append("hop limit \(h.hopLimit)") }
            if h.has(.source) { f.append("source \(h.source)") }
            row.details.append((f.isEmpty ? "version 6" : f.joined(separator: ", ")) + " (only \(h.capturedHeaderLength) header bytes captured)")
            return
        }
        row.headline = "IPv6 \(h.source) → \(h.destination)"
        row.details.append("traffic class \(h.trafficClass), flow label \(TreeText.hex(UInt64(h.flowLabel), 5)), payload length \(h.payloadLength), next header \(TreeText.ipProtocol(h.nextHeader)), hop limit \(h.hopLimit)")
        for e in frame.extensions(of: h) {
            var t = "extension \(e.kind.rawValue), \(e.length) bytes, next header \(TreeText.ipProtocol(e.nextHeader))"
            if e.kind == .fragment { t += ", offset \(e.fragmentOffset), \(e.moreFragments ? "more fragments" : "last fragment"), id \(e.fragmentID)" }
            row.details.append(t)
        }
        if !h.extensions.isEmpty { row.details.append("upper-layer protocol \(TreeText.ipProtocol(h.upperProtocol))") }
    }

    static func json(_ h: IPv6Header, _ frame: DecodedFrame, into out: ByteSink) {
        if h.has(.trafficClass) {
            out.write(",\"traffic_class\":")
            out.decimal(h.trafficClass)
        }
        if h.has(.flowLabel) {
            out.write(",\"flow_label\":")
            out.decimal(h.flowLabel)
        }
        if h.has(.payloadLength) {
            out.write(",\"payload_length\":")
            out.decimal(h.payloadLength)
        }
        if h.has(.nextHeader) {
            out.write(",\"next_header\":")
            out.decimal(h.nextHeader)
        }
        if h.has(.hopLimit) {
            out.write(",\"hop_limit\":")
            out.decimal(h.hopLimit)
        }
        if h.has(.source) {
            out.write(",\"src\":\"")
            out.ipv6(h.source)
            out.byte(UInt8(ascii: "\""))
        }
        if h.has(.destination) {
            out.write(",\"dst\":\"")
            out.ipv6(h.destination)
            out.byte(UInt8(ascii: "\""))
        }
        if !h.extensions.isEmpty {
            out.write(",\"extensions\":[")
            for (i, e) in frame.extensions(of: h).enumerated() {
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
        if h.has(.nextHeader) {
            out.write(",\"protocol\":")
            out.decimal(h.upperProtocol)
        }
    }
}
