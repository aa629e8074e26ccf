import Framing
import XCTest
@testable import Fuzz

/// The pure parts of a finding's evidence: the explanation table (every family × verdict in
/// every language, the lesson's terms in Chinese), the header marking of the HTML hex dump, and
/// the JSON report's evidence fields.
final class EvidenceTests: XCTestCase {
    func testEveryFamilyAndFailingVerdictIsExplainedInEveryLanguage() {
        for family in Family.allCases {
            for verdict in Verdict.allCases where verdict != .ok {
                let en = explanation(family: family, verdict: verdict, in: .en)
                let zh = explanation(family: family, verdict: verdict, in: .zh)
                XCTAssertFalse(en.what.isEmpty, "\(family) \(verdict)")
                XCTAssertFalse(zh.what.isEmpty, "\(family) \(verdict)")
                XCTAssertTrue(zh.text.unicodeScalars.contains { (0x4e00...0x9fff).contains($0.value) }, "\(family) \(verdict): \(zh.text)")
                XCTAssertFalse(en.text.unicodeScalars.contains { (0x4e00...0x9fff).contains($0.value) && !"粘包拆报头".unicodeScalars.contains($0) },
                               "English, the lesson's terms aside: \(en.text)")
                XCTAssertEqual(explanation(family: family, verdict: verdict), en.text)
            }
        }
        // The lesson's words where the bug is theirs.
        XCTAssertTrue(explanation(family: .writeBoundaries, verdict: .wrong, in: .zh).text.contains("粘包"))
        XCTAssertTrue(explanation(family: .writeBoundaries, verdict: .wrong, in: .zh).text.contains("报头"))
        XCTAssertTrue(explanation(family: .truncatedHeader, verdict: .crash, in: .zh).text.contains("拆包"))
        XCTAssertTrue(explanation(family: .truncatedHeader, verdict: .crash, in: .en).text.contains("recv(n) may return fewer than n bytes"))
        XCTAssertEqual(TextLanguage.fromEnvironment(["LANG": "zh_CN.UTF-8"]), .zh)
        XCTAssertEqual(TextLanguage.fromEnvironment(["LC_ALL": "C", "LANG": "zh_CN.UTF-8"]), .en)
    }

    func testHeaderRangesFollowTheDeclaredLengths() throws {
        let spec = try FrameSpec(parsing: "!I")
        // Two frames (5 and 0 bytes), then a header cut to 2 bytes.
        let c = FuzzCase(family: .writeBoundaries, writes: [[0, 0, 0, 5] + Array("hello".utf8), [0, 0, 0, 0, 0, 0]], close: .fin, note: "")
        XCTAssertEqual(headerRanges(of: c, spec: spec, udp: false), [0 ..< 4, 9 ..< 13, 13 ..< 15])
        // A length past the end: one header.
        let long = FuzzCase(family: .boundaryLength, writes: [[0x7f, 0xff, 0xff, 0xff, 1, 2]], close: .fin, note: "")
        XCTAssertEqual(headerRanges(of: long, spec: spec, udp: false), [0 ..< 4])
        // UDP: a header at the start of every datagram.
        let udp = FuzzCase(family: .udp, writes: [[0, 0, 0, 1, 9], [0, 0], []], close: .none, note: "")
        XCTAssertEqual(headerRanges(of: udp, spec: spec, udp: true), [0 ..< 4, 5 ..< 7])
        XCTAssertEqual(headerRanges(of: c, spec: try FrameSpec(parsing: "line"), udp: false), [])
    }

    func testTheJSONReportCarriesTheEvidenceOfEachFinding() throws {
        var r = FuzzReport(target: "127.0.0.1:9", transport: "tcp", format: "!I", seed: 1, limit: 100, limitLearned: false)
        let c = FuzzCase(id: "cut/1", family: .truncatedHeader, writes: [[0, 0]], close: .fin, note: "n")
        r.record(.truncatedHeader, .crash)
        r.keep(Failure(fuzzCase: c, index: 0, verdict: .crash, detail: "d", stderrTail: "", foundAfter: 1))
        var ev = FindingEvidence()
        ev.pcap = "/tmp/x.pcap"
        var m = c
        m.writes = [[0]]
        ev.minimized = m
        ev.minimizeTries = 3
        ev.minimizeConfirmed = true
        r.evidence[c.id] = ev
        r.language = .zh
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.json { _ in "framescope fuzz … --replay cut/1" })) as? [String: Any])
        let f = try XCTUnwrap((o["failures"] as? [[String: Any]])?.first)
        XCTAssertEqual(f["pcap"] as? String, "/tmp/x.pcap")
        XCTAssertEqual(f["minimized_writes_hex"] as? [String], ["00"])
        XCTAssertEqual(f["minimize_tries"] as? Int, 3)
        XCTAssertEqual(f["explanation"] as? String, explanation(family: .truncatedHeader, verdict: .crash, in: .zh).text)
        XCTAssertEqual((f["explanations"] as? [String: String])?["en"], explanation(family: .truncatedHeader, verdict: .crash))
        // docs/DESIGN.md "Fuzz report JSON"'s keys come first, in its order.
        let text = String(decoding: r.json { _ in "x" }, as: UTF8.self)
        let order = ["\"case\"", "\"family\"", "\"verdict\"", "\"writes_hex\"", "\"close\"", "\"stderr_tail\"", "\"pcap\"",
                     "\"minimized_writes_hex\"", "\"reproduce\"", "\"explanation\""].map { text.range(of: $0)!.lowerBound }
        XCTAssertEqual(order, order.sorted())
    }
}
