import Inspect
import XCTest

/// `messages` prints stream by stream (docs/DESIGN.md "Messages JSON") while streaming; StreamOrder decides what is
/// written now and what waits, and bounds what waits.
final class StreamOrderTests: XCTestCase {
    /// Feeds (stream or nil for UDP, text) messages and stream ends; returns the output lines.
    func run(_ steps: [Step], limit: Int = 1 << 20, spill: SpillStore? = nil) -> (out: [String], order: StreamOrder) {
        var order = StreamOrder(limitBytes: limit, spill: spill)
        var out: [UInt8] = []
        let write: (UnsafeRawBufferPointer) -> Void = { out += $0 }
        for step in steps {
            switch step {
            case let .message(stream, text):
                let line = Array((text + "\n").utf8)
                if order.printsNow(stream) {
                    out += line
                } else {
                    line.withUnsafeBytes { order.hold(stream!, $0, release: write) }
                }
                XCTAssertLessThanOrEqual(order.heldBytes, limit)
            case let .end(stream):
                order.finished(stream, release: write)
            }
        }
        order.finishAll(release: write)
        XCTAssertEqual(order.heldBytes, 0)
        return (String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init), order)
    }

    enum Step {
        case message(Int?, String)
        case end(Int)
    }

    func testStreamsComeOutInIndexOrderAndUDPAsItComes() {
        let (out, order) = run([
            .message(0, "s0 a"), .message(1, "s1 a"), .message(nil, "udp x"), .message(2, "s2 a"),
            .message(0, "s0 b"), .message(1, "s1 b"), .end(2), .end(0), .message(1, "s1 c"),
            .message(3, "s3 a"), .end(1), .message(3, "s3 b"),
        ])
        XCTAssertEqual(out, ["s0 a", "udp x", "s0 b", "s1 a", "s1 b", "s1 c", "s2 a", "s3 a", "s3 b"])
        XCTAssertFalse(order.orderBroken)
    }

    func testEndOfInputReleasesWhatWaitsInStreamOrder() {
        let (out, order) = run([.message(5, "s5"), .message(2, "s2"), .message(0, "s0"), .message(9, "s9")])
        XCTAssertEqual(out, ["s0", "s2", "s5", "s9"])
        XCTAssertFalse(order.orderBroken)
    }

    /// Past the bound everything held comes out (in stream order) and the break is reported;
    /// nothing is lost or doubled.
    func testTheBoundBreaksOrderButLosesNothing() {
        var steps: [Step] = []
        for i in 0 ..< 200 { steps.append(.message(1 + i % 7, "m\(i)")) }
        steps.append(.end(0))
        let (out, order) = run(steps, limit: 64)
        XCTAssertTrue(order.orderBroken)
        XCTAssertEqual(out.sorted(), (0 ..< 200).map { "m\($0)" }.sorted())
    }

    /// One long stream under thousands of short ones that end: with a spill store past a tiny
    /// bound the order never breaks and nothing is lost or doubled.
    func testEndedStreamsUnderALongOneKeepTheirOrderThroughTheSpill() {
        var steps: [Step] = [.message(0, "long 1")]
        for s in 1 ... 5000 { steps.append(.message(s, "short \(s) a")); steps.append(.message(s, "short \(s) b")); steps.append(.end(s)) }
        steps.append(.message(0, "long 2"))
        steps.append(.message(6000, "after"))
        let store = MemorySpill()
        let (out, order) = run(steps, limit: 64, spill: store)
        XCTAssertFalse(order.orderBroken)
        XCTAssertGreaterThan(store.bytes.count, 0, "the bound was passed: bytes went to the store")
        var expected = ["long 1", "long 2"]
        for s in 1 ... 5000 { expected += ["short \(s) a", "short \(s) b"] }
        expected.append("after")
        XCTAssertEqual(out, expected)
        XCTAssertEqual(order.spilledBytes, 0)
    }

    /// What the caller holds elsewhere (`auto`'s undecided segments) counts against the same
    /// bound, down to an eighth of it: held output goes to the spill store sooner, in order.
    func testBytesHeldElsewhereShareTheBound() {
        let line = Array("0123456789abcdefghi\n".utf8)  // 20 bytes
        func hold(shared: Int) -> (spilled: Int, out: [UInt8]) {
            let store = MemorySpill()
            var order = StreamOrder(limitBytes: 800, spill: store)
            order.sharedBytes = shared
            var out: [UInt8] = []
            for i in 0 ..< 30 {
                line.withUnsafeBytes { order.hold(1 + i % 3, $0) { out += $0 } }
                XCTAssertLessThanOrEqual(order.heldBytes, max(800 - shared, 100))
            }
            order.finishAll { out += $0 }
            return (store.bytes.count, out)
        }
        let alone = hold(shared: 0)
        XCTAssertEqual(alone.spilled, 0, "600 bytes fit the 800-byte bound")
        let shared = hold(shared: 500)
        XCTAssertGreaterThan(shared.spilled, 0, "with 500 held elsewhere only 300 may be held here")
        let full = hold(shared: 5000)
        XCTAssertGreaterThan(full.spilled, shared.spilled, "past the limit elsewhere, an eighth is still kept")
        XCTAssertEqual(shared.out, alone.out)
        XCTAssertEqual(full.out, alone.out)
    }

    /// The cache hints (`prefetch`) for streams held, not held, printing now and never seen
    /// change nothing: the same output, in memory and through the spill store.
    func testHintsChangeNothing() {
        var steps: [Step] = []
        for i in 0 ..< 400 {
            steps.append(.message(i % 9, "m\(i) of \(i % 9)"))
            if i % 50 == 49 { steps.append(.end(i / 50)) }
        }
        for (limit, spill) in [(1 << 20, nil), (100, MemorySpill() as SpillStore?)] {
            let plain = run(steps, limit: limit, spill: spill.map { _ in MemorySpill() }).out
            var order = StreamOrder(limitBytes: limit, spill: spill)
            var out: [UInt8] = []
            for step in steps {
                for s in [0, 3, 8, 12, 10_000] {
                    order.prefetch(s, near: false)
                    order.prefetch(s, near: true)
                }
                switch step {
                case let .message(stream, text):
                    let line = Array((text + "\n").utf8)
                    if order.printsNow(stream) { out += line } else { line.withUnsafeBytes { order.hold(stream!, $0) { out += $0 } } }
                case let .end(stream):
                    order.finished(stream) { out += $0 }
                }
            }
            order.finishAll { out += $0 }
            XCTAssertEqual(String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init), plain)
        }
    }

    /// Interleaved streams, the bound passed again and again: the same output as with no bound.
    func testTheSpillGivesTheSameOutputAsMemory() {
        var steps: [Step] = []
        var rng = SystemRandomNumberGenerator()
        var open = Array(0 ..< 40)
        var n = 0
        while !open.isEmpty {
            let s = open[Int.random(in: 0 ..< min(open.count, 8), using: &rng)]
            n += 1
            steps.append(.message(Bool.random(using: &rng) ? nil : s, "m\(n) of \(s)"))
            if Int.random(in: 0 ..< 10, using: &rng) == 0 { steps.append(.end(s)); open.removeAll { $0 == s } }
        }
        let inMemory = run(steps).out
        let spilled = run(steps, limit: 32, spill: MemorySpill())
        XCTAssertEqual(spilled.out, inMemory)
        XCTAssertFalse(spilled.order.orderBroken)
    }

    /// Held bytes are kept in chunks that grow and are reused once released: lines longer than
    /// any chunk, lines cut across chunks, and chunks taken again by later streams all come
    /// back byte for byte, in order, in memory and through the spill.
    func testLongAndManyLinesComeBackExactlyThroughReusedChunks() {
        var steps: [Step] = []
        var expected: [String] = []
        var rng = SystemRandomNumberGenerator()
        for round in 0 ..< 3 {
            let first = round * 10
            // Stream `first` is open; the nine after it hold lines of every length, then all end.
            var held = Array(repeating: [String](), count: 10)
            for i in 0 ..< 300 {
                let s = 1 + Int.random(in: 0 ..< 9, using: &rng)
                let length = [1, 200, 239, 240, 241, 5000, 40000][Int.random(in: 0 ..< 7, using: &rng)]
                let text = "r\(round) s\(s) i\(i) " + String(repeating: Character(UnicodeScalar(UInt8(97 + i % 26))), count: length)
                held[s].append(text)
                steps.append(.message(first + s, text))
            }
            steps.append(.message(first, "r\(round) open"))
            expected.append("r\(round) open")
            for s in 0 ..< 10 { steps.append(.end(first + s)); expected += held[s] }
        }
        XCTAssertEqual(run(steps, limit: 64 << 20).out, expected)
        let spilled = run(steps, limit: 100_000, spill: MemorySpill())
        XCTAssertEqual(spilled.out, expected)
        XCTAssertFalse(spilled.order.orderBroken)
    }

    /// Bytes written in place (`hold(_:count:write:)`) are kept in one piece: a tail chunk too
    /// full for them is left early. Mixed with copied ones, of lengths around a chunk's room
    /// (240 bytes for the first), they come back byte for byte and in stream order, in memory
    /// and through a spill that runs again and again.
    func testBytesWrittenInPlaceComeBackLikeCopiedOnes() {
        let lengths = [1, 13, 100, 200, 239, 240, 241, 3000]
        var expected = Array(repeating: [UInt8](), count: 6)
        var messages: [(stream: Int, bytes: [UInt8], inPlace: Bool)] = []
        for i in 0 ..< 3000 {
            let s = 1 + (i * 7) % 5
            let bytes = (0 ..< lengths[(i * 5 + i / 8) % lengths.count]).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0) }
            messages.append((s, bytes, i % 3 != 0))
            expected[s] += bytes
        }
        for (limit, spill) in [(1 << 30, nil), (1000, MemorySpill() as SpillStore?)] {
            var order = StreamOrder(limitBytes: limit, spill: spill)
            var out: [UInt8] = []
            let write: (UnsafeRawBufferPointer) -> Void = { out += $0 }
            for m in messages {
                if m.inPlace {
                    order.hold(m.stream, count: m.bytes.count, write: { $0.copyMemory(from: m.bytes, byteCount: m.bytes.count) }, release: write)
                } else {
                    m.bytes.withUnsafeBytes { order.hold(m.stream, $0, release: write) }
                }
                XCTAssertLessThanOrEqual(order.heldBytes, limit)
            }
            XCTAssertTrue(out.isEmpty, "stream 0 is open: nothing comes out before it ends")
            order.finished(0, release: write)
            order.finishAll(release: write)
            XCTAssertFalse(order.orderBroken)
            XCTAssertEqual(out, expected.flatMap { $0 }, "limit \(limit)")
        }
    }

    final class MemorySpill: SpillStore {
        var bytes: [UInt8] = []
        func append(_ b: [UInt8]) -> Int64? { defer { bytes += b }; return Int64(bytes.count) }
        func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
            buffer.copyBytes(from: bytes[Int(offset) ..< Int(offset) + buffer.count])
            return true
        }
    }
}
