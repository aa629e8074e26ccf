import Framing
import Render

// `fuzz --report x.html`: one self-contained page (inline CSS and SVG; no script, font, image
// or link that leaves the file) a person opens to see what was found: the run, the table by
// family × verdict, and for each distinct finding its bytes (header bytes marked, write by
// write), close mode, minimised input, ladder diagram, reproducer and explanation.

extension FuzzReport {
    public func html(reproduce: (Failure) -> String, spec: FrameSpec) -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="\(language == .zh ? "zh" : "en")"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
        <title>framescope fuzz \(esc(target))</title>
        <style>
        body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}
        h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
        table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}
        th:first-child,td:first-child{text-align:left}td.bad{background:#fde2e2;font-weight:bold}
        code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f6f6f6;padding:.6em;overflow-x:auto}
        pre.hex mark{background:#ffe08a;color:#000}.verdict{font-weight:bold;color:#b00}
        .finding{border:1px solid #ddd;border-radius:6px;padding:0 1em 1em;margin:1.5em 0}
        .svg svg{max-width:100%;height:auto;border:1px solid #eee}dt{font-weight:bold}dd{margin:0 0 .6em 1.5em}
        </style></head><body>
        <h1>framescope fuzz report</h1>
        <p>Target <code>\(esc(target))</code> (\(esc(transport)), framing <code>\(esc(format))</code>),
        seed \(seed), \(cases) cases in \(Self.seconds(duration)) s (\(Self.seconds(duration > 0 ? Double(cases) / duration : 0)) cases/s),
        limit \(limit) bytes\(limitLearned ? " (learned)" : "")\(restarts > 0 ? ", \(restarts) restarts" : "").</p>

        """
        if let why = stoppedEarly { h += "<p><strong>Stopped early:</strong> \(esc(why))</p>\n" }
        // The table by family × verdict.
        let columns = Verdict.allCases.filter { v in v == .ok || table.values.contains { ($0[v] ?? 0) > 0 } }
        h += "<h2>Cases by family and verdict</h2>\n<table id=\"verdicts\"><tr><th>family</th>"
        h += columns.map { "<th>\($0.rawValue)</th>" }.joined() + "<th>cases</th></tr>\n"
        for family in table.keys.sorted() {
            let row = table[family] ?? [:]
            h += "<tr><td>\(family.rawValue)</td>"
            for v in columns {
                let n = row[v] ?? 0
                h += "<td\(v != .ok && n > 0 ? " class=\"bad\"" : "")>\(n == 0 ? "-" : String(n))</td>"
            }
            h += "<td>\(row.values.reduce(0, +))</td></tr>\n"
        }
        h += "</table>\n"

        let (found, unconfirmed) = splitFindings
        h += "<h2>Findings</h2>\n"
        if found.isEmpty {
            h += unconfirmed.isEmpty ? "<p>No failure: every case was answered right and in time.</p>\n"
                : "<p>No confirmed failure (see the unconfirmed findings below).</p>\n"
        } else {
            h += findingsTable("findings", "finding", found, reproduce: reproduce)
        }
        for (n, g) in found.enumerated() {
            h += finding("finding", n + 1, g, reproduce: reproduce(g.first), spec: spec)
        }
        if !unconfirmed.isEmpty {
            h += "<h2>Unconfirmed</h2>\n<p>Played alone again, the verdict of these came back fewer than 2 times: "
            h += "listed here, not counted as failures.</p>\n"
            h += findingsTable("unconfirmed", "unconfirmed", unconfirmed, reproduce: reproduce)
            for (n, g) in unconfirmed.enumerated() {
                h += finding("unconfirmed", n + 1, g, reproduce: reproduce(g.first), spec: spec)
            }
        }
        h += "<p><small>Made by framescope. Verdicts: "
        h += Verdict.allCases.map { "<b>\($0.rawValue)</b> \(esc($0.summary))" }.joined(separator: "; ") + ".</small></p>\n"
        h += "</body></html>\n"
        return h
    }

    /// The summary table of confirmed or unconfirmed findings, linking to their sections.
    private func findingsTable(_ id: String, _ anchor: String, _ list: [Finding], reproduce: (Failure) -> String) -> String {
        var h = "<table id=\"\(id)\"><tr><th>#</th><th>verdict</th><th>cause</th><th>families</th><th>case</th><th>cases like it</th>"
        h += "<th>confirmed</th><th>reproduce</th></tr>\n"
        for (n, g) in list.enumerated() {
            let f = g.first
            h += "<tr><td><a href=\"#\(anchor)-\(n + 1)\">\(n + 1)</a></td><td class=\"bad\">\(f.verdict.rawValue)</td>"
            h += "<td>\(g.cause?.rawValue ?? "-")</td><td>\(g.families.map(\.rawValue).joined(separator: ", "))</td>"
            h += "<td><code>\(esc(f.fuzzCase.id))</code></td><td>\(g.failures.count)</td><td>\(confirmedText(g) ?? "-")</td>"
            h += "<td style=\"text-align:left\"><code class=\"reproduce\">\(esc(reproduce(f)))</code></td></tr>\n"
        }
        return h + "</table>\n"
    }

    /// `3/3`: how often the finding's verdict came back when its case was played alone again.
    private func confirmedText(_ g: Finding) -> String? {
        evidence[g.first.fuzzCase.id]?.confirmed.map { "\($0.cameBack)/\($0.played)" }
    }

    private func finding(_ anchor: String, _ n: Int, _ g: Finding, reproduce: String, spec: FrameSpec) -> String {
        let f = g.first
        let count = g.failures.count
        let c = f.fuzzCase
        let ev = evidence[c.id]
        let udp = transport == "udp"
        var h = "<section class=\"finding\" id=\"\(anchor)-\(n)\">\n"
        h += "<h2>\(n). <span class=\"verdict\">\(f.verdict.rawValue)</span>\(g.cause.map { " (<span class=\"cause\">\($0.rawValue)</span>)" } ?? "")"
        h += " · \(c.family.rawValue) · <code>\(esc(c.id))</code>"
        h += count > 1 ? " (and \(count - 1) more case\(count == 2 ? "" : "s"))" : ""
        h += "</h2>\n<dl>\n<dt>Signature</dt><dd><code>\(esc(g.signature))</code></dd>\n"
        let families = g.families
        if families.count > 1 {
            h += "<dt>Families</dt><dd>1 bug, reached by \(families.count) families: \(families.map(\.rawValue).joined(separator: ", "))</dd>\n"
        }
        if let k = confirmedText(g) {
            h += "<dt>Confirmed</dt><dd>\(anchor == "unconfirmed" ? "unconfirmed: came back " : "")\(k) when played alone again</dd>\n"
        }
        h += "<dt>The case</dt><dd>\(esc(c.note))</dd>\n"
        h += "<dt>Seen</dt><dd>\(esc(f.detail))</dd>\n"
        let mine = f.explained(in: language)
        h += "<dt>\(language == .zh ? "原因与修正" : "What happened, the likely bug, the fix")</dt><dd>"
        h += "<p>\(esc(mine.what))</p><p>\(esc(mine.bug))</p><p><strong>\(esc(mine.fix))</strong></p>"
        for other in TextLanguage.allCases where other != language {
            h += "<details><summary>\(other == .zh ? "中文" : "English")</summary><p>\(esc(f.explained(in: other).text))</p></details>"
        }
        h += "</dd>\n"
        let total = c.writes.reduce(0) { $0 + $1.count }
        h += "<dt>Writes</dt><dd>\(c.writes.count) write\(c.writes.count == 1 ? "" : "s"), \(total) bytes; close: <code>\(c.close.rawValue)</code>"
        h += c.connections > 1 ? "; on \(c.connections) connections at once" : ""
        h += c.gapMillis > 0 ? "; \(c.gapMillis) ms between writes" : ""
        h += ". Header bytes are <mark>marked</mark>.</dd>\n"
        h += "</dl>\n" + hexDump(c, spec: spec, udp: udp)
        if let m = ev?.minimized {
            h += "<p><strong>Minimised</strong> (\(ev?.minimizeTries ?? 0) tries, \(ev?.minimizeConfirmed == true ? "confirmed: the same verdict again" : "not confirmed on its last run")"
            h += ev?.minimizeCutShort.map { "; stopped at \(esc($0))" } ?? ""
            h += "): close <code>\(m.close.rawValue)</code>\(m.close == .hold ? ", held \(Self.seconds(ev?.minimizedHold ?? 0)) s" : "")</p>\n"
            h += hexDump(m, spec: spec, udp: udp)
        }
        if let p = ev?.pcap {
            h += "<p>Capture of the case re-run alone: <a href=\"\(esc(p))\"><code>\(esc(p))</code></a>"
            if let v = ev?.recordedVerdict { h += " (verdict of that run: \(v.rawValue))" }
            h += "</p>\n"
        } else if let why = ev?.pcapNote {
            h += "<p>No capture: \(esc(why))</p>\n"
        }
        if let svg = ev?.ladderSVG, let start = svg.firstRange(of: "<svg") {
            h += "<div class=\"svg\">" + String(svg[start.lowerBound...]) + "</div>\n"
        }
        if !f.stderrTail.isEmpty {
            h += "<p>The target's last standard-error lines:</p><pre>\(esc(String(f.stderrTail.suffix(2000))))</pre>\n"
        }
        h += "<p>Reproduce:</p><pre><code class=\"reproduce\">\(esc(reproduce))</code></pre>\n</section>\n"
        return h
    }

    /// Each write as offset-addressed hex rows, 16 bytes a row, header bytes in `<mark>`.
    private func hexDump(_ c: FuzzCase, spec: FrameSpec, udp: Bool) -> String {
        let marks = headerRanges(of: c, spec: spec, udp: udp)
        var marked = [Bool](repeating: false, count: c.bytes.count)
        for r in marks { for i in r where i < marked.count { marked[i] = true } }
        var h = "<pre class=\"hex\">"
        var base = 0
        let digits = Array("0123456789abcdef")
        for (wi, w) in c.writes.enumerated() {
            h += "write \(wi + 1) (\(w.count) bytes)\n"
            let shown = min(w.count, 4096)
            var row = 0
            while row < shown {
                let end = min(shown, row + 16)
                var line = String(repeating: " ", count: 2) + String(row, radix: 16).leftPadded(4) + "  "
                var text = ""
                for i in row ..< end {
                    let b = w[i]
                    let pair = String([digits[Int(b >> 4)], digits[Int(b & 15)]])
                    line += marked[base + i] ? "<mark>\(pair)</mark> " : pair + " "
                    text += (0x20 ..< 0x7f).contains(b) ? esc(String(UnicodeScalar(b))) : "."
                }
                line += String(repeating: "   ", count: 16 - (end - row))
                h += line + " " + text + "\n"
                row = end
            }
            if shown < w.count { h += "  … \(w.count - shown) more bytes\n" }
            base += w.count
        }
        return h + "</pre>\n"
    }

    /// HTML text escaping: the ladder's XML escaping, which HTML text accepts as it is.
    private func esc(_ s: String) -> String { Ladder.xml(s) }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
