import XCTest
@testable import Framing
import TestSupport

final class AutoFramingTests: XCTestCase {
    func testTheLessonCaptureIsBigEndianUInt32() {
        let guess = AutoFraming.guess(directions: [ChatCapture.clientSegments.flatMap { $0 }, ChatCapture.serverSegments.flatMap { $0 }])
        XCTAssertEqual(guess.spec.description, "!I")
        XCTAssertEqual(guess.evidence, "8 headers of !I chain exactly through 116 bytes in 2 directions")
        XCTAssertGreaterThan(guess.confidence, 0.9)
        // one segment, one message: still !I (as !H it would be an empty message then "hello")
        let one = AutoFraming.guess(ChatCapture.clientSegments[0])
        XCTAssertEqual(one.spec.description, "!I")
        XCTAssertEqual(one.evidence, "1 header of !I chain exactly through 9 bytes")
        XCTAssertLessThan(one.confidence, guess.confidence)
    }

    func testLittleEndianInt32() throws {
        // Little-endian 4-byte headers are guessed as the lesson's struct.pack('i', n): signed.
        let s = spec("<I")
        let sample = try s.encode([UInt8]("hello")) + s.encode([UInt8]("world!")) + s.encode([UInt8]("Q"))
        let guess = AutoFraming.guess(sample)
        XCTAssertEqual(guess.spec.description, "<i")
        XCTAssertEqual(guess.evidence, "3 headers of <i chain exactly through 24 bytes")
        // so a negative length is a finding, not a 4 GB one
        var framer = MessageFramer(spec: guess.spec)
        XCTAssertEqual(framer.feed([0xFB, 0xFF, 0xFF, 0xFF] + [UInt8]("oops!"), at: 0).first?.problems, [.negativeLength])
    }

    func testBigEndianUInt16() throws {
        let s = spec("!H")
        let sample = try s.encode([UInt8]("hello")) + s.encode([UInt8]("abc"))
        let guess = AutoFraming.guess(sample)
        XCTAssertEqual(guess.spec.description, "!H")  // B would chain too, with two empty messages
        XCTAssertEqual(guess.evidence, "2 headers of !H chain exactly through 12 bytes")
    }

    func testBigEndianUInt64() throws {
        let s = spec("!Q")
        let guess = AutoFraming.guess(try s.encode([UInt8]("hello")) + s.encode([UInt8]("hi")))
        XCTAssertEqual(guess.spec.description, "!Q")
    }

    func testLines() {
        let guess = AutoFraming.guess(directions: [[UInt8]("hello\nhow are you?\n"), [UInt8]("echo: hello\r\n")])
        XCTAssertEqual(guess.spec.kind, .line)
        XCTAssertEqual(guess.evidence, "3 lines of UTF-8 text ending in \\n (CRLF) in 32 bytes in 2 directions")
        let partial = AutoFraming.guess([UInt8]("你好\nstill typing"))
        XCTAssertEqual(partial.spec.kind, .line)
        XCTAssertTrue(partial.evidence.hasSuffix("the last line is not finished"), partial.evidence)
        XCTAssertLessThan(partial.confidence, guess.confidence)
    }

    func testRaw() {
        let text = AutoFraming.guess([UInt8]("hi over udp"))
        XCTAssertEqual(text.spec.kind, .raw)
        XCTAssertEqual(text.evidence, "no length format chains through the 11 bytes and they are UTF-8 text without newlines: raw, one message per segment")
        let binary = AutoFraming.guess([0xFF, 0xFE, 0x01, 0x80, 0x7F, 0x99, 0xAA])
        XCTAssertEqual(binary.spec.kind, .raw)
        let empty = AutoFraming.guess([])
        XCTAssertEqual(empty.spec.kind, .raw)
        XCTAssertEqual(empty.confidence, 0)
    }

    func testAPartialChainAndASingleSplitMessage() throws {
        let s = spec("!I")
        let sample = try s.encode([UInt8]("one")) + s.encode([UInt8]("two")) + Array(s.encode([UInt8]("three")).prefix(6))
        let chain = AutoFraming.guess(sample)
        XCTAssertEqual(chain.spec.description, "!I")
        XCTAssertEqual(chain.evidence, "2 headers of !I chain through 14 of 20 bytes; the sample ends inside the next message")
        // The first segment of a message split over three: only its header to go by.
        let first = AutoFraming.guess([0, 0, 0x10, 0] + [UInt8](repeating: 0x61, count: 1000))
        XCTAssertEqual(first.spec.description, "!I")
        XCTAssertEqual(first.confidence, 0.35)
        XCTAssertTrue(first.evidence.contains("declares 4096 bytes"), first.evidence)
    }

    func testGuessesFrameWhatTheyGuessed() throws {
        // the guessed spec, used by a framer, recovers the messages
        let s = spec("<H")
        let bodies: [[UInt8]] = [[UInt8]("alpha"), [UInt8]("beta"), [UInt8]("gamma")]
        let sample = try bodies.flatMap { try s.encode($0) }
        let guess = AutoFraming.guess(sample)
        XCTAssertEqual(guess.spec.description, "<H")
        XCTAssertEqual(frame(guess.spec, segments: [sample]).map(\.body), bodies)
    }

    func testRandomSamplesNeverTrap() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...(Bool.random(using: &rng) ? 8 : 255), using: &rng) }
            let guess = AutoFraming.guess(bytes, maxMessage: Int.random(in: 0...100, using: &rng))
            XCTAssertTrue((0...1).contains(guess.confidence))
            XCTAssertFalse(guess.evidence.isEmpty)
            XCTAssertNotEqual(guess.spec.kind, .auto)
        }
    }
}
