import XCTest
import Wire
@testable import Streams
import TestSupport

// One seeded random test against a reference model that is obviously correct (smoltcp's
// assembler `test_random`): a known byte stream is cut into segments, some duplicated and some
// re-sent as overlapping ranges, all shuffled; the model records, for each byte, the frame of the
// first segment that carried it. Delivered bytes must equal the stream and each byte's frame the
// model's. Seeds are fixed, so a failure replays exactly (the message names the trial).

final class RandomModelTests: XCTestCase {
    struct Trial {
        var stream: [UInt8]
        var isn: UInt32
        /// (offset, length) in feeding order.
        var segments: [(Int, Int)]
    }

    static func makeTrial(_ rng: inout SplitMix64) -> Trial {
        let n = Int.random(in: 1 ... 6000, using: &rng)
        let stream = (0 ..< n).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
        // A third of the trials start just before the 2^32 wrap.
        let isn = Bool.random(using: &rng) && Bool.random(using: &rng)
            ? UInt32.random(in: 0 ... UInt32.max, using: &rng)
            : UInt32.max &- UInt32.random(in: 0 ..< 7000, using: &rng)
        var segs: [(Int, Int)] = []
        var pos = 0
        while pos < n {
            let len = min(n - pos, Int.random(in: 1 ... 700, using: &rng))
            segs.append((pos, len))
            if Int.random(in: 0 ..< 10, using: &rng) < 3 { segs.append((pos, len)) }  // duplicate
            pos += len
        }
        for _ in 0 ..< Int.random(in: 0 ... 4, using: &rng) {  // overlapping re-sends
            let a = Int.random(in: 0 ..< n, using: &rng)
            let b = min(n, a + Int.random(in: 1 ... 1500, using: &rng))
            segs.append((a, b - a))
        }
        segs.shuffle(using: &rng)
        return Trial(stream: stream, isn: isn, segments: segs)
    }

    /// Feeds the trial (after a handshake) and returns the harness after `finish()`.
    static func run(_ t: Trial, limits: ReassemblyLimits, check: (TCPReassembler) -> Void = { _ in }) -> Harness {
        let h = Harness(limits: limits)
        h.feed(.c(t.isn, [.syn]))
        h.feed(.s(77, ack: t.isn &+ 1, synAck))
        h.feed(.c(t.isn &+ 1, ack: 78, [.ack]))
        for (off, len) in t.segments {
            h.feed(Seg(
                fromClient: true, seq: t.isn &+ 1 &+ UInt32(off), ack: 78, flags: pshAck,
                payload: Array(t.stream[off ..< off + len])))
            check(h.r)
        }
        h.finish()
        return h
    }

    func testAgainstReferenceModel() {
        var rng = SplitMix64(seed: 0x5EED_F00D)
        var limits = ReassemblyLimits()
        limits.maxHolesPerDirection = 1 << 20  // no limit may interfere with the exact comparison
        limits.maxPiecesPerDirection = 1 << 20
        for trial in 0 ..< 300 {
            let t = Self.makeTrial(&rng)
            // Model: the first frame (in feeding order) that carried each byte.
            var firstFrame = [Int](repeating: 0, count: t.stream.count)
            for (i, (off, len)) in t.segments.enumerated() {
                for b in off ..< off + len where firstFrame[b] == 0 { firstFrame[b] = i + 4 }
            }
            let h = Self.run(t, limits: limits)
            var delivered: [UInt8] = []
            for e in h.events {
                guard case .data(_, .clientToServer, let o, let bytes, let frame, let start) = e else { continue }
                XCTAssertEqual(Int(o), delivered.count, "trial \(trial): offset")
                for i in 0 ..< bytes.count where firstFrame[Int(o) + i] != frame {
                    XCTFail("trial \(trial): byte \(Int(o) + i) from frame \(frame), first copy was frame \(firstFrame[Int(o) + i])")
                    break
                }
                let (segOff, _) = t.segments[frame - 4]
                XCTAssertEqual(start == 0, segOff == Int(o), "trial \(trial): segment start")
                delivered += bytes
            }
            XCTAssertEqual(delivered, t.stream, "trial \(trial): delivered bytes")
            XCTAssertEqual(h.gaps(.clientToServer), [], "trial \(trial): no gaps")
            XCTAssertEqual(h.r.bufferedBytes, 0)
            assertEventOrder(h.events)
            if delivered != t.stream { return }
        }
    }

    /// Same inputs under tight limits: whatever is delivered is the right bytes at the right
    /// offsets, data and gaps together cover the stream, and the limits hold after every call.
    func testUnderTightLimits() {
        var rng = SplitMix64(seed: 0xB0B_CAFE)
        var limits = ReassemblyLimits()
        limits.maxOutOfOrderBytesPerDirection = 3000
        limits.maxHolesPerDirection = 3
        limits.maxPiecesPerDirection = 8
        for trial in 0 ..< 200 {
            let t = Self.makeTrial(&rng)
            let h = Self.run(t, limits: limits) { r in
                XCTAssertLessThanOrEqual(r.bufferedBytes, 3000, "trial \(trial)")
            }
            var covered = 0
            for e in h.events {
                switch e {
                case .data(_, .clientToServer, let o, let bytes, _, _):
                    XCTAssertEqual(Array(bytes), Array(t.stream[Int(o) ..< Int(o) + bytes.count]), "trial \(trial): bytes at \(o)")
                    covered += bytes.count
                case .gap(_, .clientToServer, _, let l?):
                    covered += Int(l)
                default: break
                }
            }
            XCTAssertEqual(covered, t.stream.count, "trial \(trial): data + gaps cover the stream")
            assertEventOrder(h.events)
        }
    }
}
