// A record folder's case.json (`fuzz --record DIR`, docs/DESIGN.md "Fuzz report JSON"):
// everything needed to look at a finding and to play it again (`fuzz --replay DIR`). Pure: the
// CLI reads and writes the file; this builds and reads its text.

/// What `--replay DIR` needs from a case.json: the case, the verdict it was recorded with, and
/// the hold time it ran with.
public struct CaseRecord: Sendable {
    public var fuzzCase: FuzzCase
    public var verdict: Verdict
    public var hold: Double

    public init(fuzzCase: FuzzCase, verdict: Verdict, hold: Double) {
        self.fuzzCase = fuzzCase
        self.verdict = verdict
        self.hold = hold
    }

    /// The JSON document of a recorded finding: its keys sorted, two-space indents, a newline at
    /// the end (`{}` and a newline if a number in it is not finite).
    public static func json(_ f: Failure, evidence: FindingEvidence, hold: Double, timeout: Double, probeP50: Double,
                            caseSeconds: Double?, reproduce: String, language: TextLanguage) -> String {
        let c = f.fuzzCase
        var boundaries: [JSONValue] = []
        var offset = 0
        for w in c.writes {
            offset += w.count
            boundaries.append(.int(offset))
        }
        func strings(_ list: [String]) -> JSONValue { .array(list.map(JSONValue.string)) }
        var o: [(String, JSONValue)] = [
            ("case", .string(c.id)), ("family", .string(c.family.rawValue)), ("verdict", .string(f.verdict.rawValue)),
            ("note", .string(c.note)), ("detail", .string(f.detail)), ("writes_hex", strings(c.writesHex)),
            ("write_boundaries", .array(boundaries)), ("close", .string(c.close.rawValue)), ("hold_s", .double(hold)),
            ("gap_ms", .int(c.gapMillis)), ("connections", .int(c.connections)), ("expected_hex", strings(c.expected.map(hex))),
            ("oracle", .object([("timeout_s", .double(timeout)), ("probe_p50_s", .double(probeP50)),
                                ("case_and_oracle_s", .double(caseSeconds ?? 0))].sorted { $0.0 < $1.0 })),
            ("stderr_tail", .string(f.stderrTail)), ("reproduce", .string(reproduce)),
            ("explanation", .string(explanation(family: c.family, verdict: f.verdict, in: language).text)),
        ]
        if let p = evidence.pcap {
            o.append(("pcap", .string(p)))
            o.append(("pcap_method", .string("the case re-run alone, captured on lo with a BPF filter on the target's port")))
        }
        if let n = evidence.pcapNote { o.append(("pcap_note", .string(n))) }
        if let v = evidence.recordedVerdict { o.append(("recorded_verdict", .string(v.rawValue))) }
        if let cause = f.cause { o.append(("cause", .string(cause.rawValue))) }
        if let k = evidence.confirmed { o.append(("confirmed", .array([.int(k.cameBack), .int(k.played)]))) }
        if let m = evidence.minimized {
            o.append(("minimized_writes_hex", strings(m.writesHex)))
            o.append(("minimized_expected_hex", strings(m.expected.map(hex))))
            o.append(("minimized_close", .string(m.close.rawValue)))
            o.append(("minimized_connections", .int(m.connections)))
            o.append(("minimized_gap_ms", .int(m.gapMillis)))
            if let h = evidence.minimizedHold { o.append(("minimized_hold_s", .double(h))) }
            o.append(("minimize_tries", .int(evidence.minimizeTries)))
            o.append(("minimize_confirmed", .bool(evidence.minimizeConfirmed)))
        }
        // The keys are lower-case ASCII and underscores: byte order is the order they were
        // always written in (JSONSerialization's `.sortedKeys`).
        let doc = JSONValue.object(o.sorted { $0.0 < $1.0 })
        return (doc.isFinite ? doc.prettyText() : "{}") + "\n"
    }

    /// Reads a case.json's text; `file` names it in the errors.
    public init(json bytes: [UInt8], file: String) throws(FuzzError) {
        guard let o = JSONValue.parse(bytes), case .object = o else {
            throw .caseRecord("\(file) is not a case record (JSON object expected)")
        }
        func decoded(_ s: String) throws(FuzzError) -> [UInt8] {
            guard s.count % 2 == 0 else { throw .caseRecord("\(file): odd hex digit count") }
            var out: [UInt8] = []
            var it = s.makeIterator()
            while let a = it.next(), let b = it.next() {
                guard let v = UInt8(String([a, b]), radix: 16) else { throw .caseRecord("\(file): '\(a)\(b)' is not hex") }
                out.append(v)
            }
            return out
        }
        func hexList(_ v: JSONValue?) -> [String]? {
            v?.array.flatMap { list in
                let s = list.compactMap(\.string)
                return s.count == list.count ? s : nil
            }
        }
        guard let id = o["case"]?.string, let family = o["family"]?.string.flatMap(Family.init(rawValue:)),
              let writes = hexList(o["writes_hex"]), let close = o["close"]?.string.flatMap(CloseMode.init(rawValue:)),
              let verdict = o["verdict"]?.string.flatMap(Verdict.init(rawValue:))
        else { throw .caseRecord("\(file): needs case, family, verdict, writes_hex and close") }
        var writeBytes: [[UInt8]] = []
        for w in writes { writeBytes.append(try decoded(w)) }
        var expected: [[UInt8]] = []
        for e in hexList(o["expected_hex"]) ?? [] { expected.append(try decoded(e)) }
        let c = FuzzCase(id: id, family: family, writes: writeBytes, close: close, gapMillis: o["gap_ms"]?.int ?? 0,
                         connections: o["connections"]?.int ?? 1, expected: expected, note: o["note"]?.string ?? "")
        self.init(fuzzCase: c, verdict: verdict, hold: o["hold_s"]?.double ?? 0.5)
    }
}

/// The Fuzz module's one error: a text that says what is wrong and where.
public enum FuzzError: Error, CustomStringConvertible, Sendable {
    /// A file given as a case record is not one.
    case caseRecord(String)

    public var description: String {
        switch self {
        case let .caseRecord(why): return why
        }
    }
}
