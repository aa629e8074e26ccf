import Framing
import Inspect
import Streams
import Wire

// `follow --ladder` and `--svg`: a sequence (ladder) diagram of one TCP stream. The client's time
// line is on the left, the server's on the right; every segment is an arrow, labelled with its
// frame, flags and bytes; the application messages it carries are marked on it — where each
// message starts (its header), which messages share the segment (sticky, 粘包) and which
// message continues over several segments (split, 拆包).

/// One segment of the stream, in capture order.
public struct LadderSegment: Sendable, Hashable {
    public var frame: Int
    public var timestamp: Timestamp
    public var direction: Direction
    /// Stream offset of the segment's first payload byte in its direction.
    public var offset: UInt64
    public var length: Int
    public var flags: TCPFlags
    public var analysis: [Analysis]

    public init(frame: Int, timestamp: Timestamp, direction: Direction, offset: UInt64, length: Int, flags: TCPFlags, analysis: [Analysis]) {
        self.frame = frame
        self.timestamp = timestamp
        self.direction = direction
        self.offset = offset
        self.length = length
        self.flags = flags
        self.analysis = analysis
    }

    /// Frame `frame` as a segment of its TCP stream: its session facts (from the inspector) and
    /// its decoded TCP header; nil for a frame that is not a TCP segment of a stream.
    public init?(frame: Int, timestamp: Timestamp, session: SessionInfo?, decoded: DecodedFrame) {
        guard let s = session, case .tcp(let h)? = decoded.layers.first(where: { $0.proto == .tcp })?.header else { return nil }
        self.init(frame: frame, timestamp: timestamp, direction: s.direction, offset: UInt64(s.relativeSequence &- 1),
                  length: h.payloadLength, flags: h.flags, analysis: s.analysis)
    }
}

/// What one segment carries of one message.
public struct MessageSlice: Sendable, Hashable {
    public var index: Int
    /// Byte range inside the segment's payload.
    public var start: Int
    public var end: Int
    /// The message's header starts in this segment.
    public var startsHere: Bool
    /// The message's last byte is in this segment.
    public var endsHere: Bool
    /// Which of the message's frames this is, and how many there are.
    public var part: Int
    public var parts: Int
    /// This segment repeats bytes another frame carried first (a retransmission).
    public var copy: Bool
    public var text: String
    public var problems: [FrameProblem]
}

public enum Ladder {
    /// The slices of messages (of the segment's direction) that lie in `segment`. Parts are
    /// numbered in byte order (not arrival order) among the frames that carried the message first.
    public static func slices(of segment: LadderSegment, messages: [ChatMessage], segments: [LadderSegment]) -> [MessageSlice] {
        guard segment.length > 0 else { return [] }
        let lo = segment.offset, hi = segment.offset + UInt64(segment.length)
        var out: [MessageSlice] = []
        for m in messages where m.direction == segment.direction && m.message.start < hi && m.message.end > lo {
            let s = max(m.message.start, lo), e = min(m.message.end, hi)
            let carriers = segments.filter { $0.direction == m.direction && m.frames.contains($0.frame) && $0.length > 0 }
                .sorted { $0.offset < $1.offset }
            let copy = !m.frames.contains(segment.frame)
            let position = carriers.firstIndex { $0.offset + UInt64($0.length) > s } ?? 0
            out.append(MessageSlice(index: m.message.index, start: Int(s - lo), end: Int(e - lo),
                                    startsHere: m.message.start >= lo, endsHere: m.message.end <= hi,
                                    part: position + 1, parts: max(m.frames.count, 1), copy: copy,
                                    text: MessageLines.quoted(m.message.body, limit: 16), problems: m.message.problems))
        }
        return out.sorted { $0.start < $1.start }
    }

    /// A short description of a segment's messages: `#2 "one" | #3 "two" (sticky)`, `#1 part 2/3`.
    public static func label(_ slices: [MessageSlice]) -> String {
        if slices.isEmpty { return "" }
        var parts: [String] = []
        for s in slices {
            var t = "#\(s.index)"
            if s.parts > 1 { t += " part \(s.part)/\(s.parts)" }
            if s.copy { t += " again" }
            if s.startsHere && s.endsHere { t += " \(s.text)" } else if s.startsHere { t += " starts" } else if s.endsHere { t += " ends" }
            if !s.problems.isEmpty { t += " [" + s.problems.map(\.rawValue).joined(separator: ",") + "]" }
            parts.append(t)
        }
        var label = parts.joined(separator: " | ")
        if slices.count > 1 { label += " (sticky)" }
        if slices.contains(where: { $0.parts > 1 }) && slices.count == 1 { label += " (split)" }
        return label
    }

    /// An arrow's label: flags and size, the messages it carries, its analysis flags.
    static func segmentLabel(_ seg: LadderSegment, _ slices: [MessageSlice], separator: String) -> String {
        var label = sizeLabel(seg)
        let m = Ladder.label(slices)
        if !m.isEmpty { label += separator + m }
        let note = analysisNote(seg)
        if !note.isEmpty { label += separator + note }
        return label
    }

    /// The start of an arrow's label: its flags and payload size (`SYN`, `FIN`, `14 B`, `ACK`).
    static func sizeLabel(_ seg: LadderSegment) -> String {
        var label = "\(seg.length) B"
        let f = flagText(seg.flags)
        if !f.isEmpty { label = f + (seg.length > 0 ? " " + label : "") }
        if seg.length == 0 && f.isEmpty { label = "ACK" }
        return label
    }

    /// The analysis flags worth a note (`{retransmission}`); fin and rst are already in the flags.
    static func analysisNote(_ seg: LadderSegment) -> String {
        let news = seg.analysis.filter { $0 != .fin && $0 != .rst }
        return news.isEmpty ? "" : "{" + news.map(\.rawValue).joined(separator: ",") + "}"
    }

    /// Flags worth a label: PSH never, ACK only beside SYN (a SYN-ACK).
    static func flagText(_ f: TCPFlags) -> String {
        TCPFlags.names.filter { f.contains($0.0) && $0.1 != "PSH" && ($0.1 != "ACK" || f.contains(.syn)) }
            .map(\.1).joined(separator: ",")
    }

    /// The diagram as text, `width` columns wide.
    public static func text(client: String, server: String, segments: [LadderSegment], messages: [ChatMessage], width: Int = 100, into out: ByteSink) {
        let inner = max(width - 14, 40)
        columns(client: client, server: server, inner: inner, style: .plain, into: out)
        for seg in segments {
            let slices = slices(of: seg, messages: messages, segments: segments)
            arrow(frame: seg.frame, direction: seg.direction, label: segmentLabel(seg, slices, separator: " "), inner: inner,
                  style: .plain, into: out)
        }
    }

    /// The line above the arrows: the client's name over the left end, the server's over the right.
    static func columns(client: String, server: String, inner: Int, style: TextStyle, into out: ByteSink) {
        out.write("        ")
        style.open(.address, out)
        out.write(client)
        style.close(out)
        let gap = max(1, inner + 6 - DisplayWidth.of(client) - DisplayWidth.of(server))
        out.write(String(repeating: " ", count: gap))
        style.open(.address, out)
        out.write(server)
        style.close(out)
        out.byte(UInt8(ascii: "\n"))
    }

    /// One arrow, `inner` columns between its ends, its label centred on it (cut with "…" when
    /// too long); widths are display widths, so wide (CJK) characters count two columns.
    /// `note` (analysis flags) follows the label, in the warning colour.
    static func arrow(frame: Int, direction: Direction, label: String, note: String = "", inner: Int,
                      style: TextStyle, into out: ByteSink) {
        let maxLabel = inner - 6
        var label = label, note = note
        let full = note.isEmpty ? label : label + " " + note
        if DisplayWidth.of(full) > maxLabel {
            label = DisplayWidth.fit(full, columns: maxLabel)
            note = ""
        }
        let used = DisplayWidth.of(label) + (note.isEmpty ? 0 : 1 + DisplayWidth.of(note))
        let dashes = max(inner - used - 2, 2)
        let left = dashes / 2, right = dashes - left
        let number = "#\(frame)"
        out.write(String(repeating: " ", count: max(0, 7 - number.count)))
        style.open(.dim, out)
        out.write(number)
        style.close(out)
        out.write(" |")
        style.open(.dim, out)
        out.write(direction == .clientToServer ? "" : "<")
        out.write(String(repeating: "-", count: left))
        style.close(out)
        out.write(" " + label)
        if !note.isEmpty {
            out.write(" ")
            style.open(.warning, out)
            out.write(note)
            style.close(out)
        }
        out.write(" ")
        style.open(.dim, out)
        out.write(String(repeating: "-", count: right))
        out.write(direction == .clientToServer ? ">" : "")
        style.close(out)
        out.write("|\n")
    }

    /// `host:port`, an IPv6 host in brackets.
    public static func endpoint(_ a: IPAddress, _ p: UInt16) -> String {
        if case .v6 = a { return "[\(a)]:\(p)" }
        return "\(a):\(p)"
    }

    /// The diagram as a standalone SVG document (well-formed XML): time lines for both hosts,
    /// one arrow per segment, message boundaries as ticks on the arrows, every message named.
    public static func svg(title: String, client: String, server: String, segments: [LadderSegment], messages: [ChatMessage]) -> String {
        let rowHeight = 34, top = 70, leftX = 160, rightX = 760, width = 920
        let height = top + rowHeight * (segments.count + 1) + 20
        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="monospace" font-size="12">
        <title>\(xml(title))</title>
        <defs><marker id="arrow" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#333"/></marker></defs>
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(leftX)" y="24" text-anchor="middle" font-weight="bold">client</text>
        <text x="\(leftX)" y="40" text-anchor="middle">\(xml(client))</text>
        <text x="\(rightX)" y="24" text-anchor="middle" font-weight="bold">server</text>
        <text x="\(rightX)" y="40" text-anchor="middle">\(xml(server))</text>
        <line x1="\(leftX)" y1="50" x2="\(leftX)" y2="\(height - 10)" stroke="#999" stroke-width="2"/>
        <line x1="\(rightX)" y1="50" x2="\(rightX)" y2="\(height - 10)" stroke="#999" stroke-width="2"/>

        """
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"]
        for (row, seg) in segments.enumerated() {
            let y = top + rowHeight * row + 20
            let (x1, x2) = seg.direction == .clientToServer ? (leftX, rightX) : (rightX, leftX)
            let slices = slices(of: seg, messages: messages, segments: segments)
            s += "<g class=\"segment\" id=\"frame-\(seg.frame)\">\n"
            s += "<text x=\"10\" y=\"\(y + 4)\">#\(seg.frame) \(xml(clock(seg.timestamp)))</text>\n"
            s += "<line x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2)\" y2=\"\(y)\" stroke=\"#333\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\n"
            // Message pieces as coloured bars along the arrow, a tick where each message starts.
            if seg.length > 0 {
                let span = Double(abs(x2 - x1) - 12)
                for sl in slices {
                    let a = Double(sl.start) / Double(seg.length), b = Double(sl.end) / Double(seg.length)
                    let (p, q) = seg.direction == .clientToServer
                        ? (Double(x1) + 6 + a * span, Double(x1) + 6 + b * span)
                        : (Double(x1) - 6 - a * span, Double(x1) - 6 - b * span)
                    let colour = colours[((sl.index - 1) % colours.count + colours.count) % colours.count]
                    s += "<line x1=\"\(fmt(p))\" y1=\"\(y - 4)\" x2=\"\(fmt(q))\" y2=\"\(y - 4)\" stroke=\"\(colour)\" stroke-width=\"5\"><title>message #\(sl.index) bytes \(sl.start)..\(sl.end) of this segment</title></line>\n"
                    if sl.startsHere {
                        s += "<line x1=\"\(fmt(p))\" y1=\"\(y - 12)\" x2=\"\(fmt(p))\" y2=\"\(y + 6)\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
                    }
                }
            }
            let label = segmentLabel(seg, slices, separator: "  ")
            s += "<text x=\"\((leftX + rightX) / 2)\" y=\"\(y - 10)\" text-anchor=\"middle\">\(xml(label))</text>\n"
            s += "</g>\n"
        }
        s += "</svg>\n"
        return s
    }

    static func fmt(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    static func clock(_ t: Timestamp) -> String {
        let o = ByteSink(capacity: 32)
        o.clock(t)
        return o.string
    }

    /// XML text escaping.
    public static func xml(_ s: String) -> String {
        var r = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            default:
                if c.value < 0x20 && c != "\n" && c != "\t" { r += "?" } else { r.unicodeScalars.append(c) }
            }
        }
        return r
    }
}
