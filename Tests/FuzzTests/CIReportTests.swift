import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Fuzz

/// The CI reports from a report built by hand: the traceback's place in the target's own code
/// (Python, sanitizers), JUnit XML read back by an XML parser (counts, escaping of hostile
/// stderr), SARIF 2.1.0's required shape and its levels under `--fail-on`.
final class CIReportTests: XCTestCase {
    /// A traceback whose innermost frame is in Python's standard library (the shape Python 3.11
    /// prints for an exception raised inside socket.py), after a chained one.
    static let pythonInStdlib = """
    Traceback (most recent call last):
      File "/srv/chat/first.py", line 3, in <module>
        x()
    KeyError: 'a'

    During handling of the above exception, another exception occurred:

    Traceback (most recent call last):
      File "/usr/lib/python3.11/threading.py", line 1045, in _bootstrap_inner
        self.run()
      File "/srv/chat/app.py", line 12, in handle
        n = f.readinto(buf)
            ^^^^^^^^^^^^^^^
      File "/usr/lib/python3.11/socket.py", line 706, in readinto
        return self._sock.recv_into(b)
               ^^^^^^^^^^^^^^^^^^^^^^^
    ValueError: negative buffersize in recv_into

    """

    func testTheTracebackGivesTheTargetsOwnLine() {
        XCTAssertEqual(SourceLocation.of(stderr: EvidenceTests.pythonNegative), SourceLocation(file: "/tmp/tb/neg.py", line: 4, function: "handle"))
        XCTAssertEqual(SourceLocation.of(stderr: EvidenceTests.pythonMemoryErrorInThread), SourceLocation(file: "/tmp/tb/mem.py", line: 4, function: "handle"))
        XCTAssertEqual(SourceLocation.of(stderr: Self.pythonInStdlib), SourceLocation(file: "/srv/chat/app.py", line: 12, function: "handle"))
        // A sanitizer: the first frame outside its runtime (the allocator's interceptor skipped).
        XCTAssertEqual(SourceLocation.of(stderr: EvidenceTests.asanOverflow), SourceLocation(file: "/tmp/tb/srv.c", line: 4, function: "parse_header"))
        let intercepted = """
        ==1==ERROR: AddressSanitizer: requested allocation size 0xffffffffffffffff exceeds maximum supported size
            #0 0x7f3 in __interceptor_malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
            #1 0x55d in read_body /home/ci/srv/net.c:88:17
            #2 0x55e in main /home/ci/srv/main.c:20:5

        """
        XCTAssertEqual(SourceLocation.of(stderr: intercepted), SourceLocation(file: "/home/ci/srv/net.c", line: 88, function: "read_body"))
        XCTAssertNil(SourceLocation.of(stderr: "Segmentation fault\n"))
        XCTAssertNil(SourceLocation.of(stderr: ""))
        XCTAssertTrue(SourceLocation.isPythonLibrary("/root/.pyenv/versions/3.11.7/lib/python3.11/threading.py"))
        XCTAssertTrue(SourceLocation.isPythonLibrary("<frozen importlib._bootstrap>"))
        XCTAssertFalse(SourceLocation.isPythonLibrary("/srv/lib/pythonic/app.py"))
    }

    func testLocationsAreRelativeToTheWorkingDirectoryWhenUnderIt() {
        let l = SourceLocation(file: "/work/repo/srv/a b.py", line: 3, function: "f")
        XCTAssertEqual(l.uri(under: "/work/repo").uri, "srv/a%20b.py")
        XCTAssertTrue(l.uri(under: "/work/repo/").relative)
        XCTAssertEqual(l.uri(under: "/work/other").uri, "file:///work/repo/srv/a%20b.py")
        XCTAssertFalse(l.uri(under: "/work/other").relative)
        XCTAssertEqual(SourceLocation(file: "./srv/中.py", line: 1, function: "?").uri(under: "/x").uri, "srv/%E4%B8%AD.py")
        XCTAssertEqual(SourceLocation.directoryURI("/work/repo"), "file:///work/repo/")
    }

    /// Two findings in `truncated_header` (a confirmed crash with hostile stderr, an unconfirmed
    /// hang), a confirmed `wrong` in `write_boundaries`, and `body` that was to run but did not.
    func sampleReport() -> FuzzReport {
        var r = FuzzReport(target: "127.0.0.1:9000", transport: "tcp", format: "!I", seed: 1, limit: 100, limitLearned: true)
        r.duration = 10
        let hostile = "x & <y> \"q\" 'a' \u{1}\u{8}\u{1b}[31m\u{7f} \u{FFFE} ]]> é\r\n" + EvidenceTests.pythonNegative
        func add(_ id: String, _ family: Family, _ verdict: Verdict, stderr: String, confirmed: (Int, Int)) {
            let c = FuzzCase(id: id, family: family, writes: [[0, 0]], close: .fin, note: "n")
            r.record(family, verdict)
            r.keep(Failure(fuzzCase: c, index: r.cases, verdict: verdict, detail: "seen <it>", stderrTail: stderr, foundAfter: 1))
            var ev = FindingEvidence()
            ev.confirmed = confirmed
            r.evidence[id] = ev
        }
        add("cut/1", .truncatedHeader, .crash, stderr: hostile, confirmed: (3, 3))
        add("cut/2", .truncatedHeader, .hang, stderr: "", confirmed: (1, 3))
        add("split/1", .writeBoundaries, .wrong, stderr: "", confirmed: (2, 3))
        for _ in 0 ..< 7 { r.record(.writeBoundaries, .ok) }
        return r
    }

    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var text: [String: String] = [:]
        var open: [String] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append((name, attributes))
            open.append(name)
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { open.removeLast() }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text[open.last ?? "", default: ""] += string }
    }

    static func parseJUnit(_ bytes: [UInt8]) throws -> Collector {
        let parser = XMLParser(data: Data(bytes))
        let c = Collector()
        parser.delegate = c
        XCTAssertTrue(parser.parse(), "\(String(describing: parser.parserError))\n\(String(decoding: bytes, as: UTF8.self))")
        return c
    }

    func testJUnitParsesWithTheRightCountsWhateverTheStderrHolds() throws {
        let r = sampleReport()
        let xml = r.junit(families: [.truncatedHeader, .writeBoundaries, .body], failOn: Set(Verdict.failing)) { "framescope fuzz … --replay \($0.fuzzCase.id)" }
        let c = try Self.parseJUnit(xml)
        let suite = try XCTUnwrap(c.elements.first { $0.name == "testsuite" }).attributes
        XCTAssertEqual(suite["tests"], "3")
        XCTAssertEqual(suite["failures"], "2", "the crash and the wrong answer; the unconfirmed hang is not one")
        XCTAssertEqual(suite["errors"], "0")
        XCTAssertEqual(suite["skipped"], "1")
        XCTAssertEqual(suite["time"], "10.000")
        XCTAssertEqual(c.elements.first { $0.name == "testsuites" }?.attributes["failures"], "2")
        XCTAssertEqual(c.elements.filter { $0.name == "testcase" }.map { $0.attributes["name"] ?? "" }, ["truncated_header", "write_boundaries", "body"])
        XCTAssertEqual(c.elements.filter { $0.name == "failure" }.count, 2)
        XCTAssertEqual(c.elements.filter { $0.name == "skipped" }.count, 1)
        // The hostile stderr comes back as written, save what XML 1.0 cannot carry.
        let crash = try XCTUnwrap(c.elements.first { $0.name == "failure" && $0.attributes["type"] == "crash" })
        XCTAssertEqual(crash.attributes["message"], "crash: ValueError at /tmp/tb/neg.py:4 in handle")
        let text = c.text["failure"] ?? ""
        XCTAssertTrue(text.contains("x & <y> \"q\" 'a' \\x01\\x08\\x1b[31m\u{7f} \\u{FFFE} ]]> é\r\n"), text)
        XCTAssertTrue(text.contains("reproduce: framescope fuzz … --replay cut/1"), text)
        XCTAssertTrue(text.contains("why: \(explanation(family: .truncatedHeader, verdict: .crash))"), text)
        XCTAssertTrue(c.text["system-out"]?.contains("not a failure (unconfirmed: came back 1 of 3): hang") == true, c.text["system-out"] ?? "")
        // --fail-on hang: nothing confirmed fails; both confirmed findings are listed, not failed.
        let none = try Self.parseJUnit(r.junit(families: [.truncatedHeader, .writeBoundaries], failOn: [.hang]) { _ in "r" })
        XCTAssertEqual(none.elements.first { $0.name == "testsuite" }?.attributes["failures"], "0")
        XCTAssertEqual(none.elements.first { $0.name == "testsuite" }?.attributes["skipped"], "0")
        XCTAssertTrue(none.text["system-out"]?.contains("not a failure (not in --fail-on): crash") == true)
        XCTAssertEqual(xmlEscaped("a\tb\n\u{0}"), "a&#9;b&#10;\\x00")
    }

    func testSARIFHasTheStandardsShapeAndLevels() throws {
        let r = sampleReport()
        let tool = SARIFTool(name: "framescope", version: "9.9", informationURI: "man:framescope(1)")
        let bytes = r.sarif(tool: tool, directory: "/tmp", program: nil, failOn: [.crash]) { "framescope fuzz … --replay \($0.fuzzCase.id)" }
        let log = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        XCTAssertEqual(log["version"] as? String, "2.1.0")
        XCTAssertTrue((log["$schema"] as? String ?? "").hasSuffix("sarif-schema-2.1.0.json"))
        let runs = try XCTUnwrap(log["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 1)
        let driver = try XCTUnwrap((runs[0]["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["name"] as? String, "framescope")
        XCTAssertEqual(driver["version"] as? String, "9.9")
        XCTAssertEqual(driver["informationUri"] as? String, "man:framescope(1)")
        let rules = try XCTUnwrap(driver["rules"] as? [[String: Any]]).map { $0["id"] as? String ?? "" }
        XCTAssertEqual(rules, ["crash", "hang", "blocks_others", "wrong", "slow", "leak"])
        let results = try XCTUnwrap(runs[0]["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 3, "one result per distinct finding")
        for res in results {
            let id = try XCTUnwrap(res["ruleId"] as? String)
            XCTAssertEqual(rules[try XCTUnwrap(res["ruleIndex"] as? Int)], id)
            let text = try XCTUnwrap((res["message"] as? [String: Any])?["text"] as? String)
            XCTAssertTrue(text.contains("Reproduce: framescope fuzz … --replay"), text)
        }
        XCTAssertEqual(results.map { $0["level"] as? String ?? "" }, ["error", "note", "warning"])
        // The crash is located at the traceback's line, relative to the working directory (/tmp).
        let location = try XCTUnwrap((results[0]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        XCTAssertEqual((location["artifactLocation"] as? [String: Any])?["uri"] as? String, "tb/neg.py")
        XCTAssertEqual((location["artifactLocation"] as? [String: Any])?["uriBaseId"] as? String, "%SRCROOT%")
        XCTAssertEqual((location["region"] as? [String: Any])?["startLine"] as? Int, 4)
        let base = (runs[0]["originalUriBaseIds"] as? [String: Any])?["%SRCROOT%"] as? [String: Any]
        XCTAssertEqual(base?["uri"] as? String, "file:///tmp/")
        XCTAssertNil(results[1]["locations"], "no traceback and no program: no location")
        // With the target's program, a finding without a traceback points at its first line.
        let withProgram = r.sarif(tool: tool, directory: "/srv", program: "/srv/chat.py", failOn: [.crash]) { _ in "r" }
        let again = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(withProgram)) as? [String: Any])
        let res1 = try XCTUnwrap(((again["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])?[1])
        let loc1 = try XCTUnwrap((res1["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        XCTAssertEqual((loc1["artifactLocation"] as? [String: Any])?["uri"] as? String, "chat.py")
        XCTAssertEqual((loc1["region"] as? [String: Any])?["startLine"] as? Int, 1)
    }
}
