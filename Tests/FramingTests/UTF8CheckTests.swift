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
}
