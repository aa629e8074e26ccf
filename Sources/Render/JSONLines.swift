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
        let wrote = layers(frame.layers, into: out)
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

    @discardableResult
    static func layers(_ layers: [DecodedLayer], into out: ByteSink) -> Bool {
        // Each layer lent from the array's storage: `for l in layers` copied every one (its
        // header's bytes and a retain and release of its error text).
        layers.withUnsafeBufferPointer { ls in
            var first = true
            for i in ls.indices where ls[i].proto != .data {
                if !first { out.byte(UInt8(ascii: ",")) }
                first = false
                layer(ls[i], into: out)
            }
            return !first
        }
    }

    static func layer(_ l: DecodedLayer, into out: ByteSink) {
        out.write("{\"osi\":")
        out.decimal(l.osi)
        out.write(",\"proto\":\"")
        out.write(l.proto.rawValue)
        out.byte(UInt8(ascii: "\""))
        // The protocol's members (LayerPrinter.swift sends the layer to its printer).
        let payloadTruncated = LayerPrinter.json(l, into: out)
        if l.firstFragment { out.write(",\"first_fragment\":true") }
        if let frames = l.reassembledFrom {
            out.write(",\"reassembled_from\":[")
            for (i, n) in frames.enumerated() {
                if i > 0 { out.byte(UInt8(ascii: ",")) }
                out.decimal(n)
            }
            out.byte(UInt8(ascii: "]"))
        }
        if let e = l.error {
            out.write(",\"error\":")
            out.jsonString(e.description)
        }
        if l.truncated && !payloadTruncated { out.write(",\"truncated\":true") }
        out.byte(UInt8(ascii: "}"))
    }
}
