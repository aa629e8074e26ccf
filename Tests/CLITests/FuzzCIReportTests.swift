import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// `fuzz --junit`, `--sarif` and `--fail-on` against a real crashing Python target
/// (tools/fuzz-targets/crash_truncated_header.py dies with a traceback on a header cut short):
/// the JUnit file parses with the run's counts, the SARIF result sits on the script's raising
/// line, and `--fail-on` without the finding's verdict exits 0.
final class FuzzCIReportTests: XCTestCase {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var report: [String: Any]
        var junit: Data?
        var sarif: Data?
    }

    func fuzz(_ extra: [String]) throws -> Run {
        _ = try CLI.requireTool("python3")
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (json, xml, sarif) = (dir.appendingPathComponent("r.json").path, dir.appendingPathComponent("r.xml").path,
                                  dir.appendingPathComponent("r.sarif").path)
        let r = try CLI.run(["fuzz", "127.0.0.1:0", "--framing", "!I", "--exec", "python3 \(FuzzCommandTests.target("crash_truncated_header")) 0",
                             "--families", "truncated_header,body", "--max-message", "65536", "--minimize-tries", "0", "--duration", "90",
                             "--report", json, "--junit", xml, "--sarif", sarif, "--quiet"] + extra, timeout: 150)
        let report = try FileManager.default.contents(atPath: json).flatMap { try JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        return Run(status: r.status, stdout: r.stdout, stderr: r.stderr, report: report,
                   junit: FileManager.default.contents(atPath: xml), sarif: FileManager.default.contents(atPath: sarif))
    }

    final class Counts: NSObject, XMLParserDelegate {
        var suite: [String: String] = [:]
        var testcases: [String] = []
        var failures: [String] = []
        var inFailure = false
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if name == "testsuite" { suite = attributes }
            if name == "testcase" { testcases.append(attributes["name"] ?? "") }
            if name == "failure" { failures.append(""); inFailure = true }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "failure" { inFailure = false }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inFailure { failures[failures.count - 1] += string }
        }
    }

    func testJUnitAndSARIFOfACrashingPythonTarget() throws {
        let run = try fuzz([])
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        let findings = try XCTUnwrap(run.report["findings"] as? [[String: Any]])
        XCTAssertFalse(findings.isEmpty, run.stdout)
        let crash = try XCTUnwrap(findings.first { $0["verdict"] as? String == "crash" })
        let firstCase = try XCTUnwrap(crash["case"] as? String)
        let failure = try XCTUnwrap((run.report["failures"] as? [[String: Any]])?.first { $0["case"] as? String == firstCase })
        let stderr = failure["stderr_tail"] as? String ?? ""
        XCTAssertTrue(stderr.contains("Traceback (most recent call last):") && stderr.contains("struct.error"), stderr)

        // JUnit: a test case per family run, a failure per distinct finding, with its reproducer.
        let parser = XMLParser(data: try XCTUnwrap(run.junit))
        let counts = Counts()
        parser.delegate = counts
        XCTAssertTrue(parser.parse(), String(describing: parser.parserError))
        XCTAssertEqual(counts.testcases, ["truncated_header", "body"])
        XCTAssertEqual(counts.suite["tests"], "2")
        XCTAssertEqual(counts.suite["failures"], String(findings.count))
        XCTAssertEqual(counts.suite["errors"], "0")
        XCTAssertEqual(counts.suite["skipped"], "0")
        XCTAssertEqual(counts.failures.count, findings.count)
        XCTAssertTrue(counts.failures.contains { $0.contains("reproduce: \(crash["reproduce"] as? String ?? "?")") }, "\(counts.failures)")
        XCTAssertTrue(counts.failures.contains { $0.contains("why: ") && $0.contains("struct.error") })

        // SARIF: 2.1.0's required keys, rules and results consistent, one result per finding.
        let log = try XCTUnwrap(JSONSerialization.jsonObject(with: try XCTUnwrap(run.sarif)) as? [String: Any])
        XCTAssertEqual(log["version"] as? String, "2.1.0")
        XCTAssertNotNil(log["$schema"] as? String)
        let sarifRun = try XCTUnwrap((log["runs"] as? [[String: Any]])?.first)
        let driver = try XCTUnwrap((sarifRun["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["name"] as? String, "framescope")
        let version = try CLI.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual("framescope " + (driver["version"] as? String ?? "?"), version)
        let ruleIDs = try XCTUnwrap(driver["rules"] as? [[String: Any]]).compactMap { $0["id"] as? String }
        let results = try XCTUnwrap(sarifRun["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, findings.count)
        for r in results {
            XCTAssertTrue(ruleIDs.contains(r["ruleId"] as? String ?? "?"))
            XCTAssertFalse(((r["message"] as? [String: Any])?["text"] as? String ?? "").isEmpty)
        }
        // The crash's location: the script's line that raises, found here by its text.
        let script = FuzzCommandTests.target("crash_truncated_header")
        let lines = try String(contentsOfFile: script, encoding: .utf8).components(separatedBy: "\n")
        let raising = try XCTUnwrap(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix("(n,) = struct.unpack('!I', header)") }) + 1
        let result = try XCTUnwrap(results.first { $0["ruleId"] as? String == "crash" })
        let physical = try XCTUnwrap((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        let artifact = try XCTUnwrap(physical["artifactLocation"] as? [String: Any])
        var uri = try XCTUnwrap(artifact["uri"] as? String)
        if let base = artifact["uriBaseId"] as? String {
            uri = try XCTUnwrap(((sarifRun["originalUriBaseIds"] as? [String: Any])?[base] as? [String: Any])?["uri"] as? String) + uri
        }
        XCTAssertEqual(URL(string: uri)?.standardizedFileURL.path, URL(fileURLWithPath: script).standardizedFileURL.path, uri)
        XCTAssertEqual((physical["region"] as? [String: Any])?["startLine"] as? Int, raising)
    }

    func testFailOnChoosesTheVerdictsThatFail() throws {
        // The crash is found and reported, but only hangs and slow answers fail this run.
        let run = try fuzz(["--fail-on", "hang,slow"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue((run.report["findings"] as? [[String: Any]] ?? []).contains { $0["verdict"] as? String == "crash" }, run.stdout)
        XCTAssertTrue(String(decoding: try XCTUnwrap(run.junit), as: UTF8.self).contains("failures=\"0\""))
        // Usage errors: exit 2, saying what is wrong.
        for (args, says) in [(["--fail-on", "ok"], "no failing verdict 'ok'"), (["--fail-on", "crash,nope"], "no failing verdict 'nope'"),
                             (["--junit", "x.xml", "--list"], "not with --list or --replay")] {
            let r = try CLI.run(["fuzz", "127.0.0.1:9000", "--framing", "!I"] + args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(says), "\(args): \(r.stderr)")
        }
    }
}
