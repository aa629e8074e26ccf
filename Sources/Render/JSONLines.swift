import Inspect
import Wire

// `--json`: one object a frame, exactly docs/DESIGN.md "Per-frame JSON". Absent facts are omitted, never null;
// numbers are numbers; layer objects appear in OSI order; a truncated or malformed layer still
// appears with "error" (and "truncated": true when bytes ran out). `data` layers (bytes of an
// unknown protocol) are not part of the schema and are left out.

public enum JSONLines {
    /// Appends one frame's JSON object and a newline.
    public static func render(_ info: FrameInfo, _ frame: DecodedFrame, view: FrameView? = nil, into out: ByteSink) {
        out.write("{\"frame\":")
        out.decimal(info.number)
        out.write(",\"time\":\"")
        out.rfc3339(info.timestamp)
        out.write("\",\"caplen\":")
        out.decimal(info.capturedLength)
        out.write(",\"len\":")
        out.decimal(info.wireLength)
        out.write(",\"linktype\":")
        out.jsonString(info.linkType.name)
        out.write(",\"layers\":[")
        let wrote = frame.layers.withUnsafeBufferPointer { layers($0, frame, into: out) }
        if let v = view {
            if !wrote { out.write("{\"osi\":1,\"proto\":\"frame\"}") }  // keeps the list valid; never happens with TCP/UDP
            UpperLayers.json(v, into: out)
        }
        out.write("],\"warnings\":[")
        for (i, w) in frame.warnings.enumerated() {
            if i > 0 { out.byte(UInt8(ascii: ",")) }
            out.jsonString(w)
        }
        out.write("]}\n")
    }

    /// The objects of `layers` (`frame`'s own, or those one of its ICMP errors quotes), each
    /// read where it lies: `for l in layers` copied every one.
    @discardableResult
    static func layers(_ ls: UnsafeBufferPointer<DecodedLayer>, _ frame: DecodedFrame, into out: ByteSink) -> Bool {
        guard var l = ls.baseAddress else { return false }
        var first = true
        for _ in ls.indices {
            if l.pointee.proto != .data {
                if !first { out.byte(UInt8(ascii: ",")) }
                first = false
                layer(l, frame, into: out)
            }
            l += 1
        }
        return !first
    }

    /// The layer at `p` (one of `frame`'s), read in place.
    static func layer(_ p: UnsafePointer<DecodedLayer>, _ frame: DecodedFrame, into out: ByteSink) {
        out.write("{\"osi\":")
        out.decimal(p.pointee.osi)
        out.write(",\"proto\":\"")
        out.write(p.pointee.proto.rawValue)
        out.byte(UInt8(ascii: "\""))
        // The protocol's members (LayerPrinter.swift sends the layer to its printer).
        let payloadTruncated = LayerPrinter.json(p, frame, into: out)
        if p.pointee.firstFragment { out.write(",\"first_fragment\":true") }
        if p.pointee.reassembled, let frames = frame.reassembledFrom {
            out.write(",\"reassembled_from\":[")
            for (i, n) in frames.enumerated() {
                if i > 0 { out.byte(UInt8(ascii: ",")) }
                out.decimal(n)
            }
            out.byte(UInt8(ascii: "]"))
        }
        if let e = p.pointee.error {
            out.write(",\"error\":")
            out.jsonString(e.description)
        }
        if p.pointee.truncated && !payloadTruncated { out.write(",\"truncated\":true") }
        out.byte(UInt8(ascii: "}"))
    }
}
