import Foundation
import XCTest

/// Issue 23, item 2: `messages` keeps stream order in bounded memory on any capture — past its
/// budget the held output goes to a temporary file unlinked the moment it is made, and comes
/// back in order; nothing is left behind, even when the process is killed.
final class MessagesOrderTests: XCTestCase {
    func testASmallBudgetSpillsAndKeepsTheExactOrderAndLeavesNothing() throws {
        _ = try CLI.requireTool("python3")
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmp = dir.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let capture = dir.appendingPathComponent("many.pcap").path
        let gen = try CLI.runProgram(URL(fileURLWithPath: "/usr/bin/env"),
                                     ["python3", CLI.packageRoot.appendingPathComponent("tools/bench/gen_capture.py").path, capture,
                                      "--frames", "30000", "--concurrency", "200"], timeout: 120)
        XCTAssertEqual(gen.status, 0, gen.stderr)
        let env = ["TMPDIR": tmp.path]
        let memory = try CLI.run(["messages", capture], timeout: 120, environment: env)
        XCTAssertEqual(memory.status, 0, memory.stderr)
        for args in [["--order-budget", "4096"], ["--order-budget", "0", "--json"]] {
            let spilled = try CLI.run(["messages", capture] + args, timeout: 120, environment: env)
            XCTAssertEqual(spilled.status, 0, spilled.stderr)
            XCTAssertFalse(spilled.stderr.contains("out of stream order"), spilled.stderr)
            if args.contains("--json") {
                // Stream by stream: the stream indices of TCP messages never go down.
                let streams = try jsonLines(spilled.stdout).filter { $0["transport"] == nil }.compactMap { $0["stream"] as? Int }
                XCTAssertEqual(streams, streams.sorted())
                XCTAssertGreaterThan(Set(streams).count, 100)
            } else {
                XCTAssertTrue(spilled.stdoutBytes == memory.stdoutBytes, "the spilled output differs from the one held in memory")
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), [], "a spill file was left behind")
        }
        // Killed while it spills: the file was unlinked when it was made.
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["messages", capture, "--order-budget", "0"]
        var e = ProcessInfo.processInfo.environment
        e["TMPDIR"] = tmp.path
        p.environment = e
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var sawSpill = false
        let deadline = Date().addingTimeInterval(30)
        while p.isRunning && Date() < deadline && !sawSpill {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(p.processIdentifier)/fd")) ?? []
            // The spill file: named framescope-spill-… until it is unlinked, or (O_TMPFILE) never
            // named, "#inode (deleted)" in the temporary directory.
            sawSpill = fds.contains {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(p.processIdentifier)/fd/\($0)") else { return false }
                return target.contains("framescope-spill") || target.hasPrefix(tmp.path + "/#")
            }
            if !sawSpill { usleep(2_000) }
        }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        XCTAssertTrue(sawSpill || p.terminationStatus == 0, "the run neither spilled nor finished")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), [], "a spill file was left behind after SIGKILL")
    }

    func testOrderArrivalPrintsAsMessagesComplete() throws {
        let r = try CLI.run(["messages", CLI.capture("tcp-chat-ipv4.pcap"), "--order", "arrival"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try CLI.run(["messages", CLI.capture("tcp-chat-ipv4.pcap")])
        XCTAssertEqual(Set(r.stdout.split(separator: "\n")), Set(s.stdout.split(separator: "\n")))
    }
}
