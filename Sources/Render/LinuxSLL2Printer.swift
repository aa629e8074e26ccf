import Wire

// Linux cooked capture v2 in every output mode:
//   one line  ` sll2 if1 in`
//   tree      `Linux cooked v2 (SLL2) interface 1, in, ARPHRD 772, source 00:…, protocol IPv4 (0x0800)`
//   JSON      the v1 members (LinuxSLLPrinter.swift), then `"ifindex":1`

enum LinuxSLL2Printer {
    static func oneLine(_ h: LinuxSLL2Header, _ out: ByteSink) {
        out.write(" sll2 if")
        out.decimal(h.interfaceIndex)
        out.byte(UInt8(ascii: " "))
        out.write(LinuxSLLPrinter.packetTypeName(Int(h.packetType)))
    }

    static func tree(_ h: LinuxSLL2Header, into row: inout TreeRow) {
        row.headline = "Linux cooked v2 (SLL2) interface \(h.interfaceIndex), \(LinuxSLLPrinter.packetTypeName(Int(h.packetType))), ARPHRD \(h.arphrdType), source \(h.source), protocol \(TreeText.etherType(h.protocolType))"
    }

    static func json(_ h: LinuxSLL2Header, into out: ByteSink) {
        LinuxSLLPrinter.cooked(packetType: Int(h.packetType), arphrd: h.arphrdType, source: h.source,
                               protocolType: h.protocolType, into: out)
        out.write(",\"ifindex\":")
        out.decimal(h.interfaceIndex)
    }
}
