import Wire

// ICMP and ICMPv6 in every output mode. An error's quoted datagram is shown with it.
//   one line  ` 10.0.0.1 → 10.0.0.2 ICMP port unreachable for UDP 10.0.0.2:5 → 10.0.0.1:9 len 36`
//   tree      `ICMP echo request`, then type, code, checksum, id and seq; the quoted datagram's
//             layers indented under it (OSITree)
//   JSON      `"type":3,"code":3,"checksum_status":"good","quoted":[…]`

enum ICMPPrinter {
    static func oneLine(_ h: ICMPHeader, _ frame: DecodedFrame, v6: Bool, _ line: inout OneLineState, _ out: ByteSink) {
        line.writeEndpoints(nil, nil, out)
        line.proto(v6 ? "ICMPv6" : "ICMP", out)
        line.wroteProto = true
        out.byte(UInt8(ascii: " "))
        if h.has(.code) {
            out.write(typeName(h, v6: v6))
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
        if let q = quotedSummary(frame.quoted(by: h)) { out.write(" for "); out.write(q) }
        out.write(" len ")
        out.decimal(h.messageLength)
        if h.checksumStatus == .bad { line.flag("bad checksum", out) }
    }

    static func typeName(_ h: ICMPHeader, v6: Bool) -> String {
        v6 ? ICMPHeader.typeNameV6(h.type, code: h.code) : ICMPHeader.typeNameV4(h.type, code: h.code)
    }

    /// "TCP 127.0.0.1:5 → 127.0.0.1:9" for the datagram an ICMP error quotes.
    static func quotedSummary(_ layers: ArraySlice<DecodedLayer>) -> String? {
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

    static func tree(_ h: ICMPHeader, _ frame: DecodedFrame, v6: Bool, into row: inout TreeRow) {
        let name: String = v6 ? "ICMPv6" : "ICMP"
        guard h.has(.code), h.has(.checksum) else {
            row.headline = "\(name) type \(h.type)"
            row.details.append("type \(h.type)\(h.has(.code) ? ", code \(h.code)" : "") (only \(h.capturedHeaderLength) header bytes captured)")
            return
        }
        row.headline = "\(name) \(typeName(h, v6: v6))"
        var d = "type \(h.type), code \(h.code), checksum \(TreeText.hex4(h.checksum)) (\(h.checksumStatus.rawValue))"
        if let id = h.identifier, let seq = h.sequence { d += ", id \(id), seq \(seq)" }
        row.details.append(d)
        row.quoted = Array(frame.quoted(by: h))
    }

    static func json(_ h: ICMPHeader, _ frame: DecodedFrame, into out: ByteSink) {
        out.write(",\"type\":")
        out.decimal(h.type)
        if h.has(.code) {
            out.write(",\"code\":")
            out.decimal(h.code)
        }
        if h.has(.checksum) {
            out.write(",\"checksum_status\":\"")
            out.write(h.checksumStatus.rawValue)
            out.byte(UInt8(ascii: "\""))
        }
        if let id = h.identifier { out.write(",\"id\":"); out.decimal(id) }
        if let seq = h.sequence { out.write(",\"seq\":"); out.decimal(seq) }
        if !h.quoted.isEmpty {
            out.write(",\"quoted\":[")
            frame.quoted(by: h).withUnsafeBufferPointer { JSONLines.layers($0, frame, into: out) }
            out.byte(UInt8(ascii: "]"))
        }
    }
}
