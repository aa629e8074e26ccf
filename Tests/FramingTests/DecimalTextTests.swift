import XCTest
@testable import Framing

/// `decimalText` (header values in frame views) against the standard library's printer.
final class DecimalTextTests: XCTestCase {
    func testAgreesWithDescription() {
        var values: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, Int64.max, Int64.min, Int64.min + 1, 1 << 20, -(1 << 31)]
        var p: Int64 = 1
        for _ in 0 ..< 18 {
            p *= 10
            values += [p - 1, p, p + 1, -p, -(p - 1)]
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0 ..< 2000 { values.append(Int64(truncatingIfNeeded: rng.next() >> UInt64.random(in: 0 ... 63, using: &rng))) }
        for v in values { XCTAssertEqual(decimalText(v), v.description) }
        // Unsigned 8-byte values above Int64.max, as headerValueText gives them.
        for bits: UInt64 in [UInt64(Int64.max) + 1, UInt64.max, UInt64.max - 1] {
            XCTAssertEqual(decimalText(bits, negative: false), bits.description)
        }
    }
}
