import Render

/// The replay's report (docs/DESIGN.md "Replay", "Replay JSON"), rendered into a `ByteSink` for
/// the caller to write: per conversation, as text its heading and one line a comparison, or one
/// JSON object a comparison; then its problem, if any; at the end the totals.
public enum ReplayReport {
    /// `byMessage` and `udp` are the options the replay ran with: they name what was sent
    /// (writes or messages) and what was replayed (streams or flows).
    public static func render(_ outcomes: [ReplayOutcome], json: Bool, byMessage: Bool, udp: Bool, into out: ByteSink) {
        var counts: [MessageVerdict: Int] = [:]
        for o in outcomes {
            let c = o.conversation
            if !json { heading(o, byMessage: byMessage, into: out) }
            for m in o.comparisons {
                counts[m.verdict, default: 0] += 1
                if json { jsonLine(m, stream: c.stream, into: out) } else { textLine(m, into: out) }
            }
            if let p = o.problem {
                if json {
                    out.write("{\"stream\":\(c.stream),\"problem\":")
                    out.jsonString(p)
                    out.write("}\n")
                } else {
                    out.write("  \(p)\n")
                }
            }
        }
        let n = outcomes.count
        if json {
            out.write("{\"summary\":{\"streams\":\(n),\"same\":\(counts[.same] ?? 0),\"different\":\(counts[.different] ?? 0),\"missing\":\(counts[.missing] ?? 0),\"extra\":\(counts[.extra] ?? 0)}}\n")
        } else {
            out.write("total: \(n) \(udp ? "flow" : "stream")\(n == 1 ? "" : "s"), " + MessageVerdict.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ") + "\n")
        }
    }

    /// A conversation's first lines: who talked, how much was sent, what was left out.
    static func heading(_ o: ReplayOutcome, byMessage: Bool, into out: ByteSink) {
        let c = o.conversation
        out.write("\(c.transport == .tcp ? "stream" : "udp flow") \(c.stream) (client \(c.client) ⇄ server \(c.server), framing \(c.spec)): ")
        out.write("\(o.sent) of \(o.toSend) \(byMessage ? "messages" : "writes") sent, \(o.replayed.count) answer\(o.replayed.count == 1 ? "" : "s") (\(c.serverMessages.count) captured)\n")
        if c.skippedBytes > 0 { out.write("  \(c.skippedBytes) client bytes were not captured: not sent\n") }
        if c.midStream { out.write("  the capture began inside this stream: its first bytes were sent as captured\n") }
    }

    /// One comparison as a line, both sides quoted.
    static func textLine(_ m: MessageComparison, into out: ByteSink) {
        out.write("  #\(m.index) \(m.verdict.rawValue)")
        switch m.verdict {
        case .same: out.write(" " + MessageLines.quoted(m.captured ?? [], limit: 60))
        case .different:
            out.write(" at byte \(m.firstDifference ?? 0): captured \(MessageLines.quoted(m.captured ?? [], limit: 60)), replayed \(MessageLines.quoted(m.replayed ?? [], limit: 60))")
        case .missing: out.write(": captured \(MessageLines.quoted(m.captured ?? [], limit: 60)), nothing came")
        case .extra: out.write(": replayed \(MessageLines.quoted(m.replayed ?? [], limit: 60)), not in the capture")
        }
        out.write("\n")
    }

    /// One comparison as a JSON object (docs/DESIGN.md "Replay JSON").
    static func jsonLine(_ m: MessageComparison, stream: Int, into out: ByteSink) {
        out.write("{\"stream\":\(stream),\"direction\":\"server_to_client\",\"index\":\(m.index),\"verdict\":\"\(m.verdict.rawValue)\"")
        if let b = m.captured { out.write(",\"captured_hex\":\""); hexBytes(b, into: out); out.write("\"") }
        if let b = m.replayed { out.write(",\"replayed_hex\":\""); hexBytes(b, into: out); out.write("\"") }
        if let d = m.firstDifference { out.write(",\"first_difference\":\(d)") }
        out.write("}\n")
    }

    static func hexBytes(_ bytes: [UInt8], into out: ByteSink) {
        for b in bytes { out.hexByte(b) }
    }
}
