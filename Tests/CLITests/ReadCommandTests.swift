import Foundation
import XCTest

/// `framescope read`: every committed capture, standard input, filters, and bad input — each
/// with a clear message, the right exit status, and nothing lost that was readable.
final class ReadCommandTests: XCTestCase {
    func testEveryCaptureGivesOneLinePerFrameLikeTcpdump() throws {
        let tcpdump = try CLI.requireTool("tcpdump")
        let dir = CLI.packageRoot.appendingPathComponent("captures")
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where file.hasSuffix(".pcap") {
            let path = dir.appendingPathComponent(file).path
            let ours = try CLI.run(["read", path])
            XCTAssertEqual(ours.status, 0, "\(file): \(ours.stderr)")
            let theirs = try CLI.runProgram(tcpdump, ["-nn", "-r", path], environment: ["TZ": "UTC"])
            let lines = ours.stdout.split(separator: "\n")
            XCTAssertEqual(lines.count, theirs.stdout.split(separator: "\n").count, file)
            XCTAssertFalse(ours.stdout.contains("\u{1b}["), "no colour when not a terminal")
            for (i, line) in lines.enumerated() { XCTAssertTrue(line.hasPrefix("\(i + 1) "), "\(file): \(line)") }
        }
    }

    func testStandardInputReadsLikeAFile() throws {
        let path = CLI.capture("tcp-chat-ipv6.pcap")
        let fromFile = try CLI.run(["read", path, "--json"])
        let fromStdin = try CLI.run(["read", "-", "--json"], stdin: try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(fromStdin.status, 0, fromStdin.stderr)
        XCTAssertEqual(fromStdin.stdout, fromFile.stdout)
        XCTAssertFalse(fromFile.stdout.isEmpty)
    }

    func testFilterKeepsFrameNumbersOfTheFile() throws {
        let r = try CLI.run(["read", CLI.capture("tcp-chat-ipv4.pcap"), "tcp[tcpflags]", "&", "tcp-syn", "!=", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("1 ") && lines[0].contains("[SYN]"))
        XCTAssertTrue(lines[1].hasPrefix("2 ") && lines[1].contains("[SYN, ACK]"))
    }

    func testFilterOnAPcapngWithTwoLinkTypes() throws {
        // libpcap 1.10 refuses this file; the native reader and a per-link-type filter do not.
        let all = try CLI.run(["read", CLI.capture("mixed-linktypes.pcapng"), "--json"])
        XCTAssertEqual(all.status, 0, all.stderr)
        let frames = try jsonLines(all.stdout)
        XCTAssertEqual(Set(frames.compactMap { $0["linktype"] as? String }), ["EN10MB", "LINUX_SLL2"])
        let udp = try CLI.run(["read", CLI.capture("mixed-linktypes.pcapng"), "udp", "--json"])
        let u = try jsonLines(udp.stdout)
        XCTAssertEqual(u.count, 4)
        XCTAssertTrue(u.allSatisfy { $0["linktype"] as? String == "LINUX_SLL2" })
        XCTAssertTrue(u.allSatisfy { ($0["time"] as? String ?? "").split(separator: ".").last?.count == 10 }, "ns: 9 digits + Z")
    }

    func testCountStopsEarly() throws {
        let r = try CLI.run(["read", CLI.capture("tcp-chat-ipv4.pcap"), "-c", "3"])
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 3)
    }

    func testBadFilterQuotesLibpcap() throws {
        let r = try CLI.run(["read", CLI.capture("udp-chat.pcap"), "tcp", "port"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("bad capture filter \"tcp port\""), r.stderr)
        XCTAssertTrue(r.stderr.contains("syntax error"), "libpcap's own words: \(r.stderr)")
        XCTAssertEqual(r.stdout, "", "nothing printed before the filter is known to be good")
    }

    func testMissingEmptyAndNonCaptureFiles() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try CLI.run(["read", dir.appendingPathComponent("nope.pcap").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("cannot open"), missing.stderr)

        let empty = dir.appendingPathComponent("empty.pcap")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        let e = try CLI.run(["read", empty.path])
        XCTAssertEqual(e.status, 2)
        XCTAssertTrue(e.stderr.contains("empty"), e.stderr)

        let text = dir.appendingPathComponent("notes.txt")
        try Data("hello, this is not a capture\n".utf8).write(to: text)
        let t = try CLI.run(["read", text.path])
        XCTAssertEqual(t.status, 2)
        XCTAssertTrue(t.stderr.contains("not a pcap or pcapng file (magic 0x68656c6c)"), t.stderr)
    }

    func testTruncatedLastRecordKeepsEverythingBeforeIt() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try Data(contentsOf: URL(fileURLWithPath: CLI.capture("tcp-chat-ipv4.pcap")))
        let cut = dir.appendingPathComponent("cut.pcap")
        try original.dropLast(5).write(to: cut)
        let full = try CLI.run(["read", CLI.capture("tcp-chat-ipv4.pcap")]).stdout.split(separator: "\n")
        let r = try CLI.run(["read", cut.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout.split(separator: "\n"), Array(full.dropLast()), "every whole frame is still printed")
        XCTAssertTrue(r.stderr.contains("record \(full.count)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\(full.count - 1) frame(s) before it were read"), r.stderr)
    }

    func testAbsurdRecordLengthIsCorruptNotAnAllocation() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CLI.capture("udp-chat.pcap"))))
        // Walk to record 3 and set its captured length to 0xffffffff.
        var offset = 24
        for _ in 0 ..< 2 {
            let caplen = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8 | Int(bytes[offset + 10]) << 16 | Int(bytes[offset + 11]) << 24
            offset += 16 + caplen
        }
        for i in 8 ..< 12 { bytes[offset + i] = 0xff }
        let bad = dir.appendingPathComponent("bad.pcap")
        try Data(bytes).write(to: bad)
        let r = try CLI.run(["read", bad.path, "--json"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(try jsonLines(r.stdout).count, 2)
        XCTAssertTrue(r.stderr.contains("record 3 at byte offset \(offset)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("captured length 4294967295 exceeds"), r.stderr)
    }

    func testUsageErrors() throws {
        let r = try CLI.run(["read", CLI.capture("udp-chat.pcap"), "--json", "-V"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--json cannot be combined with -V or -x"), r.stderr)
        let help = try CLI.run(["--help"])
        XCTAssertEqual(help.status, 0)
        for sub in ["read", "live", "interfaces", "demo"] { XCTAssertTrue(help.stdout.contains(sub), sub) }
        XCTAssertTrue(help.stdout.contains("Exit status"))
    }

    func testVerboseTreeAndHexNameTheLayers() throws {
        let r = try CLI.run(["read", CLI.capture("tcp-chat-ipv4.pcap"), "-V", "-x", "-c", "4"])
        XCTAssertEqual(r.status, 0)
        for label in ["L1 physical", "L2 data link", "L3 network", "L4 transport", "L7 payload", "partial", "eth@0 ipv4@14", "tcp@34", "payload@66"] {
            XCTAssertTrue(r.stdout.contains(label), label)
        }
    }
}

