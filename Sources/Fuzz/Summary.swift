// The terminal summary of a fuzz run's findings (after the table): one block per confirmed
// finding, then the unconfirmed ones apart. Pure: the CLI prints it.

extension FuzzReport {
    /// `N distinct findings:` and a block for each (what, the families that reach it, the
    /// cause, how often it came back, why, the minimised input, the pcap), then the
    /// `unconfirmed` section; `no failure.` when nothing failed. Starts with a newline.
    public func summaryText(reproduce: (Failure) -> String) -> String {
        let (confirmed, unconfirmed) = splitFindings
        var text = ""
        if confirmed.isEmpty {
            text += unconfirmed.isEmpty ? "\nno failure.\n" : "\nno confirmed failure.\n"
        } else {
            text += "\n\(confirmed.count) distinct finding\(confirmed.count == 1 ? "" : "s"):\n"
            for (n, g) in confirmed.enumerated() {
                text += "\(n + 1). " + block(g, reproduce: reproduce)
            }
        }
        if !unconfirmed.isEmpty {
            text += "\n\(unconfirmed.count) unconfirmed finding\(unconfirmed.count == 1 ? "" : "s")"
            text += " (played alone again, the verdict came back fewer than 2 times; not counted as a failure):\n"
            for g in unconfirmed {
                let c = evidence[g.first.fuzzCase.id]?.confirmed
                text += "- unconfirmed (came back \(c?.cameBack ?? 0) of \(c?.played ?? 0)): " + block(g, reproduce: reproduce)
            }
        }
        return text
    }

    /// One finding: a headline with its reproducer, then indented lines.
    private func block(_ g: Finding, reproduce: (Failure) -> String) -> String {
        let f = g.first
        let count = g.failures.count
        var text = "\(f.verdict.rawValue)\(g.cause.map { " (\($0.rawValue))" } ?? "") · \(f.fuzzCase.family.rawValue) · \(f.fuzzCase.id)"
        text += count > 1 ? " (+\(count - 1) like it)" : ""
        text += " — \(reproduce(f))\n"
        let families = g.families
        if families.count > 1 {
            text += "   1 bug, reached by \(families.count) families (\(families.map(\.rawValue).joined(separator: ", ")))\n"
        }
        text += "   \(f.fuzzCase.note)\n   seen: \(f.detail)\n"
        if let c = g.cause { text += "   cause: \(c.rawValue)\n" }
        if !Failure.signature(f.stderrTail).isEmpty, let last = f.stderrTail.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last(where: { !$0.allSatisfy(\.isWhitespace) }) {
            text += "   stderr: \(last)\n"
        }
        if g.verdict == .crash, let at = Failure.crashLocation(f.stderrTail) {
            text += "   at: \(at.file):\(at.line) in \(at.function)\n"
        }
        let ev = evidence[f.fuzzCase.id]
        if let c = ev?.confirmed, ev?.isConfirmed == true { text += "   confirmed \(c.cameBack)/\(c.played)\n" }
        text += "   why: \(f.explained(in: language).text)\n"
        if let ev {
            if let m = ev.minimized {
                let before = f.fuzzCase.bytes.count, after = m.bytes.count
                text += "   minimised: \(m.writes.count) write\(m.writes.count == 1 ? "" : "s"), \(after) of \(before) bytes, close \(m.close.rawValue)"
                text += " (\(ev.minimizeTries) tries, \(ev.minimizeConfirmed ? "confirmed" : "not confirmed on its last run"))"
                text += ": " + m.writesHex.map { $0.count > 48 ? String($0.prefix(48)) + "…" : $0 }.joined(separator: " | ") + "\n"
            }
            if let p = ev.pcap { text += "   pcap: \(p)\(ev.recordedVerdict.map { " (re-run: \($0.rawValue))" } ?? "")\n" }
            else if let why = ev.pcapNote { text += "   no pcap: \(why)\n" }
        }
        return text
    }
}
