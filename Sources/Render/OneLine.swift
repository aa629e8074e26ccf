import Inspect
import Wire

// The default output: one line a frame, like tcpdump/tshark, most specific facts last:
//
//   12 05:16:36.000145 loopback 127.0.0.1:45168 → 127.0.0.1:9000 TCP [PSH, ACK] seq 3889438228 ack 3023953418 win 512 len 5
//
// Time is UTC (`HH:MM:SS` and the source's fraction digits), computed without a time-zone file.
// Each layer writes its part (LayerPrinter.swift sends it to its protocol's printer).
// Truncated layers end with `[truncated: …]`, malformed ones with `[malformed: …]`.

public enum OneLine {
    public static func render(_ info: FrameInfo, _ frame: DecodedFrame, view: FrameView? = nil, style: TextStyle = .plain,
                              words: FrameWords = .english, into out: ByteSink) {
        out.decimal(info.number)
        out.byte(UInt8(ascii: " "))
        out.clock(info.timestamp)
        // The IP layer's summary is written only when nothing decodes after it. By index (a
        // layer copied out of the array costs retains of its texts and arrays).
        var lastDecoded = frame.layers.count - 1
        while lastDecoded >= 0 && frame.layers[lastDecoded].proto == .data { lastDecoded -= 1 }
        var line = OneLineState(style: style,
                                endsInFirstFragment: !frame.layers.isEmpty && frame.layers[frame.layers.count - 1].firstFragment)
        var deferredErrors = false
        // Each layer read in place in the array's storage (a copy costs its header's bytes).
        frame.layers.withUnsafeBufferPointer { layers in
            guard let first = layers.baseAddress else { return }
            for li in layers.indices {
                let l = first + li
                line.isLastDecoded = li == lastDecoded
                line.isFirstFragment = l.pointee.firstFragment
                LayerPrinter.oneLine(l, frame, &line, out)
                // A layer whose error did not stop decoding (a bad option, a length past the
                // frame) has its error said after the layers that follow it.
                if l.pointee.failed {
                    if li >= lastDecoded { layerError(l.pointee.error!, style, out) } else { deferredErrors = true }
                }
            }
        }
        if deferredErrors {
            for li in frame.layers.indices where li < lastDecoded {
                if let e = frame.layers[li].error { layerError(e, style, out) }
            }
        }
        for w in frame.warnings {
            style.open(.warning, out)
            out.write(" [")
            out.write(w)
            out.byte(UInt8(ascii: "]"))
            style.close(out)
        }
        if let v = view { UpperLayers.summary(v, style: style, words: words, into: out) }
        out.byte(UInt8(ascii: "\n"))
    }

    static func layerError(_ e: DecodeError, _ style: TextStyle, _ out: ByteSink) {
        style.open(.error, out)
        out.write(e.isTruncation ? " [truncated: " as StaticString : " [malformed: ")
        out.write(e.description)
        out.byte(UInt8(ascii: "]"))
        style.close(out)
    }
}
