import Render

// `fuzz --junit FILE.xml` (docs/DESIGN.md "Fuzz CI reports"): the run as JUnit XML, the format CI
// systems show as tests. One test case per family the run was to play; each distinct finding
// that fails the run (confirmed, its verdict in `--fail-on`) is a `<failure>` in the test case of
// the family its first case came from. Pure: the CLI writes the bytes.

extension FuzzReport {
    /// The JUnit document. `families`: the families the run was to play (the catalogue's
    /// applicable ones); one with no case run is `<skipped>`. `failOn`: the verdicts that fail
    /// the run. Findings that do not fail it (unconfirmed, or another verdict) are listed in their
    /// test case's `<system-out>`. A test case's time is the run's time shared out by cases run.
    public func junit(families: [Family], failOn: Set<Verdict>, reproduce: (Failure) -> String) -> [UInt8] {
        let distinct = distinctFindings
        let extra = Set(table.keys).union(distinct.map(\.first.fuzzCase.family)).subtracting(families)
        let all = families + extra.sorted()
        var failing: [Family: [(Int, Finding)]] = [:]
        var other: [Family: [Finding]] = [:]
        var n = 0
        for g in distinct {
            let family = g.first.fuzzCase.family
            if isConfirmed(g) && failOn.contains(g.verdict) {
                n += 1
                failing[family, default: []].append((n, g))
            } else {
                other[family, default: []].append(g)
            }
        }
        let skipped = all.filter { (table[$0]?.values.reduce(0, +) ?? 0) == 0 }.count
        let counts = "tests=\"\(all.count)\" failures=\"\(n)\" errors=\"0\" skipped=\"\(skipped)\" time=\"\(Self.seconds(duration))\""
        let out = ByteSink()
        out.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        out.write("<testsuites name=\"framescope fuzz\" \(counts)>\n")
        out.write("  <testsuite name=\"\(xmlEscaped("framescope fuzz \(target) (\(transport), \(format))"))\" \(counts)>\n")
        out.write("    <properties>\n")
        let properties: [(String, String)] = [("target", target), ("transport", transport), ("format", format), ("seed", String(seed)),
                                              ("cases", String(cases)), ("limit", String(limit)), ("restarts", String(restarts))]
            + (stoppedEarly.map { [("stopped_early", $0)] } ?? [])
        for (k, v) in properties {
            out.write("      <property name=\"\(k)\" value=\"\(xmlEscaped(v))\"/>\n")
        }
        out.write("    </properties>\n")
        for family in all {
            let row = table[family] ?? [:]
            let run = row.values.reduce(0, +)
            let time = cases > 0 ? duration * Double(run) / Double(cases) : 0
            out.write("    <testcase classname=\"framescope.fuzz\" name=\"\(family.rawValue)\" time=\"\(Self.seconds(time))\">\n")
            if run == 0 {
                let why = stoppedEarly.map { "the run stopped early: \($0)" } ?? "the run ended (--cases or --duration) before this family's cases"
                out.write("      <skipped message=\"\(xmlEscaped("no case of this family was played: " + why))\"/>\n")
            }
            for (i, g) in failing[family] ?? [] {
                let f = g.first
                let message = "\(g.verdict.rawValue)\(g.cause.map { " (\($0.rawValue))" } ?? ""): \(g.signature)"
                out.write("      <failure type=\"\(g.verdict.rawValue)\" message=\"\(xmlEscaped(message))\">")
                var text = "finding \(i) of \(n): \(message)\n"
                text += junitBody(g, reproduce: reproduce(f))
                out.write(xmlEscaped(text, text: true))
                out.write("</failure>\n")
            }
            var log = "\(run) case\(run == 1 ? "" : "s"): "
            log += Verdict.allCases.compactMap { v in row[v].map { "\(v.rawValue) \($0)" } }.joined(separator: ", ") + "\n"
            for g in other[family] ?? [] {
                let c = evidence[g.first.fuzzCase.id]?.confirmed
                let status = isConfirmed(g) ? "not in --fail-on" : "unconfirmed: came back \(c?.cameBack ?? 0) of \(c?.played ?? 0)"
                log += "\nnot a failure (\(status)): \(g.verdict.rawValue): \(g.signature)\n" + junitBody(g, reproduce: reproduce(g.first))
            }
            out.write("      <system-out>\(xmlEscaped(log, text: true))</system-out>\n")
            out.write("    </testcase>\n")
        }
        out.write("  </testsuite>\n</testsuites>\n")
        return out.withBytes { Array($0) }
    }

    /// A finding's lines in a failure's text: families, cases, what was seen, the reproducer,
    /// the explanation, the target's last standard-error lines.
    private func junitBody(_ g: Finding, reproduce: String) -> String {
        let f = g.first
        let ids = g.cases
        var text = "families: \(g.families.map(\.rawValue).joined(separator: ", "))\n"
        text += "cases: \(ids.prefix(20).joined(separator: ", "))\(ids.count > 20 ? " (+\(ids.count - 20) more)" : "")\n"
        if let c = evidence[f.fuzzCase.id]?.confirmed { text += "confirmed: came back \(c.cameBack) of \(c.played)\n" }
        text += "seen: \(f.detail)\n"
        text += "reproduce: \(reproduce)\n"
        text += "why: \(f.explained(in: language).text)\n"
        if !f.stderrTail.isEmpty { text += "stderr (the target's last lines):\n\(f.stderrTail)\(f.stderrTail.hasSuffix("\n") ? "" : "\n")" }
        return text
    }
}

/// `s` as an XML 1.0 attribute value, or as character data (`text`): `& < > " '` as entities;
/// carriage return (and in an attribute also tab and newline) as a character reference, which a
/// parser keeps where it would fold the character itself; the characters XML 1.0 cannot carry
/// at all (the other C0 controls, U+FFFE, U+FFFF) written out as `\xNN` / `\u{FFFE}` text.
public func xmlEscaped(_ s: String, text: Bool = false) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for u in s.unicodeScalars {
        switch u {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\t": out += text ? "\t" : "&#9;"
        case "\n": out += text ? "\n" : "&#10;"
        case "\r": out += "&#13;"
        case "\u{0}" ..< "\u{20}":
            let digits = Array("0123456789abcdef")
            out += "\\x" + String(digits[Int(u.value >> 4)]) + String(digits[Int(u.value & 15)])
        case "\u{FFFE}", "\u{FFFF}": out += "\\u{\(String(u.value, radix: 16, uppercase: true))}"
        default: out.unicodeScalars.append(u)
        }
    }
    return out
}
