import Framing
import Inspect
import Streams
import Wire

// `follow --live`: the ladder drawn row by row as frames arrive. A row is one segment, drawn
// like a row of `Ladder.text` and prefixed with its stream's index (`[0]`) so the rows of
// concurrent streams can interleave; its label is built from the frame's `FrameView` — what is
// known when the frame arrives (a message split over segments is complete on its last one) —
// in the batch ladder's words wherever the batch ladder has the same facts:
//
//   [0]      #4 |------- 14 B #1 "one" | #2 "two" (sticky) -------->|
//   [0]      #6 |------- 100 B #1 part 1 starts (250 B) (split) ------->|
//   [0]      #8 |------- 54 B #1 part 3/3 ends "0123456789012345…" (split) ------->|
//
// A stream's header (its endpoints) is drawn when its first frame is; `ConversationLog` keeps the
// messages for the summary at the end (follow's `→ #1 "hi"   frames 4` lines, per stream).

extension Ladder {
    /// Columns between the two time lines of a live row (as `text` draws at its default width).
    public static let liveInner = 86

    /// A stream's header, when its first frame arrives: `stream 0: client A ⇄ server B (sent
    /// the SYN)`, then the names over the two time lines, prefixed like its rows.
    public static func liveHeader(stream: Int, endpoints e: StreamEndpoints?, style: TextStyle, into out: ByteSink) {
        let client = e.map { "client " + endpoint($0.client, $0.clientPort) } ?? "client"
        let server = e.map { "server " + endpoint($0.server, $0.serverPort) } ?? "server"
        if style.colour { out.write("\u{1b}[1m") }
        out.write("stream \(stream):")
        style.close(out)
        out.write(" \(client) ⇄ \(server)")
        if let e { out.write(" (\(e.roleReason))") }
        out.byte(UInt8(ascii: "\n"))
        livePrefix(stream, style: style, into: out)
        columns(client: client, server: server, inner: liveInner, style: style, into: out)
    }

    /// One live row: the segment's arrow, labelled with its flags and size, the messages the
    /// frame's view holds and its analysis flags.
    public static func liveRow(stream: Int, segment: LadderSegment, view: FrameView, style: TextStyle, into out: ByteSink) {
        var label = sizeLabel(segment)
        let m = liveLabel(view)
        if !m.isEmpty { label += " " + m }
        livePrefix(stream, style: style, into: out)
        arrow(frame: segment.frame, direction: segment.direction, label: label, note: analysisNote(segment),
              inner: liveInner, style: style, into: out)
    }

    static func livePrefix(_ stream: Int, style: TextStyle, into out: ByteSink) {
        style.open(.proto, out)
        out.write("[\(stream)]")
        style.close(out)
        out.byte(UInt8(ascii: " "))
    }

    /// The messages of one frame as they stand when it arrives: `#2 "one" | #3 "two" (sticky)`,
    /// `#1 part 1 starts (250 B) (split)`, `#1 part 2 (split)`, `#1 part 3/3 ends "…" (split)`.
    /// The number of parts is known only on the frame that ends the message.
    public static func liveLabel(_ view: FrameView) -> String {
        let pieces = view.messages
        if pieces.isEmpty { return "" }
        // Length headers were read in this frame: a starting message's length is its declared
        // one (with line framing it would only be the bytes so far, so it is not shown).
        let declared = !view.headers.isEmpty
        var parts: [String] = []
        for p in pieces {
            var t = "#\(p.index)"
            switch p.kind {
            case .whole:
                t += " " + liveText(p)
            case .starts:
                t += " part \(p.part ?? 1) starts"
                if let h = p.headerBytes {
                    t += " (header cut after \(h) B)"
                } else if declared {
                    t += " (\(p.length) B)"
                }
            case .continues:
                t += " part \(p.part ?? 0)" + (p.parts.map { "/\($0)" } ?? "")
            case .ends:
                t += " part \(p.part ?? 0)/\(p.parts ?? 0) ends " + liveText(p)
            }
            if !p.problems.isEmpty { t += " [" + p.problems.map(\.rawValue).joined(separator: ",") + "]" }
            parts.append(t)
        }
        var label = parts.joined(separator: " | ")
        if pieces.count > 1 { label += " (sticky)" }
        if pieces.count == 1 && pieces[0].kind != .whole { label += " (split)" }
        return label
    }

    static func liveText(_ p: FrameView.Piece) -> String {
        guard let t = p.textBytes else { return "(\(p.length) B, not UTF-8)" }
        return MessageLines.quoted(t, limit: 16)
    }

    /// `follow`'s line for one stream: `stream 0: client A ⇄ server B (sent the SYN); framing !I`.
    public static func streamLine(stream: Int, endpoints e: StreamEndpoints?, format: String?, into out: ByteSink) {
        out.write("stream \(stream):")
        if let e {
            out.write(" client \(endpoint(e.client, e.clientPort)) ⇄ server \(endpoint(e.server, e.serverPort)) (\(e.roleReason))")
        }
        if let f = format { out.write("; framing \(f)") }
    }

    /// `follow`'s line for one message: `→ #1 "hi"   frames 4`, its problems after.
    public static func messageLine(_ m: ChatMessage, into out: ByteSink) {
        out.write(m.direction == .clientToServer ? "→ " : "← ")
        out.write("#\(m.message.index) ")
        out.write(MessageLines.quoted(m.message.body, limit: 200))
        out.write("   frames \(m.frames.map(String.init).joined(separator: ","))")
        if !m.message.problems.isEmpty { out.write(" [" + m.message.problems.map(\.rawValue).joined(separator: ", ") + "]") }
        out.byte(UInt8(ascii: "\n"))
    }
}

/// The conversations of a live `follow`, kept for the summary at its end: each stream's
/// endpoints and its messages' lines (rendered as they complete, so no body is held), at most
/// `byteLimit` bytes of them; past it messages are only counted.
public final class ConversationLog {
    struct Entry {
        var firstFrame: Int
        var index: Int
        var line: [UInt8]
    }

    struct Stream {
        var endpoints: StreamEndpoints?
        var format: String?
        var guessed = false
        var entries: [Entry] = []
        var left = 0
    }

    let byteLimit: Int
    var kept = 0
    var streams: [Int: Stream] = [:]
    var streamsLeft = 0

    public init(byteLimit: Int = 16 << 20) { self.byteLimit = byteLimit }

    /// A stream was seen for the first time.
    public func opened(stream: Int, endpoints: StreamEndpoints?) {
        guard streams[stream] == nil else { return }
        guard kept < byteLimit else { streamsLeft += 1; return }
        kept += 128
        streams[stream] = Stream(endpoints: endpoints)
    }

    /// A message of an opened stream completed.
    public func add(_ m: ChatMessage) {
        guard var s = streams[m.stream] else { return }
        if s.format == nil { (s.format, s.guessed) = (m.format, m.guessed) }
        if kept < byteLimit {
            let out = ByteSink(capacity: 64)
            Ladder.messageLine(m, into: out)
            let line = out.withBytes { Array($0) }
            kept += line.count + 32
            s.entries.append(Entry(firstFrame: m.frames.first ?? 0, index: m.message.index, line: line))
        } else {
            s.left += 1
        }
        streams[m.stream] = s
    }

    /// The summary: per stream in stream order, `follow`'s header line and its message lines in
    /// order of their first frame.
    public func render(style: TextStyle, into out: ByteSink) {
        for (index, s) in streams.sorted(by: { $0.key < $1.key }) {
            if style.colour { out.write("\u{1b}[1m") }
            Ladder.streamLine(stream: index, endpoints: s.endpoints, format: s.format.map { $0 + (s.guessed ? " (guessed)" : "") }, into: out)
            style.close(out)
            out.byte(UInt8(ascii: "\n"))
            if s.entries.isEmpty && s.left == 0 { out.write("(no messages)\n") }
            for e in s.entries.sorted(by: { ($0.firstFrame, $0.index) < ($1.firstFrame, $1.index) }) {
                e.line.withUnsafeBytes { out.append($0) }
            }
            if s.left > 0 { out.write("… and \(s.left) more message\(s.left == 1 ? "" : "s") (the summary keeps \(byteLimit >> 20) MB)\n") }
        }
        if streamsLeft > 0 { out.write("… and \(streamsLeft) more stream\(streamsLeft == 1 ? "" : "s") (the summary keeps \(byteLimit >> 20) MB)\n") }
    }
}
