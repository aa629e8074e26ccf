import Foundation
import XCTest

/// `framescope fuzz` against real servers on loopback: the lesson's broken servers in
/// tools/fuzz-targets (each must be found with its verdict) and framescope's own robust servers
/// (no failure may be reported). Every run is bounded by --cases, --duration and the runner's
/// timeout; the fuzzer starts and stops each target itself (--exec).
final class FuzzCommandTests: XCTestCase {
    static func target(_ name: String) -> String {
        CLI.packageRoot.appendingPathComponent("tools/fuzz-targets/\(name).py").path
    }

    struct Run {
        var status: Int32
        var report: [String: Any]
        var stdout: String
        var stderr: String
        var failures: [[String: Any]] { report["failures"] as? [[String: Any]] ?? [] }
        func found(_ verdict: String, family: String? = nil) -> Bool {
            failures.contains { $0["verdict"] as? String == verdict && (family == nil || $0["family"] as? String == family) }
        }
    }

    func fuzz(_ args: [String], timeout: TimeInterval = 150) throws -> Run {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("report.json").path
        // Minimisation is FuzzEvidenceTests' subject; here it would only cost time.
        let minimize = args.contains("--minimize-tries") ? [] : ["--minimize-tries", "0"]
        let r = try CLI.run(["fuzz"] + args + minimize + ["--report", path, "--quiet"], timeout: timeout)
        var report: [String: Any] = [:]
        if let d = FileManager.default.contents(atPath: path) {
            report = try XCTUnwrap(JSONSerialization.jsonObject(with: d) as? [String: Any])
        }
        return Run(status: r.status, report: report, stdout: r.stdout, stderr: r.stderr)
    }

    func python() throws {
        _ = try CLI.requireTool("python3")
    }

    func brokenTarget(_ name: String, udp: Bool = false, families: String, cases: Int = 300,
                      verdict: String, family: String, extra: [String] = []) throws {
        try python()
        let run = try fuzz(["127.0.0.1:0", udp ? "--udp" : "--tcp", "--framing", "!I", "--exec", "python3 \(Self.target(name)) 0",
                            "--families", families, "--cases", String(cases), "--duration", "90"] + extra)
        XCTAssertEqual(run.status, 1, "\(name): \(run.stdout)\n\(run.stderr)")
        XCTAssertTrue(run.found(verdict, family: family), "\(name): no \(verdict) in \(family); got \(run.failures.map { "\($0["verdict"]!) \($0["family"]!) \($0["case"]!)" })\n\(run.stderr)")
        for f in run.failures {
            XCTAssertFalse((f["reproduce"] as? String ?? "").isEmpty)
            XCTAssertFalse((f["explanation"] as? String ?? "").isEmpty)
        }
    }

    func testCrashOnNegativeLength() throws {
        try brokenTarget("crash_negative_length", families: "boundary_length", verdict: "crash", family: "boundary_length")
    }

    func testCrashOnTruncatedHeaderKeepsItsStderr() throws {
        try python()
        let run = try fuzz(["127.0.0.1:0", "--framing", "!I", "--exec", "python3 \(Self.target("crash_truncated_header")) 0",
                            "--families", "truncated_header", "--max-message", "65536"])
        XCTAssertEqual(run.status, 1)
        let crash = try XCTUnwrap(run.failures.first { $0["verdict"] as? String == "crash" && $0["family"] as? String == "truncated_header" })
        XCTAssertTrue((crash["stderr_tail"] as? String ?? "").contains("struct.error"), "\(crash)")
        XCTAssertGreaterThan(run.report["restarts"] as? Int ?? 0, 0)
    }

    func testHangOnLongLength() throws {
        try brokenTarget("hang_long_length", families: "relative_length", verdict: "hang", family: "relative_length",
                         extra: ["--max-message", "65536"])
    }

    func testCrashOnInvalidUTF8() throws {
        try brokenTarget("crash_invalid_utf8", families: "body", verdict: "crash", family: "body", extra: ["--max-message", "65536"])
    }

    func testWrongAnswerOnStickyFrames() throws {
        try brokenTarget("wrong_sticky", families: "write_boundaries", verdict: "wrong", family: "write_boundaries",
                         extra: ["--max-message", "65536"])
    }

    func testSlowOnQuadraticServer() throws {
        try brokenTarget("quadratic_slowdown", families: "write_boundaries", verdict: "slow", family: "write_boundaries",
                         extra: ["--max-message", "65536"])
    }

    func testFdLeak() throws {
        try brokenTarget("fd_leak", families: "mutation", cases: 400, verdict: "leak", family: "mutation", extra: ["--max-message", "65536"])
    }

    func testUnboundedAllocationLeaksMemory() throws {
        try brokenTarget("unbounded_alloc", families: "mutation", cases: 500, verdict: "leak", family: "mutation",
                         extra: ["--max-message", "65536"])
    }

    func testUDPServerTrustingTheHeader() throws {
        try brokenTarget("udp_trusts_header", udp: true, families: "udp", verdict: "crash", family: "udp", extra: ["--max-message", "65536"])
    }

    /// framescope's own robust servers: the whole catalogue and some mutations, no failure.
    func testRobustServersHaveNoFailures() throws {
        let fs = CLI.binary.path
        let runs: [(String, [String])] = [
            ("framed", ["--framing", "!I", "--exec", "\(fs) serve framed --port 0 --quiet"]),
            ("framed <i", ["--framing", "<i", "--exec", "\(fs) serve framed --framing '<i' --port 0 --quiet"]),
            ("text", ["--framing", "line", "--expect", "echo: {probe}", "--exec", "\(fs) serve text --port 0 --quiet"]),
            ("udp", ["--udp", "--framing", "raw", "--expect", "echo: {probe}", "--exec", "\(fs) serve udp --port 0 --quiet"]),
        ]
        for (name, args) in runs {
            let run = try fuzz(["127.0.0.1:0"] + args + ["--cases", "500", "--duration", "120"])
            XCTAssertEqual(run.status, 0, "\(name): \(run.stdout)\n\(run.stderr)")
            XCTAssertEqual(run.failures.count, 0, "\(name): \(run.failures)")
            XCTAssertEqual(run.report["cases"] as? Int, 500, name)
            XCTAssertEqual(run.report["verdict_counts"] as? [String: Int], ["ok": 500], name)
        }
    }

    func testNaiveTextServerMergesStickyLines() throws {
        let fs = CLI.binary.path
        let run = try fuzz(["127.0.0.1:0", "--framing", "line", "--expect", "echo: {probe}", "--exec", "\(fs) serve text --naive --port 0 --quiet",
                            "--families", "line", "--max-message", "65536"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.found("wrong", family: "line"), "\(run.failures)")
    }

    func testListIsDeterministicAndSendsNothing() throws {
        let a = try CLI.run(["fuzz", "127.0.0.1:9", "--framing", "!I", "--list", "--cases", "300", "--seed", "5"])
        let b = try CLI.run(["fuzz", "127.0.0.1:9", "--framing", "!I", "--list", "--cases", "300", "--seed", "5"])
        XCTAssertEqual(a.status, 0)
        XCTAssertEqual(a.stdout, b.stdout)
        XCTAssertEqual(a.stdout.split(separator: "\n").count, 300)
        XCTAssertTrue(a.stdout.contains("body+1/1 relative_length fin"))
    }

    func testUnusableTargetsExitTwo() throws {
        // Nothing listens on port 1.
        let none = try CLI.run(["fuzz", "127.0.0.1:1", "--framing", "!I", "--cases", "10"], timeout: 30)
        XCTAssertEqual(none.status, 2, none.stderr)
        XCTAssertTrue(none.stderr.contains("nothing answers"), none.stderr)
        // A target that dies at start.
        let dies = try CLI.run(["fuzz", "127.0.0.1:0", "--framing", "!I", "--exec", "sh -c 'echo boom >&2; exit 3'"], timeout: 30)
        XCTAssertEqual(dies.status, 2, dies.stderr)
        XCTAssertTrue(dies.stderr.contains("exited with status 3") && dies.stderr.contains("boom"), dies.stderr)
        // Not loopback: refused before anything is sent.
        let remote = try CLI.run(["fuzz", "192.0.2.1:9000", "--framing", "!I"], timeout: 30)
        XCTAssertEqual(remote.status, 2, remote.stderr)
        XCTAssertTrue(remote.stderr.contains("not a loopback address"), remote.stderr)
        // A server that answers, but not as the oracle expects: exit 2, with the --expect to use.
        let text = try CLI.run(["fuzz", "127.0.0.1:0", "--framing", "line", "--exec", "\(CLI.binary.path) serve text --port 0 --quiet"], timeout: 30)
        XCTAssertEqual(text.status, 2, text.stderr)
        XCTAssertTrue(text.stderr.contains("try --expect 'echo: {probe}'"), text.stderr)
        // Usage errors are 2 as well.
        XCTAssertEqual(try CLI.run(["fuzz", "127.0.0.1:9000", "--framing", "auto"]).status, 2)
        XCTAssertEqual(try CLI.run(["fuzz", "127.0.0.1:9000", "--families", "nope"]).status, 2)
        XCTAssertEqual(try CLI.run(["fuzz", "127.0.0.1:9000", "--no-such-option"]).status, 2)
    }

    /// The fuzzer's own memory does not grow with the number of cases.
    func testFuzzerMemoryStaysBounded() throws {
        let fs = CLI.binary.path
        func peak(_ cases: Int) throws -> Int {
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = ["fuzz", "127.0.0.1:0", "--framing", "!I", "--families", "mutation", "--max-message", "65536",
                           "--cases", String(cases), "--quiet", "--exec", "\(fs) serve framed --port 0 --quiet"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            var peak = 0
            let deadline = Date().addingTimeInterval(120)
            while p.isRunning && Date() < deadline {
                if let s = try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8),
                   let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                   let kb = Int(line.split(separator: " ").dropFirst().first ?? "") {
                    peak = max(peak, kb)
                }
                usleep(20_000)
            }
            if p.isRunning { p.terminate() }
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
            return peak
        }
        let small = try peak(1000), large = try peak(8000)
        XCTAssertGreaterThan(small, 0)
        XCTAssertLessThan(large, small + 8 * 1024, "peak RSS \(small) kB for 1,000 cases, \(large) kB for 8,000")
    }
}
