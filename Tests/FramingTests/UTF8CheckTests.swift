import XCTest
@testable import Framing
import TestSupport

/// `isUTF8` is framescope's own validator (the hot path of every message); the standard
/// library's `String(validating:)` is the oracle.
final class UTF8CheckTests: XCTestCase {
    func oracle(_ bytes: [UInt8]) -> Bool { String(validating: bytes, as: UTF8.self) != nil }

    func testBoundaryCases() {
        let cases: [[UInt8]] = [
            [], [0x41], Array("hello, 世界 😀 über".utf8), Array(repeating: 0x61, count: 17) + [0xC3, 0xA9],
            [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2, 0x80], [0xDF, 0xBF], [0xC2],
            [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80],
            [0xEF, 0xBF, 0xBF], [0xE1, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
            [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],
            [0xF0, 0x9F, 0x98], [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xF0, 0x9F, 0x98, 0x80],
            [0xE2, 0x82, 0xAC, 0x41], [0xE2, 0x28, 0xA1], [0xC3, 0x28],
        ]
        for c in cases { XCTAssertEqual(isUTF8(c), oracle(c), "\(c.map { String($0, radix: 16) })") }
    }

    func testRandomAndMutatedText() {
        var rng = SplitMix64(seed: 3629)
        let text = Array("chat 粘包 拆包 报头 😀 ok\n".utf8)
        for round in 0 ..< 20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0 ..< Int(rng.next() % 24)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = text
                for _ in 0 ..< Int(rng.next() % 3) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
            }
            XCTAssertEqual(isUTF8(bytes), oracle(bytes), "\(bytes)")
        }
    }

    /// Every two-byte sequence with a high first byte, at alignments before, on and past a word.
    func testEveryTwoByteSequenceAtSeveralAlignments() {
        for pad in [0, 3, 7, 9] {
            let prefix = [UInt8](repeating: 0x61, count: pad)
            for a in 0x80 ... 0xFF {
                for b in 0 ... 0xFF {
                    let bytes = prefix + [UInt8(a), UInt8(b)]
                    if isUTF8(bytes) != oracle(bytes) { XCTFail("\(bytes)"); return }
                }
            }
        }
    }

    /// Sequences of the bytes where RFC 3629's ranges begin and end, between ASCII runs of every
    /// length (so the one-load checks of the usual characters and the last-word check meet them
    /// at every alignment).
    func testRandomSequencesOfBoundaryBytes() {
        let pool: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                             0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF7, 0xF8, 0xFF]
        var rng = SplitMix64(seed: 3629_2)
        var valid = 0
        for _ in 0 ..< 100_000 {
            var bytes = [UInt8](repeating: 0x61, count: Int(rng.next() % 12))
            for _ in 0 ... Int(rng.next() % 6) { bytes.append(pool[Int(rng.next() % UInt64(pool.count))]) }
            bytes += [UInt8](repeating: 0x62, count: Int(rng.next() % 10))
            let expected = oracle(bytes)
            if expected { valid += 1 }
            if isUTF8(bytes) != expected { XCTFail("\(bytes)"); return }
        }
        XCTAssertGreaterThan(valid, 1000)  // valid multi-byte text is in the sample too
    }
}
