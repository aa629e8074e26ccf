import Wire

// UDP in every output mode. A header cut by the capture shows the fields whose bytes are there.
//   one line  ` 10.0.0.1:5 → 10.0.0.2:9 UDP len 5`
//   tree      `UDP port 5 → 9`, then length, checksum, payload
//   JSON      `"src_port":5,"dst_port":9,"length":13,"checksum":…,"payload_length":5`

enum UDPPrinter {
    static func oneLine(_ h: UDPHeader, _ line: inout OneLineState, _ out: ByteSink) {
        line.writeEndpoints(h.sourcePort, h.has(.destinationPort) ? h.destinationPort : nil, out)
        line.proto("UDP", out)
        guard h.has(.destinationPort), h.has(.length), h.has(.checksum) else { return }
        line.wroteProto = true
        out.write(" len ")
        out.decimal(h.payloadLength)
        if h.checksumStatus == .bad { line.flag("bad checksum", out) }
        if line.isFirstFragment { line.firstFragment(out) }
    }

    static func tree(_ h: UDPHeader, _ l: DecodedLayer, into row: inout TreeRow) {
        guard h.has(.destinationPort), h.has(.length), h.has(.checksum) else {
            row.headline = h.has(.destinationPort) ? "UDP port \(h.sourcePort) → \(h.destinationPort)" : "UDP source port \(h.sourcePort)"
            if h.has(.length) { row.details.append("length \(h.length) (only \(h.capturedHeaderLength) header bytes captured)") }
            return
        }
        row.headline = "UDP port \(h.sourcePort) → \(h.destinationPort)"
        row.details.append("length \(h.length), checksum \(TreeText.hex4(h.checksum)) (\(TreeText.checksum(h.checksumStatus))), "
            + TreeText.payload(h.payloadLength, captured: h.capturedPayloadLength, firstFragment: l.firstFragment))
    }

    /// True when it said the payload was cut. `firstFragment` and `failed` (an error on the
    /// layer) are the layer's.
    static func json(_ h: UDPHeader, firstFragment: Bool, failed: Bool, into out: ByteSink) -> Bool {
        out.write(",\"src_port\":")
        out.decimal(h.sourcePort)
        guard h.has(.destinationPort), h.has(.length), h.has(.checksum) else {
            // A header cut by the capture: the fields whose bytes are there.
            if h.has(.destinationPort) { out.write(",\"dst_port\":"); out.decimal(h.destinationPort) }
            if h.has(.length) { out.write(",\"length\":"); out.decimal(h.length) }
            return false
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
        let payloadTruncated = h.capturedPayloadLength < h.payloadLength && !failed && !firstFragment
        if payloadTruncated {
            out.write(",\"truncated\":true,\"captured_payload_length\":")
            out.decimal(h.capturedPayloadLength)
        }
        return payloadTruncated
    }
}
