import Wire

// ARP and RARP in every output mode:
//   one line  ` ARP who-has 10.0.0.2 tell 10.0.0.1` / ` ARP 10.0.0.2 is-at 00:…` / ` ARP opcode 3`
//   tree      `ARP request`, then types, sizes and the addresses captured
//   JSON      `"opcode":1,"sender_mac":"…","sender_ip":"…","target_mac":"…","target_ip":"…"`

enum ARPPrinter {
    static func oneLine(_ h: ARPHeader, _ line: inout OneLineState, _ out: ByteSink) {
        line.proto("ARP", out)
        line.wroteProto = true
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
    }

    static func tree(_ h: ARPHeader, into row: inout TreeRow) {
        row.headline = "ARP \(h.opcode == 1 ? "request" : h.opcode == 2 ? "reply" : "opcode \(h.opcode)")"
        row.details.append("hardware type \(h.hardwareType), protocol type \(TreeText.hex4(h.protocolType)), sizes \(h.hardwareLength)/\(h.protocolLength)")
        let sender = [h.senderMAC.map { "\($0)" }, h.senderIP.map { "\($0)" }].compactMap { $0 }.joined(separator: " ")
        let target = [h.targetMAC.map { "\($0)" }, h.targetIP.map { "\($0)" }].compactMap { $0 }.joined(separator: " ")
        if !sender.isEmpty || !target.isEmpty {
            row.details.append("sender \(sender.isEmpty ? "(not captured)" : sender), target \(target.isEmpty ? "(not captured)" : target)")
        }
    }

    static func json(_ h: ARPHeader, into out: ByteSink) {
        out.write(",\"opcode\":")
        out.decimal(h.opcode)
        if let a = h.senderMAC { out.write(",\"sender_mac\":\""); out.hardwareAddress(a); out.byte(UInt8(ascii: "\"")) }
        if let a = h.senderIP { out.write(",\"sender_ip\":\""); out.ipv4(a); out.byte(UInt8(ascii: "\"")) }
        if let a = h.targetMAC { out.write(",\"target_mac\":\""); out.hardwareAddress(a); out.byte(UInt8(ascii: "\"")) }
        if let a = h.targetIP { out.write(",\"target_ip\":\""); out.ipv4(a); out.byte(UInt8(ascii: "\"")) }
    }
}
