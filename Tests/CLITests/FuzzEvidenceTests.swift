import Foundation
import XCTest

/// Issue 11: the proof behind each finding. Against the lesson's broken servers, one command
/// (`fuzz … --record DIR --report r.json --report r.html`) gives a report whose every distinct
/// finding has a pcap that `framescope messages` decodes to exactly the bytes the case sent, a
/// reproducer that reproduces (`--replay` of the record folder: the verdict again; on the robust
/// server: not), a minimised input no larger than the original that still gives the verdict, and
/// an explanation in English and Chinese. The HTML page is opened in headless Chromium.
final class FuzzEvidenceTests: XCTestCase {
    static let verdicts: Set<String> = ["ok", "crash", "hang", "blocks_others", "wrong", "slow", "leak"]
    static let families: Set<String> = ["boundary_length", "relative_length", "truncated_header", "write_boundaries", "body",
                                        "confusion", "connection", "udp", "line", "mutation"]
    static let closes: Set<String> = ["fin", "half_close", "hold", "rst", "none"]

    struct Evidence {
        var dir: URL
        var report: [String: Any]
        var stdout: String
        var html: String
        var failures: [[String: Any]] { report["failures"] as? [[String: Any]] ?? [] }
    }

    func run(target: String, udp: Bool = false, families: String, tries: Int = 12) throws -> Evidence {
        _ = try CLI.requireTool("python3")
        let dir = try CLI.temporaryDirectory()
        let exec = "python3 \(FuzzCommandTests.target(target)) 0"
        let r = try CLI.run(["fuzz", "127.0.0.1:0", udp ? "--udp" : "--tcp", "--framing", "!I", "--exec", exec, "--families", families,
                             "--max-message", "65536", "--cases", "300", "--duration", "60", "--minimize-tries", String(tries),
                             "--record", dir.appendingPathComponent("rec").path,
                             "--report", dir.appendingPathComponent("r.json").path, "--report", dir.appendingPathComponent("r.html").path,
                             "--quiet"], timeout: 240)
        XCTAssertEqual(r.status, 1, "\(target): \(r.stdout)\n\(r.stderr)")
        let data = try XCTUnwrap(FileManager.default.contents(atPath: dir.appendingPathComponent("r.json").path), r.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let html = try String(contentsOf: dir.appendingPathComponent("r.html"), encoding: .utf8)
        return Evidence(dir: dir, report: report, stdout: r.stdout, html: html)
    }

    /// docs/DESIGN.md "Fuzz report JSON"'s shape: every field, the verdict, family and close words.
    func validate(_ report: [String: Any]) {
        XCTAssertNotNil(report["target"] as? String)
        XCTAssertTrue(["tcp", "udp"].contains(report["transport"] as? String ?? ""))
        XCTAssertNotNil(report["format"] as? String)
        XCTAssertNotNil(report["seed"] as? Int)
        XCTAssertGreaterThan(report["cases"] as? Int ?? 0, 0)
        XCTAssertNotNil(report["duration_s"] as? Double)
        let counts = report["verdict_counts"] as? [String: Int] ?? [:]
        XCTAssertFalse(counts.isEmpty)
        XCTAssertTrue(Set(counts.keys).isSubset(of: Self.verdicts), "\(counts)")
        XCTAssertEqual(counts.values.reduce(0, +), report["cases"] as? Int)
        let failures = report["failures"] as? [[String: Any]] ?? []
        XCTAssertFalse(failures.isEmpty)
        for f in failures {
            for key in ["case", "family", "verdict", "close", "stderr_tail", "reproduce", "explanation"] {
                XCTAssertNotNil(f[key] as? String, "\(key) in \(f)")
            }
            XCTAssertTrue(Self.verdicts.contains(f["verdict"] as? String ?? ""), "\(f)")
            XCTAssertNotEqual(f["verdict"] as? String, "ok")
            XCTAssertTrue(Self.families.contains(f["family"] as? String ?? ""), "\(f)")
            XCTAssertTrue(Self.closes.contains(f["close"] as? String ?? ""), "\(f)")
            let writes = f["writes_hex"] as? [String]
            XCTAssertNotNil(writes)
            XCTAssertTrue((writes ?? []).allSatisfy { $0.count % 2 == 0 && $0.allSatisfy(\.isHexDigit) })
        }
    }

    func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
        return out
    }

    /// Every distinct finding's evidence, checked; returns the record folders.
    @discardableResult
    func checkEvidence(_ e: Evidence, target: String, udp: Bool = false, replays: Bool = true) throws -> [String] {
        validate(e.report)
        let recorded = e.failures.filter { $0["record_dir"] != nil }
        XCTAssertFalse(recorded.isEmpty, "\(target): no finding was recorded")
        var folders: [String] = []
        for f in recorded {
            let id = f["case"] as? String ?? "?"
            let verdict = f["verdict"] as? String ?? "?"
            let folder = try XCTUnwrap(f["record_dir"] as? String)
            folders.append(folder)
            // case.json is there and says the same.
            let caseData = try XCTUnwrap(FileManager.default.contents(atPath: folder + "/case.json"), id)
            let record = try XCTUnwrap(JSONSerialization.jsonObject(with: caseData) as? [String: Any])
            XCTAssertEqual(record["writes_hex"] as? [String], f["writes_hex"] as? [String], id)
            XCTAssertEqual(record["verdict"] as? String, verdict)
            XCTAssertNotNil(record["write_boundaries"] as? [Int])
            XCTAssertNotNil(record["oracle"] as? [String: Any])

            // The pcap decodes to exactly the bytes the case sent, on the case's own connection.
            let pcap = try XCTUnwrap(f["pcap"] as? String, "\(id): \(f["pcap_note"] ?? "no pcap")")
            let sent = (f["writes_hex"] as? [String] ?? []).map(bytes)
            let m = try CLI.run(["messages", pcap, "--framing", "raw", "--json"])
            XCTAssertEqual(m.status, 0, m.stderr)
            let messages = try m.stdout.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            let fromClient = messages.filter { $0["direction"] as? String == "client_to_server" && ($0["stream"] as? Int ?? -1) == 0 }
            if udp {
                // One message a datagram: the first datagrams the client sent are the case's writes.
                let got = messages.filter { $0["direction"] as? String != "server_to_client" }.prefix(sent.count).map { bytes($0["hex"] as? String ?? "") }
                XCTAssertEqual(Array(got.joined()), Array(sent.joined()), "\(id): the pcap's datagrams are the case's writes")
            } else {
                XCTAssertEqual(fromClient.flatMap { bytes($0["hex"] as? String ?? "") }, Array(sent.joined()),
                               "\(id): the pcap's first connection carries exactly the case's bytes")
            }

            // The minimised input: no larger, confirmed, and it gives the verdict again when played alone.
            let minimized = try XCTUnwrap(f["minimized_writes_hex"] as? [String], id).map(bytes)
            XCTAssertLessThanOrEqual(minimized.joined().count, sent.joined().count, id)
            XCTAssertLessThanOrEqual(minimized.count, max(1, sent.count), id)
            XCTAssertEqual(f["minimize_confirmed"] as? Bool, true, "\(id): \(f)")
            XCTAssertGreaterThan(f["minimize_tries"] as? Int ?? 0, 0)

            // Both languages.
            let ex = f["explanations"] as? [String: String] ?? [:]
            XCTAssertFalse((ex["en"] ?? "").isEmpty, id)
            XCTAssertTrue((ex["zh"] ?? "").unicodeScalars.contains { $0.value >= 0x4e00 && $0.value <= 0x9fff }, "\(id): \(ex)")

            // The reproducer names the case, and the HTML page carries it.
            let reproduce = try XCTUnwrap(f["reproduce"] as? String)
            XCTAssertTrue(reproduce.contains("--replay"), reproduce)
            XCTAssertTrue(e.html.contains(Self.htmlEscaped(reproduce)), "\(id): the page lacks its reproducer")
            XCTAssertTrue(e.stdout.contains(reproduce), "\(id): the summary names it with its reproducer")

            guard replays else { continue }
            // The minimised input replayed alone still gives the verdict.
            let minFolder = e.dir.appendingPathComponent("min-\(folders.count)").path
            try FileManager.default.createDirectory(atPath: minFolder, withIntermediateDirectories: true)
            var minRecord = record
            minRecord["writes_hex"] = f["minimized_writes_hex"]
            minRecord["close"] = f["minimized_close"]
            minRecord["expected_hex"] = record["minimized_expected_hex"]
            try JSONSerialization.data(withJSONObject: minRecord).write(to: URL(fileURLWithPath: minFolder + "/case.json"))
            let exec = "python3 \(FuzzCommandTests.target(target)) 0"
            for (what, folder) in [("recorded", folder), ("minimised", minFolder)] {
                let r = try CLI.run(["fuzz", "127.0.0.1:0", udp ? "--udp" : "--tcp", "--framing", "!I", "--exec", exec,
                                     "--replay", folder, "--times", "2", "--quiet"], timeout: 120)
                XCTAssertEqual(r.status, 1, "\(id) \(what): \(r.stdout)\n\(r.stderr)")
                XCTAssertTrue(r.stdout.contains("reproduced: 2/2 \(verdict)"), "\(id) \(what): \(r.stdout)")
            }
        }
        return folders
    }

    static func htmlEscaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    func testCrashOnTruncatedHeaderHasFullEvidenceAndReplaysOnlyOnTheBrokenServer() throws {
        let e = try run(target: "crash_truncated_header", families: "truncated_header", tries: 40)
        defer { try? FileManager.default.removeItem(at: e.dir) }
        let folders = try checkEvidence(e, target: "crash_truncated_header")
        // On the robust server the recorded finding does not come back.
        let fs = CLI.binary.path
        let r = try CLI.run(["fuzz", "127.0.0.1:0", "--framing", "!I", "--exec", "\(fs) serve framed --port 0 --quiet",
                             "--replay", try XCTUnwrap(folders.first), "--times", "3", "--quiet"], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("reproduced: 0/3 crash (recorded: crash); all runs: 3/3 ok"), r.stdout)
        // A case id with the run's options replays the same case without a record.
        let byID = try CLI.run(["fuzz", "127.0.0.1:0", "--framing", "!I", "--max-message", "65536", "--exec",
                                "python3 \(FuzzCommandTests.target("crash_truncated_header")) 0", "--replay",
                                try XCTUnwrap(e.failures.first?["case"] as? String), "--times", "1", "--quiet"], timeout: 120)
        XCTAssertEqual(byID.status, 1, byID.stdout + byID.stderr)
        XCTAssertTrue(byID.stdout.contains("verdicts: 1/1 crash"), byID.stdout)
    }

    func testCrashOnNegativeLengthEvidence() throws {
        let e = try run(target: "crash_negative_length", families: "boundary_length")
        defer { try? FileManager.default.removeItem(at: e.dir) }
        try checkEvidence(e, target: "crash_negative_length")
    }

    func testWrongStickyEvidence() throws {
        let e = try run(target: "wrong_sticky", families: "write_boundaries")
        defer { try? FileManager.default.removeItem(at: e.dir) }
        try checkEvidence(e, target: "wrong_sticky")
    }

    func testCrashOnInvalidUTF8Evidence() throws {
        let e = try run(target: "crash_invalid_utf8", families: "body")
        defer { try? FileManager.default.removeItem(at: e.dir) }
        try checkEvidence(e, target: "crash_invalid_utf8")
    }

    func testHangEvidence() throws {
        let e = try run(target: "hang_long_length", families: "relative_length", tries: 6)
        defer { try? FileManager.default.removeItem(at: e.dir) }
        try checkEvidence(e, target: "hang_long_length")
    }

    func testUDPEvidence() throws {
        let e = try run(target: "udp_trusts_header", udp: true, families: "udp")
        defer { try? FileManager.default.removeItem(at: e.dir) }
        try checkEvidence(e, target: "udp_trusts_header", udp: true)
    }

    /// The page in a real browser: the findings table and each reproducer in the rendered DOM,
    /// and no request from the page (Chromium's net log: every URL request the page started).
    func testHTMLReportInHeadlessChromium() throws {
        let chromium = try CLI.requireTool("chromium")
        let e = try run(target: "crash_truncated_header", families: "truncated_header", tries: 4)
        defer { try? FileManager.default.removeItem(at: e.dir) }
        let netlog = e.dir.appendingPathComponent("netlog.json").path
        let page = "file://" + e.dir.appendingPathComponent("r.html").path
        let r = try CLI.runProgram(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + e.dir.appendingPathComponent("profile").path,
                                              "--log-net-log=" + netlog, "--dump-dom", page], timeout: 90)
        XCTAssertEqual(r.status, 0, r.stderr)
        let dom = r.stdout
        XCTAssertTrue(dom.contains("<table id=\"findings\">"), dom)
        XCTAssertTrue(dom.contains("<table id=\"verdicts\">"))
        for f in e.failures where f["record_dir"] != nil {
            let reproduce = try XCTUnwrap(f["reproduce"] as? String)
            XCTAssertTrue(dom.contains(Self.htmlEscaped(reproduce)), "the DOM lacks \(reproduce)")
        }
        XCTAssertTrue(dom.contains("<svg"), "the ladder diagram is inline")
        XCTAssertTrue(dom.contains("<mark>"), "header bytes are marked")
        // Chromium's own background requests say "not an origin"; anything the page started
        // has the page's origin ("null" for a file).
        let log = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: netlog))) as? [String: Any])
        let types = (log["constants"] as? [String: Any])?["logEventTypes"] as? [String: Int] ?? [:]
        let start = try XCTUnwrap(types["URL_REQUEST_START_JOB"])
        let fromPage = (log["events"] as? [[String: Any]] ?? []).filter {
            $0["type"] as? Int == start && (($0["params"] as? [String: Any])?["initiator"] as? String ?? "not an origin") != "not an origin"
        }
        XCTAssertEqual(fromPage.count, 0, "the page made requests: \(fromPage)")
    }
}
