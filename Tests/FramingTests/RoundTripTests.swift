import XCTest
@testable import Framing
import TestSupport

/// Encode then frame, for every format × byte order × signedness, fed all at once, one byte at a
/// time and one message at a time (NIO's ByteToMessageDecoderVerifier).
final class RoundTripTests: XCTestCase {
    static let allLengthSpecs: [String] = ["", "@", "=", "<", ">", "!"].flatMap { prefix in
        ["b", "B", "h", "H", "i", "I", "q", "Q"].map { prefix + $0 }
    }

    let bodies: [[UInt8]] = [[UInt8]("hello"), [], [UInt8]("你好，世界"), [0, 0xFF, 0x0A, 0x0D], [UInt8](repeating: 0x41, count: 100), [UInt8]("Q")]

    func testEveryFormatRoundTripsInEveryChunking() throws {
        for text in Self.allLengthSpecs {
            for includesHeader in [false, true] {
                let s = spec(text, includesHeader: includesHeader)
                let frames = try bodies.map { try s.encode($0) }
                let stream = frames.flatMap { $0 }
                let chunkings: [[[UInt8]]] = [[stream], stream.map { [$0] }, frames]
                for segments in chunkings {
                    let got = frame(s, segments: segments)
                    XCTAssertEqual(got.map(\.body), bodies, "\(text) includesHeader=\(includesHeader) in \(segments.count) pieces")
                    XCTAssertTrue(got.allSatisfy { $0.complete && $0.headerLength == s.headerWidth }, text)
                    XCTAssertEqual(got.map(\.declaredLength), bodies.map(\.count), text)
                    XCTAssertEqual(got.map(\.index), Array(1...bodies.count))
                    XCTAssertEqual(got.last?.end, UInt64(stream.count))
                    XCTAssertEqual(got.first?.start, 0)
                    XCTAssertEqual(got.map(\.text), ["hello", "", "你好，世界", nil, String(repeating: "A", count: 100), "Q"] as [String?])
                    XCTAssertEqual(got[3].problems, [.invalidUTF8])
                }
            }
        }
    }

    func testMessageOffsetsCoverTheStreamExactly() throws {
        let s = spec("!H")
        let frames = try bodies.map { try s.encode($0) }
        let got = frame(s, segments: [frames.flatMap { $0 }])
        var offset: UInt64 = 0
        for (m, f) in zip(got, frames) {
            XCTAssertEqual(m.start, offset)
            offset += UInt64(f.count)
            XCTAssertEqual(m.end, offset)
        }
    }

    func testMaximumAllowedLengthIsFineAndOneMoreIsOverTheLimit() throws {
        for text in ["!I", "<I", "!i", "H", "<q", "!Q"] {
            let s = spec(text, maxMessage: 300)
            let body = [UInt8](repeating: 0x61, count: 300)
            let ok = frame(s, segments: [try s.encode(body)])
            XCTAssertEqual(ok.count, 1)
            XCTAssertEqual(ok.first?.body, body, text)
            XCTAssertEqual(ok.first?.complete, true)

            // max + 1: the honest encoder refuses, so build the lie by hand.
            XCTAssertThrowsError(try s.encode(body + [0x61]))
            var lie = try spec(text).encode(body + [0x61])
            lie += [0, 0, 0]
            var framer = MessageFramer(spec: s)
            let bad = framer.feed(lie, at: 0)
            XCTAssertEqual(bad.count, 1, text)
            XCTAssertEqual(bad.first?.problems, [.lengthOverLimit], text)
            XCTAssertEqual(bad.first?.declaredLength, 301)
            XCTAssertEqual(bad.first?.body, [])
            XCTAssertEqual(bad.first?.complete, false)
            XCTAssertEqual(bad.first?.end, UInt64(s.headerWidth ?? 0))
            XCTAssertLessThanOrEqual(framer.bufferedBytes, 8)
        }
    }

    func testOneByteFormatsAtTheirFieldLimits() throws {
        let big = [UInt8](repeating: 1, count: 255)
        XCTAssertEqual(frame(spec("B"), segments: [try spec("B").encode(big)]).first?.body, big)
        let signedMax = [UInt8](repeating: 1, count: 127)
        XCTAssertEqual(frame(spec("b"), segments: [try spec("b").encode(signedMax)]).first?.body, signedMax)
        // 0x80 in a signed byte is -128.
        let neg = frame(spec("b"), segments: [[0x80, 1, 2]])
        XCTAssertEqual(neg.first?.problems, [.negativeLength])
        XCTAssertEqual(neg.first?.headerValue, -128)
    }

    func testLengthIncludingHeader() throws {
        let s = spec("!I", includesHeader: true)
        let got = frame(s, segments: [[0, 0, 0, 9] + [UInt8]("hello") + [0, 0, 0, 4]])
        XCTAssertEqual(got.count, 2)
        XCTAssertEqual(got[0].headerValue, 9)
        XCTAssertEqual(got[0].declaredLength, 5)
        XCTAssertEqual(got[0].text, "hello")
        XCTAssertEqual(got[1].body, [])
        XCTAssertTrue(got[1].complete)
        // A header-inclusive value smaller than the header is a negative body length.
        let bad = frame(s, segments: [[0, 0, 0, 3, 1, 2, 3]])
        XCTAssertEqual(bad.first?.problems, [.negativeLength])
        XCTAssertEqual(bad.first?.declaredLength, -1)
        XCTAssertEqual(bad.first?.headerValue, 3)
        // max with the header counted
        let m = spec("!H", maxMessage: 4, includesHeader: true)
        XCTAssertEqual(frame(m, segments: [[0, 6, 1, 2, 3, 4]]).first?.complete, true)
        XCTAssertEqual(frame(m, segments: [[0, 7, 1, 2, 3, 4, 5]]).first?.problems, [.lengthOverLimit])
    }

    func testLineAndRawRoundTrip() throws {
        let lineSpec = spec("line")
        let lines: [[UInt8]] = [[UInt8]("hello"), [], [UInt8]("你好"), [UInt8]("Q")]
        let stream = try lines.flatMap { try lineSpec.encode($0) }
        for segments in [[stream], stream.map { [$0] }] {
            XCTAssertEqual(frame(lineSpec, segments: segments).map(\.body), lines)
        }
        let rawSpec = spec("raw")
        let got = frame(rawSpec, segments: [[UInt8]("hello"), [UInt8]("world")])
        XCTAssertEqual(got.map(\.text), ["hello", "world"])
        XCTAssertEqual(got.map(\.start), [0, 5])
        XCTAssertEqual(got.map(\.end), [5, 10])
        XCTAssertTrue(got.allSatisfy(\.complete))
    }
}
