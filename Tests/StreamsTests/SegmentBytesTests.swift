import Dispatch
import Wire
import XCTest
@testable import Streams

/// `SegmentBytes` and `SegmentArena`: event bytes as slices of shared chunks.
final class SegmentBytesTests: XCTestCase {
    /// `n` bytes counting up from `seed` (so neighbouring slices differ).
    func pattern(_ n: Int, seed: Int) -> [UInt8] {
        (0 ..< n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ seed) }
    }

    func copy(_ arena: inout SegmentArena, _ bytes: [UInt8]) -> SegmentBytes {
        bytes.withUnsafeBytes { arena.copy($0) }
    }

    func testSlicesFillAChunkThenANewOneBeginsAndEarlierBytesStayRight() {
        var arena = SegmentArena()
        let size = 1000
        // Enough segments to fill more than two chunks; one straddles each chunk's end.
        let count = 2 * SegmentArena.chunkSize / size + 3
        var sources: [[UInt8]] = []
        var slices: [SegmentBytes] = []
        for i in 0 ..< count {
            let b = pattern(size, seed: i)
            sources.append(b)
            slices.append(copy(&arena, b))
        }
        // More than one chunk was used: the slices do not all share one.
        XCTAssertFalse(slices.first!.owner === slices.last!.owner)
        let perChunk = SegmentArena.chunkSize / size
        XCTAssertTrue(slices[0].owner === slices[perChunk - 1].owner, "a chunk holds as many as fit")
        XCTAssertFalse(slices[perChunk - 1].owner === slices[perChunk].owner, "the one that does not fit begins a chunk")
        for i in 0 ..< count {
            XCTAssertEqual(Array(slices[i]), sources[i], "slice \(i)")
            XCTAssertEqual(slices[i].count, size)
        }
    }

    func testALargeSegmentGetsAChunkOfItsOwn() {
        var arena = SegmentArena()
        let small = copy(&arena, [1, 2, 3])
        for n in [SegmentArena.ownChunkAbove + 1, SegmentArena.chunkSize + 17] {
            let bigSource = pattern(n, seed: n)
            let big = copy(&arena, bigSource)
            XCTAssertEqual(Array(big), bigSource)
            XCTAssertFalse(big.owner === small.owner, "\(n) bytes")
        }
        // The chunk being filled goes on after them; one of the limit's size still goes in it.
        let after = copy(&arena, [4, 5])
        XCTAssertTrue(after.owner === small.owner)
        let limit = copy(&arena, pattern(SegmentArena.ownChunkAbove, seed: 9))
        XCTAssertTrue(limit.owner === small.owner)
        XCTAssertEqual(small, [1, 2, 3])
        XCTAssertEqual(after, [4, 5])
        XCTAssertEqual(Array(limit), pattern(SegmentArena.ownChunkAbove, seed: 9))
    }

    func testEqualityAndHashingGoByContents() {
        var arena = SegmentArena()
        let a = copy(&arena, [10, 20, 30])
        let b = SegmentBytes([10, 20, 30] as [UInt8])
        let c = copy(&arena, [10, 20, 31])
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, [10, 20, 30])
        XCTAssertNotEqual(a, c)
        XCTAssertNotEqual(a, [10, 20])
        XCTAssertEqual(a.hashValue, b.hashValue)
        XCTAssertEqual(Set([a, b, c]).count, 2)
        XCTAssertEqual(SegmentBytes(), [])
        XCTAssertTrue(SegmentBytes().isEmpty)
        XCTAssertEqual(copy(&arena, []), SegmentBytes())
        // Read like the array they replace.
        XCTAssertEqual(a[1], 20)
        XCTAssertEqual(Array(a.dropFirst()), [20, 30])
        var joined: [UInt8] = [1]
        joined += a
        XCTAssertEqual(joined, [1, 10, 20, 30])
        XCTAssertEqual(a.withUnsafeBytes { Array($0) }, [10, 20, 30])
        XCTAssertEqual(a.description, "[10, 20, 30]")
        XCTAssertEqual(String(decoding: SegmentBytes(Array("hi".utf8)), as: UTF8.self), "hi")
    }

    func testAFullChunkIsReusedOnlyWhenNoSliceIsLeft() {
        var arena = SegmentArena()
        let size = SegmentArena.ownChunkAbove
        let perChunk = SegmentArena.chunkSize / size
        // Fills the first chunk; only its last slice is kept.
        var filled: [SegmentBytes] = (0 ..< perChunk).map { copy(&arena, pattern(size, seed: $0)) }
        let kept = filled.removeLast()
        let first = ObjectIdentifier(kept.owner!)
        filled = []
        // Full, and `kept` still refers to it: the next copy begins a new chunk; `kept` keeps its bytes.
        var second: [SegmentBytes] = [copy(&arena, pattern(size, seed: 100))]
        let secondChunk = ObjectIdentifier(second[0].owner!)
        XCTAssertNotEqual(secondChunk, first)
        XCTAssertEqual(Array(kept), pattern(size, seed: perChunk - 1))
        // The second chunk fills; once no slice refers to it, it is filled again from its start.
        for i in 1 ..< perChunk { second.append(copy(&arena, pattern(size, seed: 100 + i))) }
        XCTAssertTrue(second.allSatisfy { ObjectIdentifier($0.owner!) == secondChunk })
        second = []
        let again = copy(&arena, pattern(size, seed: 200))
        XCTAssertEqual(ObjectIdentifier(again.owner!), secondChunk)
        XCTAssertEqual(Array(again), pattern(size, seed: 200))
        XCTAssertEqual(Array(kept), pattern(size, seed: perChunk - 1))
        XCTAssertTrue(filled.isEmpty && second.isEmpty)
    }

    /// The reading thread keeps filling the chunk while another thread reads the slices it was
    /// handed; what the other thread sees is what was copied.
    func testSlicesHandedToAnotherThreadStayRightWhileTheArenaGoesOn() {
        var arena = SegmentArena()
        let queue = DispatchQueue(label: "SegmentBytesTests.reader")
        let group = DispatchGroup()
        final class Tally: @unchecked Sendable {  // touched by the reader queue only, read after wait
            var wrong = 0
            var seen = 0
        }
        let tally = Tally()
        for batch in 0 ..< 40 {
            var slices: [(SegmentBytes, [UInt8])] = []
            for i in 0 ..< 50 {
                let b = pattern(37 + (batch * 50 + i) % 900, seed: batch * 50 + i)
                slices.append((copy(&arena, b), b))
            }
            let handed = slices
            queue.async(group: group) {
                for (s, expected) in handed {
                    if Array(s) != expected { tally.wrong += 1 }
                    tally.seen += 1
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(tally.seen, 2000)
        XCTAssertEqual(tally.wrong, 0)
    }

    /// The reassembler's events keep their bytes after the chunk they came from filled, and
    /// its retained tail (a copy) still detects a conflicting retransmission.
    func testReassemblerEventsOutliveTheirChunkAndTheTailStillCompares() {
        let r = TCPReassembler()
        var events: [StreamEvent] = []
        let base: UInt32 = 1000
        func seg(_ seq: UInt32, _ flags: TCPFlags, _ payload: [UInt8], client: Bool = true) -> SessionInfo {
            payload.withUnsafeBytes { p in
                r.process(TCPSegment(
                    frame: 1, timestamp: Timestamp(seconds: 1, nanoseconds: 0),
                    source: .v4(IPv4Address(10, 0, 0, client ? 1 : 2)), sourcePort: client ? 5000 : 80,
                    destination: .v4(IPv4Address(10, 0, 0, client ? 2 : 1)), destinationPort: client ? 80 : 5000,
                    sequence: seq, acknowledgment: 0, flags: flags, window: 100,
                    payloadLength: payload.count, payload: p))
            }
        }
        _ = seg(base, .syn, [])
        var seq = base + 1
        var sent: [UInt8] = []
        // Well past two chunks of data.
        for i in 0 ..< 200 {
            let p = pattern(1400, seed: i)
            _ = seg(seq, .ack, p)
            seq += UInt32(p.count)
            sent += p
            events += r.takeEvents()
        }
        var got: [UInt8] = []
        for case .data(_, _, _, let b, _, _) in events { got += b }
        XCTAssertEqual(got, sent)
        // The last segment again, one byte changed: overlap_conflict against the tail.
        var last = pattern(1400, seed: 199)
        last[700] ^= 0xFF
        let info = seg(seq - 1400, .ack, last)
        XCTAssertTrue(info.analysis.contains(.overlapConflict), "\(info.analysis)")
        let same = seg(seq - 1400, .ack, pattern(1400, seed: 199))
        XCTAssertFalse(same.analysis.contains(.overlapConflict), "\(same.analysis)")
    }

    /// The limit on retained tails counts the bytes each direction keeps, not its storage: a
    /// direction that once kept a large segment and now keeps a small one leaves the rest of
    /// the budget to others, whose conflicting retransmissions are then still flagged (counted
    /// by storage, the second stream below got no tail and its conflict went unseen).
    func testTailLimitCountsTheBytesKeptNotTheirStorage() {
        var limits = ReassemblyLimits()
        limits.maxRetainedTailBytesTotal = 4000
        let r = TCPReassembler(limits: limits)
        func seg(_ port: UInt16, _ seq: UInt32, _ flags: TCPFlags, _ payload: [UInt8]) -> SessionInfo {
            payload.withUnsafeBytes { p in
                r.process(TCPSegment(
                    frame: 1, timestamp: Timestamp(seconds: 1, nanoseconds: 0),
                    source: .v4(IPv4Address(10, 0, 0, 1)), sourcePort: port,
                    destination: .v4(IPv4Address(10, 0, 0, 2)), destinationPort: 80,
                    sequence: seq, acknowledgment: 0, flags: flags, window: 100,
                    payloadLength: payload.count, payload: p))
            }
        }
        // Stream A keeps 3,000 bytes, then 100.
        _ = seg(5000, 100, .syn, [])
        _ = seg(5000, 101, .ack, pattern(3000, seed: 1))
        _ = seg(5000, 3101, .ack, pattern(100, seed: 2))
        // Stream B keeps 2,000 bytes: 100 + 2,000 are within the 4,000 of the limit.
        _ = seg(5001, 500, .syn, [])
        let b = pattern(2000, seed: 3)
        _ = seg(5001, 501, .ack, b)
        var changed = b
        changed[1000] ^= 0xFF
        let info = seg(5001, 501, .ack, changed)
        XCTAssertTrue(info.analysis.contains(.overlapConflict), "\(info.analysis)")
        // Past the limit (A's 100 + B's 2,000 + C's 2,000), C keeps no tail: no comparison.
        _ = seg(5002, 900, .syn, [])
        let c = pattern(2000, seed: 4)
        _ = seg(5002, 901, .ack, c)
        var changedC = c
        changedC[10] ^= 0xFF
        XCTAssertFalse(seg(5002, 901, .ack, changedC).analysis.contains(.overlapConflict))
        _ = r.takeEvents()
    }
}
