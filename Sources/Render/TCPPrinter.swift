import Wire

// TCP in every output mode. A header cut by the capture (an ICMP quote holds only its first 8
// bytes) shows the fields whose bytes are there.
//   one line  ` 10.0.0.1:5 → 10.0.0.2:9 TCP [PSH, ACK] seq 1 ack 2 win 512 len 5 <NOP,NOP,TS 1/2>`
//   tree      `TCP port 5 → 9`, then numbers and flags, checksum, options, payload
//   JSON      `"src_port":5,…,"flags":["PSH","ACK"],…,"options":["NOP","NOP","TS"],"ts_val":1,…`

enum TCPPrinter {
    static func oneLine(_ h: TCPHeader, _ line: inout OneLineState, _ out: ByteSink) {
        line.writeEndpoints(h.sourcePort, h.has(.destinationPort) ? h.destinationPort : nil, out)
        line.proto("TCP", out)
        line.wroteProto = true
        guard h.capturedHeaderLength >= TCPHeader.minimumLength else { return }
        // The two sets nearly every frame has, as one literal each; the others name by name.
        switch h.flags.rawValue & 0xff {
        case TCPFlags.ack.rawValue: out.write(" [ACK] seq ")
        case TCPFlags([.psh, .ack]).rawValue: out.write(" [PSH, ACK] seq ")
        default:
            out.write(" [")
            var first = true
            for (f, name) in TCPFlags.literalNames where h.flags.contains(f) {
                if !first { out.write(", ") }
                first = false
                out.write(name)
            }
            out.write("] seq ")
        }
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
            options(h.options, out)
            out.byte(UInt8(ascii: ">"))
        }
        if h.checksumStatus == .bad { line.flag("bad checksum", out) }
        if line.isFirstFragment { line.firstFragment(out) }
    }

    /// `MSS 65495,SACK_PERM,TS 1/0,NOP,WS 7`: the options with their values.
    static func options(_ options: TCPOptions, _ out: ByteSink) {
        if let ts = options.nopNopTimestamp {
            out.write("NOP,NOP,TS ")
            out.decimal(ts.value)
            out.byte(UInt8(ascii: "/"))
            out.decimal(ts.echoReply)
            return
        }
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

    static func flagNames(_ h: TCPHeader) -> String {
        TCPFlags.names.filter { h.flags.contains($0.0) }.map(\.1).joined(separator: ", ")
    }

    static func tree(_ h: TCPHeader, _ l: DecodedLayer, into row: inout TreeRow) {
        row.headline = h.has(.destinationPort) ? "TCP port \(h.sourcePort) → \(h.destinationPort)" : "TCP source port \(h.sourcePort)"
        guard h.capturedHeaderLength >= TCPHeader.minimumLength else {
            // Cut by the capture (or an ICMP quote of 8 bytes): the fields whose bytes are there.
            var f: [String] = []
            if h.has(.sequence) { f.append("seq \(h.sequence)") }
            if h.has(.acknowledgment) { f.append("ack \(h.acknowledgment)") }
            if h.has(.dataOffset) { f.append("header length \(h.headerLength)") }
            if h.has(.flags) { f.append("flags [\(flagNames(h))]") }
            if h.has(.window) { f.append("window \(h.window)") }
            if h.has(.checksum) { f.append("checksum \(TreeText.hex4(h.checksum))") }
            row.details.append(f.joined(separator: ", ") + "\(f.isEmpty ? "" : " ")(only \(h.capturedHeaderLength) header bytes captured)")
            return
        }
        row.details.append("seq \(h.sequence), ack \(h.acknowledgment), header length \(h.headerLength), flags [\(flagNames(h))], window \(h.window)")
        row.details.append("checksum \(TreeText.hex4(h.checksum)) (\(TreeText.checksum(h.checksumStatus))), urgent pointer \(h.urgentPointer)")
        if !h.options.isEmpty {
            let o = ByteSink(capacity: 64)
            options(h.options, o)
            row.details.append("options \(o.string)")
        }
        row.details.append(TreeText.payload(h.payloadLength, captured: h.capturedPayloadLength, firstFragment: l.firstFragment))
    }

    /// True when it said the payload was cut. `firstFragment` and `failed` (an error on the
    /// layer) are the layer's.
    static func json(_ h: TCPHeader, firstFragment: Bool, failed: Bool, into out: ByteSink) -> Bool {
        out.write(",\"src_port\":")
        out.decimal(h.sourcePort)
        guard h.capturedHeaderLength >= TCPHeader.minimumLength else {
            // A header cut by the capture: the fields whose bytes are there.
            if h.has(.destinationPort) { out.write(",\"dst_port\":"); out.decimal(h.destinationPort) }
            if h.has(.sequence) { out.write(",\"seq\":"); out.decimal(h.sequence) }
            if h.has(.acknowledgment) { out.write(",\"ack\":"); out.decimal(h.acknowledgment) }
            if h.has(.dataOffset) {
                out.write(",\"header_length\":")
                out.decimal(h.headerLength)
                if h.headerLength >= TCPHeader.minimumLength && !firstFragment {
                    out.write(",\"payload_length\":")
                    out.decimal(h.payloadLength)
                }
            }
            if h.has(.flags) { out.write(",\"flags\":"); out.jsonNames(TCPFlags.names.filter { h.flags.contains($0.0) }) { $0.1 } }
            if h.has(.window) { out.write(",\"window\":"); out.decimal(h.window) }
            if h.has(.checksum) { out.write(",\"checksum\":"); out.decimal(h.checksum) }
            if h.has(.urgentPointer) { out.write(",\"urgent_pointer\":"); out.decimal(h.urgentPointer) }
            return false
        }
        out.write(",\"dst_port\":")
        out.decimal(h.destinationPort)
        out.write(",\"seq\":")
        out.decimal(h.sequence)
        out.write(",\"ack\":")
        out.decimal(h.acknowledgment)
        out.write(",\"header_length\":")
        out.decimal(h.headerLength)
        switch h.flags.rawValue & 0xff {
        case TCPFlags.ack.rawValue: out.write(",\"flags\":[\"ACK\"],\"window\":")
        case TCPFlags([.psh, .ack]).rawValue: out.write(",\"flags\":[\"PSH\",\"ACK\"],\"window\":")
        default:
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
        }
        out.decimal(h.window)
        out.write(",\"checksum\":")
        out.decimal(h.checksum)
        out.write(",\"checksum_status\":\"")
        out.write(h.checksumStatus.rawValue)
        out.write("\",\"urgent_pointer\":")
        out.decimal(h.urgentPointer)
        out.write(",\"payload_length\":")
        out.decimal(h.payloadLength)
        if !h.options.isEmpty { jsonOptions(h, into: out) }
        let payloadTruncated = h.capturedPayloadLength < h.payloadLength && !failed && !firstFragment
        if payloadTruncated {
            out.write(",\"truncated\":true,\"captured_payload_length\":")
            out.decimal(h.capturedPayloadLength)
        }
        return payloadTruncated
    }

    static func jsonOptions(_ h: TCPHeader, into out: ByteSink) {
        if let ts = h.options.nopNopTimestamp {
            // What the general path below writes for this list, without parsing it four times.
            out.write(",\"options\":[\"NOP\",\"NOP\",\"TS\"],\"ts_val\":")
            out.decimal(ts.value)
            out.write(",\"ts_ecr\":")
            out.decimal(ts.echoReply)
            return
        }
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
