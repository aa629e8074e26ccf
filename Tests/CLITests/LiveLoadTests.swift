import Foundation
import XCTest
import TestSupport

/// `live` under load on the real `lo` (issue 9): a known number of UDP datagrams sent as fast as
/// the test can, every one of them must be in the `-w` file with nothing dropped by the kernel,
/// and the stop line's counters must agree with the file. The decoding path is checked the same
/// way at a rate it can hold.
final class LiveLoadTests: XCTestCase {
    /// The counters of the stop line: frames captured, libpcap's received and dropped by kernel.
    func stopLine(_ stderr: String) throws -> (captured: Int, received: Int, dropped: Int) {
        let line = try XCTUnwrap(stderr.split(separator: "\n").first { $0.contains("frames captured; libpcap:") }, stderr)
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        XCTAssertGreaterThanOrEqual(numbers.count, 3, String(line))
        return (numbers[0], numbers[1], numbers[2])
    }

    /// Records in a pcap file, counted from the record headers (an oracle independent of the
    /// project's reader).
    func pcapRecords(_ path: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let magic = data.prefix(4)
        let little = magic == Data([0xd4, 0xc3, 0xb2, 0xa1]) || magic == Data([0x4d, 0x3c, 0xb2, 0xa1])
        var offset = 24, count = 0
        while offset + 16 <= data.count {
            let b = data[(data.startIndex + offset + 8)..<(data.startIndex + offset + 12)].map { UInt32($0) }
            let incl = little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
            offset += 16 + Int(incl)
            count += 1
        }
        XCTAssertEqual(offset, data.count, "the file ends on a record boundary")
        return count
    }

    func testWritingAFileDropsNothingUnderABurst() throws {
        guard CLI.isRoot else { throw XCTSkip("live capture needs root (or CAP_NET_RAW)") }
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("burst.pcap").path
        let receiver = try LoopbackSocket.udp(.v4)  // bound, never read: the capture sees every datagram anyway
        let sender = try LoopbackSocket.udp(.v4)
        let live = try Background(["live", "-i", "lo", "udp and dst port \(receiver.localPort)", "-w", file, "-q", "--buffer", "64"])
        defer { live.stop() }
        XCTAssertTrue(live.waitForStderr("listening on lo", timeout: 10), live.stderrText)

        let total = 200_000
        let payload = [UInt8](repeating: 0x61, count: 32)
        var sent = 0
        let started = Date()
        for _ in 0..<total where (try? sender.sendDatagram(payload, toPort: receiver.localPort)) != nil { sent += 1 }
        let seconds = Date().timeIntervalSince(started)
        print("LiveLoadTests: \(sent) datagrams in \(String(format: "%.2f", seconds)) s (\(Int(Double(sent) / seconds)) frames/s)")
        XCTAssertGreaterThan(sent, total * 99 / 100)

        XCTAssertEqual(live.interrupt(timeout: 15), 0, live.stderrText)
        let counters = try stopLine(live.stderrText)
        let written = try pcapRecords(file)
        XCTAssertEqual(counters.dropped, 0, "nothing dropped by the kernel: \(live.stderrText)")
        XCTAssertEqual(written, sent, "every datagram sent is in the file")
        XCTAssertEqual(counters.captured, written, "the stop line counts what the file holds")
        XCTAssertGreaterThanOrEqual(counters.received, counters.captured)
        XCTAssertFalse(live.stderrText.contains("warning: the kernel dropped"))
    }

    func testDecodingLiveHoldsAModerateRate() throws {
        guard CLI.isRoot else { throw XCTSkip("live capture needs root (or CAP_NET_RAW)") }
        let receiver = try LoopbackSocket.udp(.v4)
        let sender = try LoopbackSocket.udp(.v4)
        let live = try Background(["live", "-i", "lo", "udp and dst port \(receiver.localPort)", "--buffer", "256", "--framing", "raw"])
        defer { live.stop() }
        XCTAssertTrue(live.waitForStderr("listening on lo", timeout: 10), live.stderrText)

        // 20,000 datagrams at about 20,000 a second: 100 back to back, then 5 ms.
        var sent = 0
        for i in 0..<200 {
            for j in 0..<100 where (try? sender.sendDatagram(Array("m\(i)-\(j)".utf8), toPort: receiver.localPort)) != nil { sent += 1 }
            usleep(5_000)
        }
        XCTAssertEqual(live.interrupt(timeout: 15), 0, live.stderrText)
        let counters = try stopLine(live.stderrText)
        XCTAssertEqual(counters.dropped, 0, live.stderrText)
        XCTAssertEqual(counters.captured, sent)
        let lines = live.stdoutText.split(separator: "\n").filter { $0.contains("UDP") }
        XCTAssertEqual(lines.count, sent, "one decoded line per datagram")
        XCTAssertTrue(lines.last?.contains("\"m199-99\"") ?? false, String(lines.last ?? ""))
    }
}
