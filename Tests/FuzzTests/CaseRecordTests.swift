import Foundation
import TestSupport
import XCTest
@testable import Fuzz

/// A record folder's case.json, written and read by the Fuzz module: the text is the one
/// JSONSerialization wrote before the code moved out of the CLI (held against it here as the
/// model, on hostile strings and numbers), and what it writes it reads back; the replay tally;
/// the reproducer's quoting.
final class CaseRecordTests: XCTestCase {
    /// case.json as the CLI wrote it with JSONSerialization: the model.
    func model(_ f: Failure, _ evidence: FindingEvidence, hold: Double, timeout: Double, probeP50: Double,
               caseSeconds: Double?, reproduce: String) -> String {
        let c = f.fuzzCase
        var boundaries: [Int] = []
        var offset = 0
        for w in c.writes {
            offset += w.count
            boundaries.append(offset)
        }
        var o: [String: Any] = [
            "case": c.id, "family": c.family.rawValue, "verdict": f.verdict.rawValue, "note": c.note, "detail": f.detail,
            "writes_hex": c.writesHex, "write_boundaries": boundaries, "close": c.close.rawValue, "hold_s": hold,
            "gap_ms": c.gapMillis, "connections": c.connections, "expected_hex": c.expected.map(hex),
            "oracle": ["timeout_s": timeout, "probe_p50_s": probeP50, "case_and_oracle_s": caseSeconds ?? 0] as [String: Any],
            "stderr_tail": f.stderrTail, "reproduce": reproduce,
            "explanation": explanation(family: c.family, verdict: f.verdict, in: .en).text,
        ]
        if let p = evidence.pcap {
            o["pcap"] = p
            o["pcap_method"] = "the case re-run alone, captured on lo with a BPF filter on the target's port"
        }
        if let n = evidence.pcapNote { o["pcap_note"] = n }
        if let v = evidence.recordedVerdict { o["recorded_verdict"] = v.rawValue }
        if let cause = f.cause { o["cause"] = cause.rawValue }
        if let k = evidence.confirmed { o["confirmed"] = [k.cameBack, k.played] }
        if let m = evidence.minimized {
            o["minimized_writes_hex"] = m.writesHex
            o["minimized_expected_hex"] = m.expected.map(hex)
            o["minimized_close"] = m.close.rawValue
            o["minimized_connections"] = m.connections
            o["minimized_gap_ms"] = m.gapMillis
            if let h = evidence.minimizedHold { o["minimized_hold_s"] = h }
            o["minimize_tries"] = evidence.minimizeTries
            o["minimize_confirmed"] = evidence.minimizeConfirmed
        }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    func testCaseJSONIsTheTextJSONSerializationWrote() throws {
        var rng = SplitMix64(seed: 21)
        let strings = ["", "plain", "a/b \"q\" \\ back", "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1b}[31m\u{1f}\u{7f}",
                       "é 中文 \u{2028} 😀 \u{FFFD}", "Traceback (most recent call last):\n  File \"/srv/x.py\", line 3, in f\nValueError: x"]
        let numbers: [Double] = [0, 0.5, 1, 2, 0.2, 1e-05, 0.000123, 1.0 / 3, 12345.678, 1e16, 1e21, 123456789.5, 5e-324, -0.0, 86400]
        for i in 0 ..< 300 {
            func s() -> String { strings[Int(rng.next() % UInt64(strings.count))] }
            func d() -> Double { numbers[Int(rng.next() % UInt64(numbers.count))] }
            let writes = (0 ..< Int(rng.next() % 4)).map { _ in (0 ..< Int(rng.next() % 6)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            let c = FuzzCase(id: "case/\(i)", family: Family.allCases[i % Family.allCases.count], writes: writes,
                             close: CloseMode.allCases[i % CloseMode.allCases.count], gapMillis: i % 3, connections: 1 + i % 2,
                             expected: i % 2 == 0 ? [] : [[1, 2]], note: s())
            var f = Failure(fuzzCase: c, index: i, verdict: Verdict.allCases[i % Verdict.allCases.count], detail: s(), stderrTail: s(), foundAfter: d())
            f.cause = i % 5 == 0 ? .acceptQueue : nil
            var ev = FindingEvidence()
            if i % 2 == 0 { ev.pcap = "/tmp/r/\(i)/exchange.pcap" } else { ev.pcapNote = s() }
            if i % 3 == 0 { ev.recordedVerdict = .crash }
            if i % 4 != 0 { ev.confirmed = (Int(rng.next() % 4), 3) }
            if i % 2 == 1 {
                var m = c
                m.writes = Array(writes.prefix(1))
                ev.minimized = m
                ev.minimizedHold = i % 4 == 1 ? d() : nil
                ev.minimizeTries = i
                ev.minimizeConfirmed = i % 3 == 1
            }
            let (hold, timeout, p50, secs) = (d(), d(), d(), i % 7 == 0 ? nil : Optional(d()))
            let reproduce = "framescope fuzz 127.0.0.1:0 --replay '\(s())'"
            let ours = CaseRecord.json(f, evidence: ev, hold: hold, timeout: timeout, probeP50: p50, caseSeconds: secs,
                                       reproduce: reproduce, language: .en)
            let theirs = model(f, ev, hold: hold, timeout: timeout, probeP50: p50, caseSeconds: secs, reproduce: reproduce)
            if ours != theirs {
                let (a, b) = (ours.split(separator: "\n"), theirs.split(separator: "\n"))
                let k = (0 ..< min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
                XCTFail("case \(i), line \(k + 1): \(k < a.count ? String(a[k]) : "(end)") vs \(k < b.count ? String(b[k]) : "(end)")")
            }
            // What it writes it reads back.
            let back = try CaseRecord(json: Array(ours.utf8), file: "case.json")
            XCTAssertEqual(back.fuzzCase.writes, c.writes)
            XCTAssertEqual(back.fuzzCase.expected, c.expected)
            XCTAssertEqual(back.fuzzCase.id, c.id)
            XCTAssertEqual(back.fuzzCase.note, c.note)
            XCTAssertEqual(back.fuzzCase.close, c.close)
            XCTAssertEqual(back.fuzzCase.gapMillis, c.gapMillis)
            XCTAssertEqual(back.fuzzCase.connections, c.connections)
            XCTAssertEqual(back.verdict, f.verdict)
            XCTAssertEqual(back.hold, hold)
        }
        // A number JSON cannot hold: the document is {} as it was.
        let f = Failure(fuzzCase: FuzzCase(id: "x", family: .body, writes: [], close: .fin, note: ""), index: 0, verdict: .crash,
                        detail: "", stderrTail: "", foundAfter: 0)
        XCTAssertEqual(CaseRecord.json(f, evidence: FindingEvidence(), hold: .nan, timeout: 1, probeP50: 1, caseSeconds: nil,
                                       reproduce: "", language: .en), "{}\n")
    }

    func testACaseRecordWrittenByAnyJSONWriterIsRead() throws {
        // As the tests write one: compact, slashes escaped, numbers as JSONSerialization gives them.
        let o: [String: Any] = ["case": "neg/1", "family": "boundary_length", "verdict": "crash", "writes_hex": ["ffffffff", ""],
                                "close": "half_close", "hold_s": 1, "gap_ms": 5.0, "note": "a/b \u{1} é 😀", "expected_hex": ["0a"]]
        let r = try CaseRecord(json: Array(try JSONSerialization.data(withJSONObject: o)), file: "f")
        XCTAssertEqual(r.fuzzCase.writes, [[0xff, 0xff, 0xff, 0xff], []])
        XCTAssertEqual(r.fuzzCase.close, .halfClose)
        XCTAssertEqual(r.fuzzCase.note, "a/b \u{1} é 😀")
        XCTAssertEqual(r.fuzzCase.gapMillis, 5)
        XCTAssertEqual(r.fuzzCase.connections, 1)
        XCTAssertEqual(r.fuzzCase.expected, [[0x0a]])
        XCTAssertEqual(r.hold, 1)
        XCTAssertEqual(try CaseRecord(json: Array(#"{"case":"\ud83d\ude00","family":"body","verdict":"ok","writes_hex":[],"close":"fin"}"#.utf8), file: "f").fuzzCase.id, "😀")
        // Not a record: each says why, naming the file.
        let bad: [(String, String)] = [
            ("", "f is not a case record (JSON object expected)"),
            ("[1]", "f is not a case record (JSON object expected)"),
            ("{\"case\": 1", "f is not a case record (JSON object expected)"),
            ("{} x", "f is not a case record (JSON object expected)"),
            (String(repeating: "[", count: 10_000), "f is not a case record (JSON object expected)"),
            ("{\"case\": \"x\"}", "f: needs case, family, verdict, writes_hex and close"),
            (#"{"case":"x","family":"body","verdict":"ok","writes_hex":[1],"close":"fin"}"#, "f: needs case, family, verdict, writes_hex and close"),
            (#"{"case":"x","family":"nope","verdict":"ok","writes_hex":[],"close":"fin"}"#, "f: needs case, family, verdict, writes_hex and close"),
            (#"{"case":"x","family":"body","verdict":"ok","writes_hex":["abc"],"close":"fin"}"#, "f: odd hex digit count"),
            (#"{"case":"x","family":"body","verdict":"ok","writes_hex":["zz"],"close":"fin"}"#, "f: 'zz' is not hex"),
        ]
        for (text, why) in bad {
            XCTAssertThrowsError(try CaseRecord(json: Array(text.utf8), file: "f"), text) { XCTAssertEqual("\($0)", why, text) }
        }
    }

    func testTheReplayTallySaysHowOftenTheVerdictCameBack() {
        let c = FuzzCase(id: "cut/2", family: .truncatedHeader, writes: [[0, 0]], close: .fin, note: "2 of 4 header bytes")
        var t = ReplayTally(fuzzCase: c, recorded: .crash)
        t.runs = [.init(verdict: .crash, detail: "refused", stderrTail: "Traceback\nstruct.error: unpack"),
                  .init(verdict: .ok, detail: "", stderrTail: ""), .init(verdict: .crash, detail: "", stderrTail: "")]
        XCTAssertEqual(t.text(in: .en), """
            framescope fuzz --replay cut/2 (truncated_header, fin): 2 of 4 header bytes
              run 1: crash — refused
                     stderr: struct.error: unpack
              run 2: ok
              run 3: crash
            reproduced: 2/3 crash (recorded: crash); all runs: 1/3 ok, 2/3 crash
            why: \(explanation(family: .truncatedHeader, verdict: .crash, in: .en).text)

            """)
        XCTAssertTrue(t.failed(on: [.crash]))
        XCTAssertFalse(t.failed(on: [.hang]))
        // By id, no record: the verdicts; a tie goes to the earlier verdict, ok here: no why.
        var byID = ReplayTally(fuzzCase: c, recorded: nil)
        byID.runs = [.init(verdict: .hang, detail: "", stderrTail: ""), .init(verdict: .ok, detail: "", stderrTail: "")]
        XCTAssertEqual(byID.text(in: .en).split(separator: "\n").last, "verdicts: 1/2 ok, 1/2 hang")
    }

    func testTheReproducerQuotesWhatTheShellWouldSplit() {
        var r = Reproducer(address: "127.0.0.1:0", framing: "!I", maxMessage: 65536, seed: 7, hold: 0.5)
        r.exec = "python3 srv.py 0"
        r.expect = "it's {probe}"
        let hold = FuzzCase(id: "hold/1", family: .connection, writes: [], close: .hold, note: "")
        XCTAssertEqual(r.command(for: hold),
                       "framescope fuzz 127.0.0.1:0 --tcp --framing '!I' --max-message 65536 --seed 7 --replay hold/1 --times 3 "
                       + "--expect 'it'\\''s {probe}' --hold 0.5 --exec 'python3 srv.py 0'")
        XCTAssertEqual(shellQuoted("a-b_c./:=@,+9"), "a-b_c./:=@,+9")
        XCTAssertEqual(shellQuoted(""), "''")
        XCTAssertEqual(shellQuoted("a b"), "'a b'")
    }
}
