import Render

/// A fuzz run's results: the JSON report (a public contract, docs/DESIGN.md "Fuzz report JSON") and the
/// terminal table. Pure: the CLI decides where the bytes go.
public struct FuzzReport: Sendable {
    public var target: String
    public var transport: String
    public var format: String
    public var seed: UInt64
    public var cases: Int
    public var duration: Double
    /// The server's limit used for the limit-relative cases, and whether it was learned.
    public var limit: Int
    public var limitLearned: Bool
    /// Cases run per family and verdict (every case once, with its final verdict).
    public var table: [Family: [Verdict: Int]] = [:]
    public var failures: [Failure] = []
    /// Failures beyond `maxFailuresKept` are counted, not kept.
    public var failuresNotKept = 0
    /// Target restarts made with `--exec`.
    public var restarts = 0
    /// Why the run ended before its case count, if it did (`the target did not recover …`).
    public var stoppedEarly: String?
    /// The oracle that judged the run and why `replay` fell back, with `--from` (Report+From.swift).
    public var oracle: String?
    public var oracleFallback: String?
    /// Evidence for each distinct finding, by the case id of its first failure.
    public var evidence: [String: FindingEvidence] = [:]
    /// The language of the `explanation` field (both languages are in `explanations`).
    public var language: TextLanguage = .en

    public static let maxFailuresKept = 1000

    public init(target: String, transport: String, format: String, seed: UInt64, limit: Int, limitLearned: Bool) {
        self.target = target
        self.transport = transport
        self.format = format
        self.seed = seed
        self.cases = 0
        self.duration = 0
        self.limit = limit
        self.limitLearned = limitLearned
    }

    public mutating func record(_ family: Family, _ verdict: Verdict) {
        cases += 1
        table[family, default: [:]][verdict, default: 0] += 1
    }

    public mutating func keep(_ failure: Failure) {
        if failures.count < Self.maxFailuresKept { failures.append(failure) } else { failuresNotKept += 1 }
    }

    public var verdictCounts: [Verdict: Int] {
        var out: [Verdict: Int] = [:]
        for row in table.values { for (v, n) in row { out[v, default: 0] += n } }
        return out
    }

    /// Some case failed (a non-ok verdict in the table). The exit status follows
    /// `hasConfirmedFailure` (Finding.swift): an unconfirmed finding does not fail the run.
    public var failed: Bool { verdictCounts.contains { $0.key != .ok && $0.value > 0 } }

    /// The distinct findings (`distinctFindings`, grouped by the target's failure signature),
    /// first seen first, confirmed or not; each with its first case and how many cases reach it.
    public var findings: [(first: Failure, count: Int)] {
        distinctFindings.map { (first: $0.first, count: $0.failures.count) }
    }

    // MARK: - JSON

    /// The report as one JSON object, keys in docs/DESIGN.md "Fuzz report JSON"'s order (the core ones, then
    /// additions: per failure `explanations` (every language), `note`, `detail`, `case_index`,
    /// `found_after_s`, and for the first case of each distinct finding `minimized_close`,
    /// `minimized_hold_s`, `minimize_tries`, `minimize_confirmed`, `recorded_verdict`,
    /// `record_dir`, `pcap_note`; then `limit`, `limit_learned`, `cases_per_s`, `families`,
    /// `failures_not_kept`, `restarts`, `stopped_early`). `pcap` and `minimized_writes_hex` are
    /// given for the first case of each distinct finding (absent facts are omitted). Each
    /// failure also says its `cause` where known and its finding: `finding` (an index in
    /// `findings`) or, for an unconfirmed one, `unconfirmed_finding` (an index in `unconfirmed`).
    /// After `failures`: `findings`, one object per distinct confirmed finding, and
    /// `unconfirmed`, the same objects for the findings that did not come back when played again.
    public func json(reproduce: (Failure) -> String) -> [UInt8] {
        let (confirmed, unconfirmed) = splitFindings
        var place: [String: (Bool, Int)] = [:]
        for (i, g) in confirmed.enumerated() { for id in g.cases { place[id] = (true, i) } }
        for (i, g) in unconfirmed.enumerated() { for id in g.cases { place[id] = (false, i) } }
        let out = ByteSink()
        out.write("{\"target\": ")
        out.jsonString(target)
        out.write(", \"transport\": ")
        out.jsonString(transport)
        out.write(", \"format\": ")
        out.jsonString(format)
        out.write(", \"seed\": ")
        out.unsignedDecimal(seed)
        out.write(", \"cases\": ")
        out.decimal(cases)
        out.write(", \"duration_s\": ")
        out.write(Self.seconds(duration))
        out.write(", \"verdict_counts\": {")
        var first = true
        for v in Verdict.allCases {
            guard let n = verdictCounts[v], n > 0 else { continue }
            if !first { out.write(", ") }
            first = false
            out.jsonString(v.rawValue)
            out.write(": ")
            out.decimal(n)
        }
        out.write("}, \"failures\": [")
        for (i, f) in failures.enumerated() {
            if i > 0 { out.write(", ") }
            out.write("{\"case\": ")
            out.jsonString(f.fuzzCase.id)
            out.write(", \"family\": ")
            out.jsonString(f.fuzzCase.family.rawValue)
            out.write(", \"verdict\": ")
            out.jsonString(f.verdict.rawValue)
            out.write(", \"writes_hex\": [")
            for (j, w) in f.fuzzCase.writesHex.enumerated() {
                if j > 0 { out.write(", ") }
                out.jsonString(w)
            }
            out.write("], \"close\": ")
            out.jsonString(f.fuzzCase.close.rawValue)
            out.write(", \"stderr_tail\": ")
            out.jsonString(f.stderrTail)
            let ev = evidence[f.fuzzCase.id]
            if let p = ev?.pcap {
                out.write(", \"pcap\": ")
                out.jsonString(p)
            }
            if let m = ev?.minimized {
                out.write(", \"minimized_writes_hex\": ")
                out.jsonNames(m.writesHex) { $0 }
            }
            out.write(", \"reproduce\": ")
            out.jsonString(reproduce(f))
            out.write(", \"explanation\": ")
            out.jsonString(f.explained(in: language).text)
            writeExplanations(f, out)
            if let e = ev {
                if let m = e.minimized {
                    out.write(", \"minimized_close\": ")
                    out.jsonString(m.close.rawValue)
                    if m.close == .hold, let h = e.minimizedHold {
                        out.write(", \"minimized_hold_s\": ")
                        out.write(Self.seconds(h))
                    }
                    out.write(", \"minimize_tries\": ")
                    out.decimal(e.minimizeTries)
                    out.write(", \"minimize_confirmed\": ")
                    out.write(e.minimizeConfirmed ? "true" : "false")
                    if let why = e.minimizeCutShort {
                        out.write(", \"minimize_cut_short\": ")
                        out.jsonString(why)
                    }
                }
                if let v = e.recordedVerdict {
                    out.write(", \"recorded_verdict\": ")
                    out.jsonString(v.rawValue)
                }
                if let d = e.recordDir {
                    out.write(", \"record_dir\": ")
                    out.jsonString(d)
                }
                if let n = e.pcapNote {
                    out.write(", \"pcap_note\": ")
                    out.jsonString(n)
                }
            }
            out.write(", \"note\": ")
            out.jsonString(f.fuzzCase.note)
            out.write(", \"detail\": ")
            out.jsonString(f.detail)
            out.write(", \"case_index\": ")
            out.decimal(f.index)
            out.write(", \"found_after_s\": ")
            out.write(Self.seconds(f.foundAfter))
            if let c = f.cause {
                out.write(", \"cause\": ")
                out.jsonString(c.rawValue)
            }
            if let (isConfirmed, i) = place[f.fuzzCase.id] {
                out.write(isConfirmed ? ", \"finding\": " : ", \"unconfirmed_finding\": ")
                out.decimal(i)
            }
            out.write("}")
        }
        for (key, list) in [("findings", confirmed), ("unconfirmed", unconfirmed)] {
            out.write("], \"\(key)\": [")
            for (i, g) in list.enumerated() {
                if i > 0 { out.write(", ") }
                writeFinding(g, out, reproduce: reproduce)
            }
        }
        out.write("], \"limit\": ")
        out.decimal(limit)
        out.write(", \"limit_learned\": ")
        out.write(limitLearned ? "true" : "false")
        out.write(", \"cases_per_s\": ")
        out.write(Self.seconds(duration > 0 ? Double(cases) / duration : 0))
        out.write(", \"families\": {")
        for (i, family) in table.keys.sorted().enumerated() {
            if i > 0 { out.write(", ") }
            out.jsonString(family.rawValue)
            out.write(": {")
            for (j, v) in Verdict.allCases.filter({ (table[family]?[$0] ?? 0) > 0 }).enumerated() {
                if j > 0 { out.write(", ") }
                out.jsonString(v.rawValue)
                out.write(": ")
                out.decimal(table[family]?[v] ?? 0)
            }
            out.write("}")
        }
        out.write("}, \"failures_not_kept\": ")
        out.decimal(failuresNotKept)
        out.write(", \"restarts\": ")
        out.decimal(restarts)
        if let s = stoppedEarly {
            out.write(", \"stopped_early\": ")
            out.jsonString(s)
        }
        writeOracle(out)
        out.write("}\n")
        return out.withBytes { Array($0) }
    }

    /// `"explanations": {"en": …, "zh": …}`.
    private func writeExplanations(_ f: Failure, _ out: ByteSink) {
        out.write(", \"explanations\": {")
        for (i, lang) in TextLanguage.allCases.enumerated() {
            if i > 0 { out.write(", ") }
            out.jsonString(lang.rawValue)
            out.write(": ")
            out.jsonString(f.explained(in: lang).text)
        }
        out.write("}")
    }

    /// One object of `findings` or `unconfirmed`: docs/DESIGN.md "Fuzz report JSON"'s keys (`signature`, `verdict`,
    /// `cause`, `families`, `cases`, `confirmed`, then the representative's `writes_hex`,
    /// `minimized_writes_hex`, `minimize_confirmed`, `pcap`, `reproduce`, `explanation`), then
    /// the representative's `case`, `close`, `detail`, `explanations`, `record_dir`, `pcap_note`.
    private func writeFinding(_ g: Finding, _ out: ByteSink, reproduce: (Failure) -> String) {
        let f = g.first
        let ev = evidence[f.fuzzCase.id]
        out.write("{\"signature\": ")
        out.jsonString(g.signature)
        out.write(", \"verdict\": ")
        out.jsonString(g.verdict.rawValue)
        if let c = g.cause {
            out.write(", \"cause\": ")
            out.jsonString(c.rawValue)
        }
        out.write(", \"families\": ")
        out.jsonNames(g.families) { $0.rawValue }
        out.write(", \"cases\": [")
        for (i, id) in g.cases.enumerated() {
            if i > 0 { out.write(", ") }
            out.jsonString(id)
        }
        out.write("]")
        if let c = ev?.confirmed {
            out.write(", \"confirmed\": [")
            out.decimal(c.cameBack)
            out.write(", ")
            out.decimal(c.played)
            out.write("]")
        }
        out.write(", \"writes_hex\": ")
        out.jsonNames(f.fuzzCase.writesHex) { $0 }
        if let e = ev, let m = e.minimized {
            out.write(", \"minimized_writes_hex\": ")
            out.jsonNames(m.writesHex) { $0 }
            out.write(", \"minimize_confirmed\": ")
            out.write(e.minimizeConfirmed ? "true" : "false")
        }
        if let p = ev?.pcap {
            out.write(", \"pcap\": ")
            out.jsonString(p)
        }
        out.write(", \"reproduce\": ")
        out.jsonString(reproduce(f))
        out.write(", \"explanation\": ")
        out.jsonString(f.explained(in: language).text)
        out.write(", \"case\": ")
        out.jsonString(f.fuzzCase.id)
        out.write(", \"close\": ")
        out.jsonString(f.fuzzCase.close.rawValue)
        out.write(", \"detail\": ")
        out.jsonString(f.detail)
        writeExplanations(f, out)
        if let d = ev?.recordDir {
            out.write(", \"record_dir\": ")
            out.jsonString(d)
        }
        if let n = ev?.pcapNote {
            out.write(", \"pcap_note\": ")
            out.jsonString(n)
        }
        out.write("}")
    }

    /// A finite number with at most three decimals (JSON has no NaN or infinity).
    static func seconds(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "0" }
        guard (s * 1000).rounded() < 1e15, let text = threeDecimals(s) else { return "999999999999" }
        return text
    }

    // MARK: - terminal

    /// The table by family × verdict, one row a family, only the verdict columns that occur
    /// (ok always).
    public func tableText() -> String {
        let columns = Verdict.allCases.filter { v in v == .ok || table.values.contains { ($0[v] ?? 0) > 0 } }
        let families = table.keys.sorted()
        let nameWidth = max(6, families.map(\.rawValue.count).max() ?? 0)
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            let p = String(repeating: " ", count: max(0, w - s.count))
            return left ? s + p : p + s
        }
        let widths = columns.map { max($0.rawValue.count, 5) }
        var lines: [String] = []
        lines.append(pad("family", nameWidth, left: true) + zip(columns, widths).map { "  " + pad($0.rawValue, $1) }.joined() + "  " + pad("cases", 6))
        var totals = [Verdict: Int]()
        for family in families {
            let row = table[family] ?? [:]
            var n = 0
            var text = pad(family.rawValue, nameWidth, left: true)
            for (v, w) in zip(columns, widths) {
                let c = row[v] ?? 0
                n += c
                totals[v, default: 0] += c
                text += "  " + pad(c == 0 ? "-" : String(c), w)
            }
            lines.append(text + "  " + pad(String(n), 6))
        }
        lines.append(pad("all", nameWidth, left: true) + zip(columns, widths).map { "  " + pad(String(totals[$0] ?? 0), $1) }.joined()
                     + "  " + pad(String(cases), 6))
        return lines.joined(separator: "\n")
    }
}
