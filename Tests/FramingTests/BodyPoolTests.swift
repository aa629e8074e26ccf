import XCTest
@testable import Framing
import TestSupport

/// `BodyPool`: a framer fed with a pool cuts the same messages as one without, a recycled body's
/// storage holds a later body, a body kept elsewhere is never changed by recycling, and the pool
/// keeps at most one spare, of at most `maxCapacity` bytes.
final class BodyPoolTests: XCTestCase {
    /// The address of an array's storage (nil when it has none).
    func storage(_ a: [UInt8]) -> UnsafeRawPointer? {
        a.withUnsafeBytes { $0.baseAddress }
    }

    /// Random bytes, cuts, segment starts and gaps, every spec: the messages are the same with a
    /// pool, every body given back as soon as it is cut (as `MessageStage` does) or kept (then
    /// given back shared: it must stay as it was).
    func testAPoolNeverChangesTheMessages() {
        var rng = SplitMix64(seed: 0xB0D1_E5)
        let specs = RoundTripTests.allLengthSpecs + ["line", "raw"]
        for round in 0..<1500 {
            let text = specs.randomElement(using: &rng) ?? "!I"
            let maxMessage = [0, 1, 5, 64, 300, 3000].randomElement(using: &rng) ?? 64
            let s = spec(text, maxMessage: maxMessage, includesHeader: Bool.random(using: &rng))
            let mid = Int.random(in: 0..<8, using: &rng) == 0
            var plain = MessageFramer(spec: s, startsMidStream: mid)
            var pooled = MessageFramer(spec: s, startsMidStream: mid)
            let pool = BodyPool()
            var expected: [FramedMessage] = []
            var got: [MessageFacts] = []
            var kept: [(copy: [UInt8], facts: MessageFacts)] = []
            let take: (consuming FramedMessage) -> Void = { (m: consuming FramedMessage) in
                let facts = MessageFacts(copy m)
                if Int.random(in: 0..<4, using: &rng) == 0 { kept.append((m.body, facts)) }
                got.append(facts)
                let capacity = m.body.capacity
                pool.recycle(&m.body)
                // Kept, or another spare was held already.
                if capacity > 0, capacity <= BodyPool.maxCapacity { XCTAssertTrue(pool.hasSpare) }
            }
            var offset: UInt64 = 0
            for _ in 0..<Int.random(in: 1...30, using: &rng) {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0:
                    let length = UInt64.random(in: 1...100, using: &rng)
                    expected += plain.gap(at: offset, length: length)
                    pooled.gap(at: offset, length: length, into: take)
                    offset += length
                case 1:
                    expected += plain.endOfSegment()
                    pooled.endOfSegment(into: take)
                default:
                    let count = Int.random(in: 0...(Bool.random(using: &rng) ? 80 : 2500), using: &rng)
                    let bytes = (0..<count).map { _ in
                        Bool.random(using: &rng) ? UInt8.random(in: 0...12, using: &rng) : UInt8.random(in: 0...255, using: &rng)
                    }
                    let segmentStart = Bool.random(using: &rng)
                    expected += plain.feed(bytes, at: offset, segmentStart: segmentStart)
                    bytes.withUnsafeBytes { pooled.feed($0, at: offset, segmentStart: segmentStart, bodies: pool, into: take) }
                    offset += UInt64(bytes.count)
                }
                XCTAssertEqual(pooled.bufferedBytes, plain.bufferedBytes, "round \(round) \(text)")
            }
            expected += plain.finish()
            pooled.finish(into: take)
            XCTAssertEqual(got, expected.map(MessageFacts.init), "round \(round) \(text)")
            for k in kept { XCTAssertEqual(k.copy, k.facts.body, "round \(round) \(text): a kept body changed") }
        }
    }

    /// Stage-like use, each message printed and given back: a body is cut into the spare's
    /// storage when the spare can hold it, and a larger body given back becomes the spare.
    /// (The spare is alive when its address is noted: a body at that address is in it, not in
    /// storage that malloc happened to hand out again.)
    func testARecycledBodyHoldsTheNextOne() throws {
        let s = spec("!H")
        let texts = ["hello", "a longer second message", "3rd", "a fourth, longer than the second"]
        var framer = MessageFramer(spec: s)
        let pool = BodyPool()
        var offset: UInt64 = 0
        var got: [(body: String, inSpare: Bool)] = []
        for text in texts {
            let bytes = try s.encode([UInt8](text.utf8))
            let spareAt = pool.hasSpare ? storage(pool.spare) : nil
            bytes.withUnsafeBytes { p in
                framer.feed(p, at: offset, bodies: pool) { (m: consuming FramedMessage) in
                    got.append((String(decoding: m.body, as: UTF8.self), spareAt != nil && storage(m.body) == spareAt))
                    pool.recycle(&m.body)
                }
            }
            offset += UInt64(bytes.count)
        }
        XCTAssertEqual(got.map(\.body), texts)
        // 1: no spare yet; 2: the spare ("hello"'s) is too small, and 2 replaces it; 3: in 2's
        // storage; 4: too large for it again.
        XCTAssertEqual(got.map(\.inSpare), [false, false, true, false])
        XCTAssertTrue(pool.hasSpare)
    }

    /// Lines and raw segments take the spare too (`line`: when the whole line is in the feed).
    func testLinesAndRawSegmentsUseTheSpare() {
        for text in ["line", "raw"] {
            var framer = MessageFramer(spec: spec(text))
            let pool = BodyPool()
            var inSpare: [Bool] = []
            var offset: UInt64 = 0
            for segment in ["first one\n", "second\n", "third\n"] {
                let bytes = [UInt8](segment.utf8)
                let spareAt = pool.hasSpare ? storage(pool.spare) : nil
                let give: (consuming FramedMessage) -> Void = { (m: consuming FramedMessage) in
                    inSpare.append(spareAt != nil && self.storage(m.body) == spareAt)
                    pool.recycle(&m.body)
                }
                bytes.withUnsafeBytes { framer.feed($0, at: offset, segmentStart: true, bodies: pool, into: give) }
                framer.endOfSegment(into: give)
                offset += UInt64(bytes.count)
            }
            XCTAssertEqual(inSpare, [false, true, true], text)
        }
    }

    /// At most one spare, of at most `maxCapacity` bytes; a body that is not taken is left as is.
    func testThePoolIsBounded() {
        let pool = BodyPool()
        var empty: [UInt8] = []
        pool.recycle(&empty)
        XCTAssertFalse(pool.hasSpare, "no storage, nothing to keep")
        var large = [UInt8](repeating: 7, count: BodyPool.maxCapacity + 1)
        pool.recycle(&large)
        XCTAssertFalse(pool.hasSpare)
        XCTAssertEqual(large.count, BodyPool.maxCapacity + 1)
        var small: [UInt8] = [1, 2, 3]
        pool.recycle(&small)
        XCTAssertTrue(pool.hasSpare)
        XCTAssertEqual(small, [], "the old spare: none")
        var another: [UInt8] = [4]
        pool.recycle(&another)
        XCTAssertEqual(another, [4], "a spare no smaller is held: not kept")
        var larger = [UInt8](repeating: 6, count: 100)
        pool.recycle(&larger)
        XCTAssertEqual(larger, [1, 2, 3], "a larger one replaces the spare, handing back the old one to let go")
        XCTAssertGreaterThanOrEqual(pool.take()?.capacity ?? 0, 100)
        var tiny: [UInt8] = [1]
        pool.recycle(&tiny)
        // The spare is handed out empty, and only for a body it can hold without growing.
        let big = [UInt8](repeating: 9, count: 1000)
        let copied = big.withUnsafeBytes { pool.copy($0, 0..<1000) }
        XCTAssertEqual(copied, big)
        XCTAssertTrue(pool.hasSpare, "too small for 1000 bytes: kept")
        XCTAssertEqual(pool.take(), [])
        XCTAssertFalse(pool.hasSpare)
    }
}
