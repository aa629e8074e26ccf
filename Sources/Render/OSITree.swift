import Inspect
import Wire

// `-V`: every frame as a stack of OSI layers, layer 1 (the frame itself) to layer 4 and the
// payload. Each layer line names its OSI number; its fields follow, indented. Each layer's row
// comes from its protocol's printer (LayerPrinter.swift).
//
//   Frame 4 ─ 71 bytes on wire, 71 captured
//   L1 physical   2026-11-27T05:16:36.000145Z, 71 bytes on wire (568 bits), 71 captured, link type EN10MB, interface 0
//   L2 data link  Ethernet II (loopback: zero MACs) 00:00:00:00:00:00 → 00:00:00:00:00:00, type IPv4 (0x0800)
//   L3 network    IPv4 127.0.0.1 → 127.0.0.1
//                   version 4, header length 20, DSCP 0, ECN 0, total length 57, id 1234, flags DF, offset 0
//   …

public enum OSITree {
    public static func render(_ info: FrameInfo, _ frame: DecodedFrame, payload: UnsafeRawBufferPointer? = nil,
                              view: FrameView? = nil, style: TextStyle = .plain, words: FrameWords = .english, into out: ByteSink) {
        style.open(.proto, out)
        out.write("Frame \(info.number)")
        style.close(out)
        out.write(": \(info.wireLength) bytes on wire, \(info.capturedLength) captured\n")
        var line = "\(rfc3339(info.timestamp)), \(info.wireLength) bytes on wire (\(info.wireLength * 8) bits), \(info.capturedLength) captured"
        if info.capturedLength < info.wireLength { line += " (cut by snaplen)" }
        line += ", link type \(info.linkType.name) (\(info.linkType.rawValue)), interface \(info.interfaceIndex)"
        row(1, "physical", line, [], style, out)
        for l in frame.layers {
            layer(l, frame, style: style, indent: "", into: out)
        }
        if let v = view {
            for r in UpperLayers.tree(v, words: words) { row(r.osi, r.name, r.headline, r.details, style, out) }
        }
        if let r = frame.payloadRange, let bytes = payload, r.count > 0, r.upperBound <= bytes.count {
            let slice = UnsafeRawBufferPointer(rebasing: bytes[r])
            row(7, "payload", "\(r.count) bytes: \(preview(slice))", [], style, out)
        }
        if frame.trailerLength > 0 {
            out.write("   trailer      \(frame.trailerLength) bytes of link-layer padding (not data)\n")
        }
        for w in frame.warnings {
            style.open(.warning, out)
            out.write("   warning      \(w)\n")
            style.close(out)
        }
    }

    static let osiNames = [1: "physical", 2: "data link", 3: "network", 4: "transport", 5: "session", 6: "presentation", 7: "application"]

    static func row(_ osi: Int, _ name: String, _ headline: String, _ details: [String], _ style: TextStyle,
                    _ out: ByteSink, indent: String = "") {
        let label = "L\(osi) \(name)"
        out.write(indent)
        style.open(.dim, out)
        out.write(label.padding(to: 14))
        style.close(out)
        out.write(headline)
        out.byte(UInt8(ascii: "\n"))
        for d in details {
            out.write(indent)
            out.write("                ")
            out.write(d)
            out.byte(UInt8(ascii: "\n"))
        }
    }

    /// The row of `l`, one of `frame`'s layers (or of its quoted ones).
    static func layer(_ l: DecodedLayer, _ frame: DecodedFrame, style: TextStyle, indent: String, into out: ByteSink) {
        let name = osiNames[l.osi] ?? "layer \(l.osi)"
        var r = TreeRow(headline: l.proto.displayName)
        LayerPrinter.tree(l, frame, into: &r)
        if l.firstFragment { r.details.append("read from the first fragment of a datagram: the rest is in later fragments, and the datagram's own layer 4 comes with the frame that completes it") }
        if l.truncated && l.error == nil { r.details.append("(not all captured)") }
        row(l.osi, name, r.headline, r.details, style, out, indent: indent)
        if let e = l.error {
            out.write(indent)
            style.open(.error, out)
            out.write("                \(e.isTruncation ? "truncated" : "malformed"): \(e.description)\n")
            style.close(out)
        }
        if !r.quoted.isEmpty {
            out.write(indent + "                quoted datagram:\n")
            for q in r.quoted { layer(q, frame, style: style, indent: indent + "                  ", into: out) }
        }
    }

    static func rfc3339(_ t: Timestamp) -> String {
        let s = ByteSink(capacity: 32)
        s.rfc3339(t)
        return s.string
    }

    /// Up to 48 bytes of payload as text, non-printables escaped.
    static func preview(_ bytes: UnsafeRawBufferPointer) -> String {
        var s = "\""
        for b in bytes.prefix(48) {
            switch b {
            case 0x0a: s += "\\n"
            case 0x0d: s += "\\r"
            case 0x09: s += "\\t"
            case 0x22: s += "\\\""
            case 0x5c: s += "\\\\"
            case 0x20 ..< 0x7f: s.unicodeScalars.append(Unicode.Scalar(b))
            default: s += "\\x" + TreeText.hex(UInt64(b), 2).dropFirst(2)
            }
        }
        s += bytes.count > 48 ? "\"…" : "\""
        return s
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
