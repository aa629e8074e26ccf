import XCTest
@testable import Framing
import TestSupport

/// Property-style tests with a seeded SplitMix64: how bytes are cut never changes the messages,
/// and no input traps or makes the framer hold more than its bound.
final class PropertyTests: XCTestCase {
    static let bound = 9  // bufferedBytes <= maxMessage + bound

    func randomBody(_ rng: inout SplitMix64, max: Int) -> [UInt8] {
        let count = Int.random(in: 0...max, using: &rng)
        if Bool.random(using: &rng) {
            return (0..<count).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) }
        }
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    func testAnySplitOfAValidStreamYieldsTheSameMessages() throws {
        var rng = SplitMix64(seed: 0x5EED_F4A3)
        for round in 0..<300 {
            let text = RoundTripTests.allLengthSpecs.randomElement(using: &rng) ?? "!I"
            let s = spec(text, maxMessage: 200, includesHeader: Bool.random(using: &rng))
            let limit = min(s.largestBody ?? 0, 200)
            let bodies = (0..<Int.random(in: 1...8, using: &rng)).map { _ in randomBody(&rng, max: limit) }
            let stream = try bodies.flatMap { try s.encode($0) }
            let expected = frame(s, segments: [stream]).map(MessageFacts.init)
            XCTAssertEqual(expected.map(\.body), bodies)
            XCTAssertTrue(expected.allSatisfy(\.complete))
            let chunkings = [stream.map { [$0] }, cut(stream, at: randomCuts(stream.count, using: &rng)),
                             cut(stream, at: randomCuts(stream.count, using: &rng))]
            for segments in chunkings {
                XCTAssertEqual(frame(s, segments: segments).map(MessageFacts.init), expected, "round \(round) \(text)")
            }
            // The same bytes as one segment fed in pieces (segmentStart only on the first).
            var framer = MessageFramer(spec: s)
            var got: [FramedMessage] = []
            var offset: UInt64 = 0
            for (k, piece) in cut(stream, at: randomCuts(stream.count, using: &rng)).enumerated() {
                got += framer.feed(piece, at: offset, segmentStart: k == 0)
                offset += UInt64(piece.count)
            }
            got += framer.finish()
            XCTAssertEqual(got.map(MessageFacts.init), expected)
        }
    }

    func testAnySplitOfALineStreamYieldsTheSameMessages() throws {
        var rng = SplitMix64(seed: 42)
        let s = spec("line", maxMessage: 50)
        for _ in 0..<300 {
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let body = (0..<Int.random(in: 0...60, using: &rng)).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) }
                stream += body + (Bool.random(using: &rng) ? [0x0D, 0x0A] : [0x0A])
            }
            if Bool.random(using: &rng) { stream += [UInt8]("tail") }
            let expected = frame(s, segments: [stream]).map(MessageFacts.init)
            for segments in [stream.map { [$0] }, cut(stream, at: randomCuts(stream.count, using: &rng))] {
                XCTAssertEqual(frame(s, segments: segments).map(MessageFacts.init), expected)
            }
        }
    }

    /// Random bytes, random chunking, random segment starts and gaps, every spec: no trap, the
    /// bound holds after every call, indexes count up, messages never overlap or go backwards.
    func testRandomBytesNeverTrapAndStayBounded() {
        var rng = SplitMix64(seed: 0xDEAD_BEEF)
        let specs = RoundTripTests.allLengthSpecs + ["line", "raw"]
        for round in 0..<2000 {
            let text = specs.randomElement(using: &rng) ?? "!I"
            let maxMessage = [0, 1, 5, 64, 300].randomElement(using: &rng) ?? 64
            let s = spec(text, maxMessage: maxMessage, includesHeader: Bool.random(using: &rng))
            var framer = MessageFramer(spec: s, startsMidStream: Int.random(in: 0..<8, using: &rng) == 0)
            var out: [FramedMessage] = []
            var offset = UInt64.random(in: 0...3, using: &rng)
            for _ in 0..<Int.random(in: 1...30, using: &rng) {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0:
                    let length = UInt64.random(in: 1...100, using: &rng)
                    out += framer.gap(at: offset, length: length)
                    offset += length
                case 1:
                    out += framer.endOfSegment()
                default:
                    // Mostly small values so that short lengths and newlines are common.
                    let bytes = (0..<Int.random(in: 0...80, using: &rng)).map { _ in
                        Bool.random(using: &rng) ? UInt8.random(in: 0...12, using: &rng) : UInt8.random(in: 0...255, using: &rng)
                    }
                    let skew = Int.random(in: 0..<10, using: &rng) == 0 ? UInt64.random(in: 0...20, using: &rng) : 0
                    let at = Bool.random(using: &rng) ? offset &+ skew : (offset >= skew ? offset - skew : 0)
                    out += framer.feed(bytes, at: at, segmentStart: Bool.random(using: &rng))
                    offset = max(offset, at + UInt64(bytes.count))
                }
                XCTAssertLessThanOrEqual(framer.bufferedBytes, maxMessage + Self.bound, "round \(round) \(text)")
            }
            out += framer.finish()
            XCTAssertEqual(framer.bufferedBytes, 0)
            XCTAssertEqual(out.map(\.index), Array(0..<out.count).map { $0 + 1 }, "round \(round)")
            var previousEnd: UInt64 = 0
            for m in out {
                XCTAssertLessThanOrEqual(m.body.count, maxMessage, "round \(round) \(text)")
                XCTAssertGreaterThanOrEqual(m.start, previousEnd, "round \(round) \(text) \(out.map(MessageFacts.init))")
                XCTAssertGreaterThanOrEqual(m.end, m.start)
                XCTAssertEqual(m.complete, m.problems.allSatisfy { $0 == .invalidUTF8 })
                XCTAssertEqual(m.text == nil, m.problems.contains(.invalidUTF8))
                previousEnd = m.end
            }
        }
    }

    func testHugeClaimsNeverAllocate() {
        let claims: [(String, [UInt8])] = [
            ("!I", [0x7F, 0xFF, 0xFF, 0xFF]),               // 2^31-1
            ("!i", [0x7F, 0xFF, 0xFF, 0xFF]),
            ("<I", [0xFF, 0xFF, 0xFF, 0xFF]),               // 2^32-1
            ("!Q", [UInt8](repeating: 0xFF, count: 8)),     // 2^64-1
            ("<q", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),  // 2^63-1
        ]
        for (text, header) in claims {
            var framer = MessageFramer(spec: spec(text))
            let got = framer.feed(header + [1, 2, 3], at: 0)
            XCTAssertEqual(got.map(\.problems), [[.lengthOverLimit]], text)
            XCTAssertEqual(framer.bufferedBytes, 0, text)
            // byte by byte too
            var slow = MessageFramer(spec: spec(text))
            var slowOut: [FramedMessage] = []
            for (k, b) in (header + [1, 2, 3]).enumerated() {
                slowOut += slow.feed([b], at: UInt64(k), segmentStart: k == 0)
                XCTAssertLessThanOrEqual(slow.bufferedBytes, 8)
            }
            XCTAssertEqual(slowOut.map(MessageFacts.init), got.map(MessageFacts.init))
        }
        let q = frame(spec("!Q"), segments: [[UInt8](repeating: 0xFF, count: 8)])
        XCTAssertEqual(q.first?.headerValue, Int64.max)  // saturated…
        XCTAssertEqual(q.first?.headerValueText, "18446744073709551615")  // …but exact here
        XCTAssertEqual(q.first?.headerRawValue, UInt64.max)
        XCTAssertEqual(frame(spec("!q"), segments: [[UInt8](repeating: 0xFF, count: 8)]).first?.headerValueText, "-1")

        // With the limit lifted, a plausible 2^31-1 claim still holds only the bytes that came.
        var lifted = MessageFramer(spec: spec("!I", maxMessage: Int.max))
        XCTAssertEqual(lifted.feed([0x7F, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 1000), at: 0), [])
        XCTAssertEqual(lifted.bufferedBytes, 1000)
        let cut = lifted.finish()
        XCTAssertEqual(cut.first?.problems, [.truncatedBody])
        XCTAssertEqual(cut.first?.declaredLength, Int(Int32.max))
        var liftedLine = MessageFramer(spec: spec("line", maxMessage: Int.max))
        XCTAssertEqual(liftedLine.feed([UInt8]("abc"), at: 0), [])
        XCTAssertEqual(liftedLine.bufferedBytes, 3)
    }
}
