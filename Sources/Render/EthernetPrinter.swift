import Wire

// Ethernet II in every output mode:
//   one line  ` 00:00:00:00:00:01 → 00:00:00:00:00:02` (` loopback` for Linux's zero MACs)
//   tree      `Ethernet II 00:… → 00:…, type IPv4 (0x0800)`
//   JSON      `"src":"…","dst":"…","ethertype":2048`

enum EthernetPrinter {
    static func oneLine(_ h: EthernetHeader, _ out: ByteSink) {
        if h.isLoopback {
            out.write(" loopback")
        } else {
            out.byte(UInt8(ascii: " "))
            out.hardwareAddress(h.source)
            out.write(" → ")
            out.hardwareAddress(h.destination)
        }
    }

    static func tree(_ h: EthernetHeader, into row: inout TreeRow) {
        row.headline = "Ethernet II\(h.isLoopback ? " (loopback: zero MACs)" : "") \(h.source) → \(h.destination), type \(TreeText.etherType(h.etherType))"
    }

    static func json(_ h: EthernetHeader, into out: ByteSink) {
        out.write(",\"src\":\"")
        out.hardwareAddress(h.source)
        out.write("\",\"dst\":\"")
        out.hardwareAddress(h.destination)
        out.write("\",\"ethertype\":")
        out.decimal(h.etherType)
    }
}
