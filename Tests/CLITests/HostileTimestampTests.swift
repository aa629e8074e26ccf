@testable import framescope
import Foundation
import Render
import XCTest

/// Issue 10, item 1: timestamps that go backwards, repeat, sit at zero, reach 2106 (the largest a
/// pcap record holds) or carry an impossible fraction must never trap a renderer or a command:
/// every output mode and every command over such captures ends normally and says what it saw.
final class HostileTimestampTests: XCTestCase {
    /// (seconds, fraction) per record, cycled: backwards, equal, zero, far future, impossible
    /// fractions (≥ 10^6 µs, ≥ 10^9 ns), then backwards again.
    static let times: [(UInt32, UInt32)] = [
        (1_764_000_000, 500_000), (1_700_000_000, 0), (1_700_000_000, 0), (0, 0), (UInt32.max, 999_999),
        (5, 1_500_000), (UInt32.max, UInt32.max), (1, 2), (1_764_000_000, 1),
    ]

    /// A copy of `capture` (classic little-endian pcap) with the record times above; `nano`
    /// makes it a nanosecond file.
    func hostileCopy(of capture: String, nano: Bool, into dir: URL) throws -> String {
        var data = try Data(contentsOf: URL(fileURLWithPath: CLI.capture(capture)))
        XCTAssertEqual(Array(data.prefix(4)), [0xd4, 0xc3, 0xb2, 0xa1], "a little-endian µs pcap")
        if nano { data.replaceSubrange(0..<4, with: [0x4d, 0x3c, 0xb2, 0xa1]) }
        func put(_ v: UInt32, at o: Int) {
            data.replaceSubrange(o..<o + 4, with: [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)])
        }
        var offset = 24, i = 0
        while offset + 16 <= data.count {
            let (s, f) = Self.times[i % Self.times.count]
            put(s, at: offset)
            put(nano ? f &* 1000 : f, at: offset + 4)
            let incl = data[offset + 8..<offset + 12].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            offset += 16 + incl
            i += 1
        }
        let path = dir.appendingPathComponent("\(nano ? "ns" : "us")-\(capture)").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func testEveryOutputModeAndCommandSurvivesHostileTimestamps() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for capture in ["split.pcap", "sticky.pcap", "udp-chat.pcap"] {
            for nano in [false, true] {
                let file = try hostileCopy(of: capture, nano: nano, into: dir)
                let svg = dir.appendingPathComponent("ladder.svg").path
                let runs: [[String]] = [
                    ["read", file], ["read", file, "-V"], ["read", file, "-x"], ["read", file, "--json"],
                    ["read", file, "--no-messages"], ["messages", file], ["messages", file, "--json"],
                    ["stats", file],
                ] + (capture.hasPrefix("udp") ? [] : [["follow", file, "--stream", "0", "--ladder"], ["follow", file, "--stream", "0", "--svg", svg]])
                for args in runs {
                    let r = try CLI.run(args, timeout: 60)
                    let what = "\(args.joined(separator: " ")) (\(nano ? "ns" : "µs"))"
                    XCTAssertTrue([0, 1].contains(r.status), "\(what) ended with \(r.status): \(r.stderr)")
                    XCTAssertFalse(r.stderr.contains("Fatal error"), "\(what): \(r.stderr)")
                    XCTAssertFalse(r.stdout.isEmpty, "\(what) printed nothing: \(r.stderr)")
                }
            }
        }
    }

    /// The trap the issue found: `stats` on a TCP stream whose second frame is older than its
    /// first. The negative duration is shown, and warned about.
    func testStatsShowsANegativeDurationAndWarns() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try hostileCopy(of: "split.pcap", nano: false, into: dir)
        let r = try CLI.run(["stats", file])
        XCTAssertEqual(r.status, 0, r.stderr)
        let row = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.contains("127.0.0.1") && $0.contains(" s ") }, r.stdout)
        XCTAssertTrue(row.contains(" -"), "a negative duration is shown with its sign: \(row)")
        XCTAssertTrue(r.stderr.contains("warning: the timestamps go backwards in streams 0, 1: their last frames are older than the first"), r.stderr)
        XCTAssertEqual(StatsTables.format3(-0.5), "-0.500")
        XCTAssertEqual(StatsTables.format3(4_294_967_295.5), "4294967295.500")
        XCTAssertEqual(StatsTables.format3(.infinity), "?")
        XCTAssertEqual(StatsTables.format3(-1e300), "-1.000e+300")
        // e-notation as Foundation's String(format:) wrote it before the tables moved to Render.
        for d in [1e19, 9.2233720368547758e15, -123_456_789_012_345_678.9, .greatestFiniteMagnitude] {
            XCTAssertEqual(StatsTables.format3(d), (d < 0 ? "-" : "") + String(format: "%.3e", abs(d)))
        }
    }
}
