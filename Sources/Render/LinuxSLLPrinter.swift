import Wire

// Linux cooked capture v1 in every output mode (v2 shares its words: LinuxSLL2Printer.swift):
//   one line  ` sll in`
//   tree      `Linux cooked (SLL) in, ARPHRD 772, source 00:…, protocol IPv4 (0x0800)`
//   JSON      `"packet_type":0,"arphrd_type":772,"src":"…","protocol":2048`

enum LinuxSLLPrinter {
    static func oneLine(_ h: LinuxSLLHeader, _ out: ByteSink) {
        out.write(" sll ")
        out.write(packetTypeName(Int(h.packetType)))
    }

    static func tree(_ h: LinuxSLLHeader, into row: inout TreeRow) {
        row.headline = "Linux cooked (SLL) \(packetTypeName(Int(h.packetType))), ARPHRD \(h.arphrdType), source \(h.source), protocol \(TreeText.etherType(h.protocolType))"
    }

    static func json(_ h: LinuxSLLHeader, into out: ByteSink) {
        cooked(packetType: Int(h.packetType), arphrd: h.arphrdType, source: h.source, protocolType: h.protocolType, into: out)
    }

    /// The JSON members both cooked versions have.
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

    /// Which way the packet went, as the cooked header's packet type says.
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
}
