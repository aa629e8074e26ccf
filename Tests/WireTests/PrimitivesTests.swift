import XCTest
@testable import Wire
import TestSupport

final class PrimitivesTests: XCTestCase {
    func testRFC5952() {
        func a(_ g: [UInt16]) -> String {
            var hi: UInt64 = 0, lo: UInt64 = 0
            for i in 0 ..< 4 { hi = hi << 16 | UInt64(g[i]) }
            for i in 4 ..< 8 { lo = lo << 16 | UInt64(g[i]) }
            return IPv6Address(high: hi, low: lo).description
        }
        XCTAssertEqual(a([0, 0, 0, 0, 0, 0, 0, 0]), "::")
        XCTAssertEqual(a([0, 0, 0, 0, 0, 0, 0, 1]), "::1")
        XCTAssertEqual(a([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]), "2001:db8::1")
        XCTAssertEqual(a([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), "2001:db8::1:0:0:1", "the first of equal runs")
        XCTAssertEqual(a([0x2001, 0, 0, 1, 0, 0, 0, 1]), "2001:0:0:1::1", "the longest run")
        XCTAssertEqual(a([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), "2001:db8:0:1:1:1:1:1", "a single zero group stays")
        XCTAssertEqual(a([0xfe80, 0, 0, 0, 0x1ff, 0xfe23, 0x4567, 0x890a]), "fe80::1ff:fe23:4567:890a")
        XCTAssertEqual(a([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]), "::ffff:192.0.2.1")
        XCTAssertEqual(a([1, 0, 0, 0, 0, 0, 0, 0]), "1::")
    }

    func testInternetChecksumAgainstAReferenceSum() {
        // RFC 1071 §3's example: the sum of 0001 f203 f4f5 f6f7 is ddf2.
        let rfc: [UInt8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]
        XCTAssertEqual(rfc.withUnsafeBytes { InternetChecksum.sum($0) }, 0xddf2)
        var rng = SplitMix64(seed: 1071)
        for n in 0 ..< 300 {
            let bytes = (0 ..< n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var ref: UInt32 = 0
            var i = 0
            while i + 1 < n { ref += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]); i += 2 }
            if i < n { ref += UInt32(bytes[i]) << 8 }
            while ref > 0xffff { ref = (ref & 0xffff) + (ref >> 16) }
            XCTAssertEqual(bytes.withUnsafeBytes { InternetChecksum.sum($0) }, UInt16(ref), "length \(n)")
        }
    }

    func testCivilTimeWithoutATimeZoneFile() {
        func c(_ s: Int64) -> [Int] {
            let t = Timestamp(seconds: s, nanoseconds: 0).civil
            return [t.year, t.month, t.day, t.hour, t.minute, t.second]
        }
        XCTAssertEqual(c(0), [1970, 1, 1, 0, 0, 0])
        XCTAssertEqual(c(-1), [1969, 12, 31, 23, 59, 59])
        XCTAssertEqual(c(951_782_400), [2000, 2, 29, 0, 0, 0])
        XCTAssertEqual(c(4_102_444_800), [2100, 1, 1, 0, 0, 0])
        XCTAssertEqual(c(1_795_756_596), [2026, 11, 27, 5, 16, 36])
    }

    func testByteReaderBounds() {
        let bytes: [UInt8] = [1, 2, 3, 4, 5]
        bytes.withUnsafeBytes { p in
            let r = ByteReader(p)
            XCTAssertEqual(r.u32(1), 0x0203_0405)
            XCTAssertNil(r.u32(2))
            XCTAssertNil(r.u8(-1))
            XCTAssertNil(r.u16(Int.max))
            XCTAssertFalse(r.has(Int.max, at: 1))
            XCTAssertNil(r.window(3, 3))
            XCTAssertEqual(r.suffix(from: 9).count, 0)
            XCTAssertEqual(r.window(1, 3)?.u16(1), 0x0304)
        }
    }
}
