import Wire

// Bytes of a protocol framescope does not decode:
//   one line  ` data 46 bytes ethertype 0x88cc (LLDP)`, only when no protocol was named before
//   tree      `Data, 46 bytes (protocol not decoded)`
//   JSON      nothing: data layers are not part of the schema (JSONLines leaves them out)

enum DataPrinter {
    static func oneLine(_ n: Int, _ frame: DecodedFrame, _ line: inout OneLineState, _ out: ByteSink) {
        guard !line.wroteProto else { return }
        line.writeEndpoints(nil, nil, out)
        out.write(" data ")
        out.decimal(n)
        out.write(" bytes")
        if case .eth(let h)? = frame.layers.first?.header, frame.layers.count == 2 {
            out.write(" ethertype ")
            out.hex(UInt64(h.etherType), digits: 4)
            if let name = EtherType.name(h.etherType) { out.write(" ("); out.write(name); out.write(")") }
        }
    }

    static func tree(_ n: Int, into row: inout TreeRow) {
        row.headline = "Data, \(n) bytes (protocol not decoded)"
    }
}
