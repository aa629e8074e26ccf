import XCTest
import Wire
@testable import Streams
import TestSupport

// Memory stays under the limits on hostile input (docs/DESIGN.md "Streams"; issue 3's adversarial
// captures): 100,000 streams each with a hole, and one stream claiming 1 GB of out-of-order data
// (claimed with small captured payloads and sequence numbers far ahead, so the test itself stays
// small).

final class AdversarialTests: XCTestCase {
    func testHundredThousandStreamsEachWithAHole() {
        let limits = ReassemblyLimits()
        let r = TCPReassembler(limits: limits)
        let payload = [UInt8](repeating: 0x41, count: 700)
        var frame = 0
        var maxBuffered = 0, warnings = 0, opened = 0, ended = 0, gaps = 0
        func count(_ e: StreamEvent) {
            switch e {
            case .warning: warnings += 1
            case .opened: opened += 1
            case .ended: ended += 1
            case .gap: gaps += 1
            default: break
            }
        }
        payload.withUnsafeBytes { buf in
            for i in 0 ..< 100_000 {
                let client = IPAddress.v4(IPv4Address(10, 0, UInt8(i >> 8 & 0xff), UInt8(i & 0xff)))
                let port = UInt16(40000 + i % 20000)
                let isn = UInt32(truncatingIfNeeded: i &* 2_654_435_761)
                for (seq, flags, len) in [(isn, TCPFlags.syn, 0), (isn &+ 101, pshAck, payload.count)] {
                    frame += 1
                    _ = r.process(TCPSegment(
                        frame: frame, timestamp: Timestamp(seconds: 1_700_000_000 + Int64(i / 1000), nanoseconds: 0),
                        source: client, sourcePort: port, destination: serverIP, destinationPort: 9000,
                        sequence: seq, acknowledgment: 0, flags: flags, window: 1024,
                        payloadLength: len, payload: UnsafeRawBufferPointer(rebasing: buf[0 ..< len])))
                    r.drainEvents(count)
                    maxBuffered = max(maxBuffered, r.bufferedBytes)
                }
            }
        }
        XCTAssertLessThanOrEqual(maxBuffered, limits.maxBufferedBytesTotal)
        XCTAssertGreaterThan(maxBuffered, limits.maxBufferedBytesTotal - 1000, "the total limit was reached")
        XCTAssertEqual(r.liveStreams, 100_000)
        XCTAssertEqual(opened, 100_000)
        XCTAssertGreaterThan(warnings, 0)
        for e in r.finish() { count(e) }
        XCTAssertEqual(ended, 200_000, "every direction ended exactly once")
        XCTAssertEqual(gaps, 100_000, "every hole reported as a gap")
        XCTAssertEqual(r.bufferedBytes, 0)
        XCTAssertEqual(r.liveStreams, 0)
    }

    /// Drives one direction with `count` segments whose sequence numbers come from `seq(k)`, each
    /// claiming `claimed` bytes of which `captured` were captured; checks the limits after each.
    private func hammer(
        limits: ReassemblyLimits, count: Int, claimed: Int, captured: Int, seq: (Int) -> UInt32,
        file: StaticString = #filePath, line: UInt = #line
    ) -> [StreamEvent] {
        let r = TCPReassembler(limits: limits)
        let payload = [UInt8](repeating: 0x5a, count: captured)
        var events: [StreamEvent] = []
        var order = EventOrderChecker()
        var worst = 0
        func feed(_ frame: Int, _ sequence: UInt32, _ flags: TCPFlags, _ len: Int, _ buf: UnsafeRawBufferPointer) {
            _ = r.process(TCPSegment(
                frame: frame, timestamp: Timestamp(seconds: 1_700_000_000, nanoseconds: 0),
                source: clientIP, sourcePort: 45168, destination: serverIP, destinationPort: 9000,
                sequence: sequence, acknowledgment: 0, flags: flags, window: 1024,
                payloadLength: len, payload: buf))
            r.drainEvents { e in
                order.check(e)
                if case .data = e {} else { events.append(e) }
            }
            worst = max(worst, r.bufferedBytes)
        }
        payload.withUnsafeBytes { buf in
            feed(1, 0, [.syn], 0, UnsafeRawBufferPointer(rebasing: buf[0 ..< 0]))
            for k in 0 ..< count { feed(k + 2, seq(k), pshAck, claimed, buf) }
        }
        XCTAssertLessThanOrEqual(worst, limits.maxOutOfOrderBytesPerDirection, file: file, line: line)
        XCTAssertLessThanOrEqual(worst, limits.maxBufferedBytesTotal, file: file, line: line)
        for e in r.finish() {
            order.check(e)
            events.append(e)
        }
        XCTAssertEqual(r.bufferedBytes, 0, file: file, line: line)
        order.finish(requireEnded: true)
        XCTAssertEqual(order.problems, [], file: file, line: line)
        return events
    }

    func testOneGigabyteOfOutOfOrderClaims() {
        let limits = ReassemblyLimits()
        // 16,384 segments claiming 65,535 bytes each (1 GiB in all), 4 KiB of each captured, one
        // byte apart: every one leaves a hole. 1 GiB is a quarter of the sequence space, so every
        // claim reads as ahead of the cursor.
        let events = hammer(limits: limits, count: 16_384, claimed: 65_535, captured: 4096) { k in
            UInt32(truncatingIfNeeded: 1 + 1000 + k * 65_536)
        }
        XCTAssertTrue(events.contains { if case .warning(let w) = $0 { w.contains("holes") } else { false } })
    }

    func testContiguousClaimsFarAhead() {
        // No new holes: only the byte limit can stop the growth.
        let limits = ReassemblyLimits()
        let events = hammer(limits: limits, count: 4000, claimed: 4096, captured: 4096) { k in
            UInt32(truncatingIfNeeded: 1 + 100_000_000 + k * 4096)
        }
        XCTAssertTrue(events.contains { if case .warning(let w) = $0 { w.contains("per direction") } else { false } })
    }

    func testTinyPiecesInReverseOrder() {
        // Many one-byte pieces, each before the previous: bounded by the piece limit.
        let limits = ReassemblyLimits()
        let events = hammer(limits: limits, count: 20_000, claimed: 1, captured: 1) { k in
            UInt32(truncatingIfNeeded: 1 + 10_000_000 - k)
        }
        XCTAssertTrue(events.contains { if case .warning(let w) = $0 { w.contains("pieces") } else { false } })
    }

    func testRandomSequenceNumbers() {
        var rng = SplitMix64(seed: 42)
        var seqs: [UInt32] = []
        for _ in 0 ..< 20_000 { seqs.append(UInt32.random(in: 0 ... UInt32.max, using: &rng)) }
        var limits = ReassemblyLimits()
        limits.maxOutOfOrderBytesPerDirection = 1 << 20
        _ = hammer(limits: limits, count: seqs.count, claimed: 1460, captured: 1460) { seqs[$0] }
    }
}
