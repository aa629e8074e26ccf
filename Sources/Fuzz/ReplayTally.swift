// `fuzz --replay CASE --times N`: one case played alone N times, and how often its verdict came
// back. Pure: FuzzDriver plays the case, the CLI prints `text`.

/// The runs of one replayed case and what they add up to.
public struct ReplayTally: Sendable {
    public struct Run: Sendable {
        public var verdict: Verdict
        public var detail: String
        public var stderrTail: String

        public init(verdict: Verdict, detail: String, stderrTail: String) {
            self.verdict = verdict
            self.detail = detail
            self.stderrTail = stderrTail
        }
    }

    public var fuzzCase: FuzzCase
    /// The verdict a record folder says the case had (nil for a case named by its id).
    public var recorded: Verdict?
    public var runs: [Run] = []

    public init(fuzzCase: FuzzCase, recorded: Verdict?) {
        self.fuzzCase = fuzzCase
        self.recorded = recorded
    }

    /// Runs per verdict.
    public var counts: [Verdict: Int] {
        var out: [Verdict: Int] = [:]
        for r in runs { out[r.verdict, default: 0] += 1 }
        return out
    }

    /// The verdict that came back most often (the earlier verdict on a tie).
    public var mostOften: Verdict {
        counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? .ok
    }

    /// A verdict in `failing` came back at least once (exit status 1).
    public func failed(on failing: Set<Verdict>) -> Bool {
        runs.contains { failing.contains($0.verdict) }
    }

    /// The headline, a line per run (with the last stderr line it left), the tally, and why,
    /// when the verdict that came back most often is a failure.
    public func text(in language: TextLanguage) -> String {
        let c = fuzzCase
        let n = runs.count
        var text = "framescope fuzz --replay \(c.id) (\(c.family.rawValue), \(c.close.rawValue)): \(c.note)\n"
        for (i, r) in runs.enumerated() {
            text += "  run \(i + 1): \(r.verdict.rawValue)\(r.detail.isEmpty ? "" : " — \(r.detail)")\n"
            if !r.stderrTail.isEmpty, let last = r.stderrTail.split(separator: "\n").last { text += "         stderr: \(last)\n" }
        }
        let counts = self.counts
        let tally = Verdict.allCases.compactMap { v in counts[v].map { "\($0)/\(n) \(v.rawValue)" } }.joined(separator: ", ")
        if let r = recorded {
            text += "reproduced: \(counts[r] ?? 0)/\(n) \(r.rawValue) (recorded: \(r.rawValue)); all runs: \(tally)\n"
        } else {
            text += "verdicts: \(tally)\n"
        }
        let main = mostOften
        if main != .ok {
            text += "why: \(explanation(family: c.family, verdict: main, in: language).text)\n"
        }
        return text
    }
}
