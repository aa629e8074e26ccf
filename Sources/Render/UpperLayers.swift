import Framing
import Inspect
import Streams
import Wire

// Layers 5–7 of a frame (session, framing, chat) in each output mode. docs/DESIGN.md "Per-frame JSON":
//
//   {"osi":5,"proto":"session","stream":0,"direction":"client_to_server","rel_seq":1,"rel_ack":1,"analysis":[]}
//   {"osi":6,"proto":"framing","format":"!I","headers":[{"offset":0,"value":5}]}
//   {"osi":7,"proto":"chat","messages":[{"index":2,"text":"world","length":5,"complete":true}]}

public enum UpperLayers {
    /// ` [negative_length, invalid_utf8]` in the error colour; nothing for no problems. (The
    /// one-line summary and `messages` lines both end with it.)
    static func problemList(_ problems: [FrameProblem], style: TextStyle, into out: ByteSink) {
        guard !problems.isEmpty else { return }
        style.open(.error, out)
        out.write(" [")
        for (i, p) in problems.enumerated() {
            if i > 0 { out.write(", ") }
            out.write(p.rawValue)
        }
        out.byte(UInt8(ascii: "]"))
        style.close(out)
    }

    public static func json(_ v: FrameView, into out: ByteSink) {
        if let s = v.session {
            out.write(",{\"osi\":5,\"proto\":\"session\",\"stream\":")
            out.decimal(s.stream)
            out.write(",\"direction\":\"")
            out.write(s.direction.rawValue)
            out.write("\",\"rel_seq\":")
            out.decimal(s.relativeSequence)
            if let a = s.relativeAcknowledgment {
                out.write(",\"rel_ack\":")
                out.decimal(a)
            }
            out.write(",\"analysis\":")
            out.jsonNames(s.analysis) { $0.rawValue }
            out.write("}")
        }
        guard let format = v.format, !v.messages.isEmpty || !v.headers.isEmpty || v.switched != nil else { return }
        out.write(",{\"osi\":6,\"proto\":\"framing\",\"format\":")
        out.jsonString(format)
        out.write(",\"headers\":[")
        for (i, h) in v.headers.enumerated() {
            if i > 0 { out.byte(UInt8(ascii: ",")) }
            out.write("{\"offset\":")
            out.decimal(h.offset)
            out.write(",\"value\":")
            out.write(h.value)
            out.byte(UInt8(ascii: "}"))
        }
        out.byte(UInt8(ascii: "]"))
        if v.guessed { out.write(",\"guessed\":true") }
        if v.provisional { out.write(",\"provisional\":true") }
        if let w = v.switched {
            out.write(",\"switched\":{\"from\":")
            out.jsonString(w.from)
            out.write(",\"to\":")
            out.jsonString(w.to)
            out.write(",\"reason\":")
            out.jsonString(w.reason)
            out.byte(UInt8(ascii: "}"))
        }
        out.byte(UInt8(ascii: "}"))
        guard !v.messages.isEmpty else { return }
        out.write(",{\"osi\":7,\"proto\":\"chat\",\"messages\":[")
        for (i, m) in v.messages.enumerated() {
            if i > 0 { out.byte(UInt8(ascii: ",")) }
            out.write("{\"index\":")
            out.decimal(m.index)
            if let t = m.textBytes {
                out.write(",\"text\":")
                out.jsonUTF8(t)
            }
            out.write(",\"length\":")
            out.decimal(m.length)
            out.write(",\"complete\":")
            out.write(m.complete ? "true" as StaticString : "false")
            // [k, n] once the message is complete; while it is in progress n is unknown, so the
            // piece says only "complete": false (the one-line and tree views give k).
            if let k = m.part, let n = m.parts {
                out.write(",\"part\":[")
                out.decimal(k)
                out.byte(UInt8(ascii: ","))
                out.decimal(n)
                out.byte(UInt8(ascii: "]"))
            }
            if !m.problems.isEmpty {
                out.write(",\"issues\":")
                out.jsonNames(m.problems) { $0.rawValue }
            }
            out.byte(UInt8(ascii: "}"))
        }
        out.write("]}")
    }

    /// The application summary at the end of a one-line frame: ` | 2 messages in one segment
    /// (sticky): #2 "one", #3 "two"`, ` | message #1 part 2 (continues)`, ` | message #1 ends (part 3 of 3)`.
    public static func summary(_ v: FrameView, style: TextStyle, words: FrameWords = .english, into out: ByteSink) {
        // fin and rst are already in the TCP flags; the rest is news.
        if let s = v.session, s.analysis.contains(where: { $0 != .fin && $0 != .rst }) {
            style.open(.warning, out)
            out.write(" {")
            var first = true
            for a in s.analysis where a != .fin && a != .rst {
                if !first { out.byte(UInt8(ascii: ",")) }
                first = false
                out.write(a.rawValue)
            }
            out.byte(UInt8(ascii: "}"))
            style.close(out)
        }
        guard !v.messages.isEmpty else { return }
        out.write(" |")
        if v.messages.count > 1 {
            out.byte(UInt8(ascii: " "))
            words.writeSticky(v.messages.count, out)
            out.byte(UInt8(ascii: ":"))
        }
        for (i, m) in v.messages.enumerated() {
            if i > 0 { out.byte(UInt8(ascii: ",")) }
            out.write(" #")
            out.decimal(m.index)
            switch m.kind {
            case .whole:
                out.byte(UInt8(ascii: " "))
                quote(m.textBytes, length: m.length, into: out)
            case .starts:
                out.byte(UInt8(ascii: " "))
                words.writeStarts(m.length, headerBytes: m.headerBytes, out)
                if v.messages.count == 1 { out.write(words.splitFollows) }
            case .continues:
                out.byte(UInt8(ascii: " "))
                words.writeContinues(m.part ?? 0, m.parts, out)
            case .ends:
                out.byte(UInt8(ascii: " "))
                words.writeEnds(m.part ?? 0, m.parts ?? 0, out)
                out.byte(UInt8(ascii: " "))
                quote(m.textBytes, length: m.length, into: out)
            }
            problemList(m.problems, style: style, into: out)
        }
        // auto has not chosen yet (one segment shown as one message), or changed its choice here.
        if v.provisional { out.write(words.provisional) }
        if let w = v.switched { out.write(" (auto switched \(w.from) → \(w.to))") }
    }

    static func quote(_ text: [UInt8]?, length: Int, into out: ByteSink) {
        if let t = text {
            MessageLines.quoted(t, limit: 40, valid: true, into: out)
        } else {
            out.write("(\(length) bytes, not UTF-8)")
        }
    }

    /// Rows for the `-V` tree.
    public static func tree(_ v: FrameView, words: FrameWords = .english) -> [(osi: Int, name: String, headline: String, details: [String])] {
        var rows: [(Int, String, String, [String])] = []
        if let s = v.session {
            var d = ["relative seq \(s.relativeSequence)" + (s.relativeAcknowledgment.map { ", relative ack \($0)" } ?? "")]
            if !s.analysis.isEmpty { d.append("analysis: " + s.analysis.map(\.rawValue).joined(separator: ", ")) }
            rows.append((5, "session", "TCP stream \(s.stream), \(s.direction == .clientToServer ? "client → server" : "server → client")", d))
        }
        if let f = v.format, !v.messages.isEmpty || !v.headers.isEmpty || v.switched != nil {
            var d: [String] = []
            for h in v.headers { d.append(words.headerAt(h.offset, h.value)) }
            if v.provisional {
                d.append(words.provisionalDetail)
            } else if d.isEmpty {
                d.append(words.noHeader)
            }
            if let w = v.switched { d.append("auto switched from \(w.from) to \(w.to) here: \(w.reason)") }
            let how = v.provisional ? " (guessed, provisional)" : v.guessed ? " (guessed)" : ""
            rows.append((6, "presentation", "framing \(f)\(how)", d))
        }
        if !v.messages.isEmpty {
            var d: [String] = []
            for m in v.messages {
                let o = ByteSink(capacity: 64)
                quote(m.textBytes, length: m.length, into: o)
                var t = "#\(m.index) "
                switch m.kind {
                case .whole: t += o.string
                case .starts:
                    t += m.headerBytes.map(words.treeStartsCut) ?? words.treeStarts(m.length)
                case .continues: t += words.continues(m.part ?? 0, m.parts)
                case .ends: t += words.ends(m.part ?? 0, m.parts ?? 0) + ": " + o.string
                }
                if !m.problems.isEmpty { t += " [" + m.problems.map(\.rawValue).joined(separator: ", ") + "]" }
                d.append(t)
            }
            let headline = v.messages.count > 1 ? words.sticky(v.messages.count) : words.oneMessage
            rows.append((7, "application", headline, d))
        }
        return rows
    }
}
