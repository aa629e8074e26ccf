import Wire

// IPv4 in every output mode. A header cut by the capture shows the fields whose bytes are there.
//   one line  the addresses (written by the transport layer when one follows), or when nothing
//             decodes after it ` 10.0.0.1 → 10.0.0.2 IPv4 proto TCP len 20`, with a fragment's
//             id and offset; ` [bad IPv4 checksum]`
//   tree      `IPv4 10.0.0.1 → 10.0.0.2`, then version … id, flags … protocol, checksum, options
//   JSON      `"version":4,"header_length":20,"dscp":0,…,"src":"…","dst":"…","options":[…]`

enum IPv4Printer {
    static func oneLine(_ h: IPv4Header, _ line: inout OneLineState, _ out: ByteSink) {
        line.endpoints = h.has(.source) && h.has(.destination) ? (.v4(h.source), .v4(h.destination)) : nil
        if h.isFragment { line.fragmentID = UInt32(h.identification) }
        // The summary is written only when nothing decodes after it (or it is a fragment whose
        // transport header is not shown); a first fragment's header says so itself.
        if line.isLastDecoded || (h.isFragment && !line.endsInFirstFragment) {
            line.writeEndpoints(nil, nil, out)
            line.proto("IPv4", out)
            line.wroteProto = true
            if h.isFragment {
                out.write(" fragment id ")
                out.decimal(h.identification)
                out.write(" offset ")
                out.decimal(h.fragmentOffset)
                if h.moreFragments { out.write(" MF") }
            }
            if h.has(.protocolNumber) {
                out.write(" proto ")
                line.protocolName(h.protocolNumber, out)
            }
            if h.has(.totalLength) {
                out.write(" len ")
                out.decimal(Int(h.totalLength) - h.headerLength)
            }
        }
        if h.checksumStatus == .bad { line.flag("bad IPv4 checksum", out) }
    }

    static func tree(_ h: IPv4Header, into row: inout TreeRow) {
        if h.capturedHeaderLength < IPv4Header.minimumLength {
            // Cut by the capture: the fields whose bytes are there.
            var f = ["version \(h.version)", "header length \(h.headerLength)"]
            if h.has(.dscpECN) { f.append("DSCP \(h.dscp), ECN \(h.ecn)") }
            if h.has(.totalLength) { f.append("total length \(h.totalLength)") }
            if h.has(.identification) { f.append("id \(h.identification)") }
            if h.has(.flagsFragmentOffset) { f.append("flags \(flags(h)), fragment offset \(h.fragmentOffset)") }
            if h.has(.ttl) { f.append("TTL \(h.ttl)") }
            if h.has(.protocolNumber) { f.append("protocol \(TreeText.ipProtocol(h.protocolNumber))") }
            if h.has(.checksum) { f.append("header checksum \(TreeText.hex4(h.checksum))") }
            if h.has(.source) { f.append("source \(h.source)") }
            row.details.append(f.joined(separator: ", ") + " (only \(h.capturedHeaderLength) header bytes captured)")
            return
        }
        row.headline = "IPv4 \(h.source) → \(h.destination)"
        row.details.append("version \(h.version), header length \(h.headerLength), DSCP \(h.dscp), ECN \(h.ecn), total length \(h.totalLength), id \(h.identification)")
        row.details.append("flags \(flags(h)), fragment offset \(h.fragmentOffset), TTL \(h.ttl), protocol \(TreeText.ipProtocol(h.protocolNumber))")
        row.details.append("header checksum \(TreeText.hex4(h.checksum)) (\(h.checksumStatus.rawValue))")
        if !h.options.isEmpty { row.details.append("options \(h.options.map(IPv4Header.optionName).joined(separator: ", "))") }
    }

    static func flags(_ h: IPv4Header) -> String {
        var flags: [String] = []
        if h.reservedFlag { flags.append("reserved") }
        if h.dontFragment { flags.append("DF") }
        if h.moreFragments { flags.append("MF") }
        return flags.isEmpty ? "none" : flags.joined(separator: ", ")
    }

    static func json(_ h: IPv4Header, into out: ByteSink) {
        out.write(",\"version\":")
        out.decimal(h.version)
        out.write(",\"header_length\":")
        out.decimal(h.headerLength)
        if h.has(.dscpECN) {
            out.write(",\"dscp\":")
            out.decimal(h.dscp)
            out.write(",\"ecn\":")
            out.decimal(h.ecn)
        }
        if h.has(.totalLength) {
            out.write(",\"total_length\":")
            out.decimal(h.totalLength)
        }
        if h.has(.identification) {
            out.write(",\"id\":")
            out.decimal(h.identification)
        }
        if h.has(.flagsFragmentOffset) {
            out.write(",\"flags\":[")
            if h.dontFragment { out.write("\"DF\"") }
            if h.moreFragments { out.write(h.dontFragment ? ",\"MF\"" as StaticString : "\"MF\"") }
            out.write("],\"frag_offset\":")
            out.decimal(h.fragmentOffset)
        }
        if h.has(.ttl) {
            out.write(",\"ttl\":")
            out.decimal(h.ttl)
        }
        if h.has(.protocolNumber) {
            out.write(",\"protocol\":")
            out.decimal(h.protocolNumber)
        }
        if h.has(.checksum) {
            out.write(",\"checksum\":")
            out.decimal(h.checksum)
            out.write(",\"checksum_status\":\"")
            out.write(h.checksumStatus.rawValue)
            out.byte(UInt8(ascii: "\""))
        }
        if h.has(.source) {
            out.write(",\"src\":\"")
            out.ipv4(h.source)
            out.byte(UInt8(ascii: "\""))
        }
        if h.has(.destination) {
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
    }
}
