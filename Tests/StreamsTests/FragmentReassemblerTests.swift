import XCTest
import Wire
@testable import Streams
import TestSupport

final class FragmentReassemblerTests: XCTestCase {
    let key = FragmentKey(source: clientIP, destination: serverIP, protocolNumber: 17, identification: 0xBEEF)
    let t0 = Timestamp(seconds: 1_700_000_000, nanoseconds: 0)

    private func add(
        _ r: FragmentReassembler, _ offset: Int, more: Bool, _ bytes: [UInt8], frame: Int,
        key: FragmentKey? = nil, after seconds: Int64 = 0
    ) -> ReassembledDatagram? {
        bytes.withUnsafeBytes {
            r.add(key: key ?? self.key, offset: offset, more: more, bytes: $0, frame: frame,
                  time: Timestamp(seconds: t0.seconds + seconds, nanoseconds: 0))
        }
    }

    private let a = [UInt8](repeating: 0x61, count: 16)
    private let b = [UInt8](repeating: 0x62, count: 16)
    private let c = [UInt8](repeating: 0x63, count: 5)

    func testInOrder() {
        let r = FragmentReassembler()
        XCTAssertNil(add(r, 0, more: true, a, frame: 1))
        XCTAssertNil(add(r, 16, more: true, b, frame: 2))
        let d = add(r, 32, more: false, c, frame: 3)
        XCTAssertEqual(d, ReassembledDatagram(bytes: a + b + c, frames: [1, 2, 3]))
        XCTAssertEqual(r.pendingDatagrams, 0)
        XCTAssertEqual(r.bufferedBytes, 0)
    }

    func testReversed() {
        let r = FragmentReassembler()
        XCTAssertNil(add(r, 32, more: false, c, frame: 1))
        XCTAssertNil(add(r, 16, more: true, b, frame: 2))
        XCTAssertEqual(add(r, 0, more: true, a, frame: 3), ReassembledDatagram(bytes: a + b + c, frames: [1, 2, 3]))
        XCTAssertEqual(r.bufferedBytes, 0)
    }

    func testOverlapFirstCopyWins() {
        let r = FragmentReassembler()
        XCTAssertNil(add(r, 8, more: true, b, frame: 1))  // [8, 24) of b
        let d = add(r, 0, more: false, a + a, frame: 2)  // [0, 32) of a: only [0,8) and [24,32) are new
        XCTAssertEqual(d?.bytes, Array(a[0 ..< 8]) + b + Array(a[0 ..< 8]))
        XCTAssertEqual(d?.frames, [1, 2])
    }

    func testDuplicateFragmentListsItsFrame() {
        let r = FragmentReassembler()
        XCTAssertNil(add(r, 0, more: true, a, frame: 4))
        XCTAssertNil(add(r, 0, more: true, a, frame: 5))
        XCTAssertEqual(add(r, 16, more: false, c, frame: 6)?.frames, [4, 5, 6])
    }

    func testMissingPieceTimesOut() {
        let r = FragmentReassembler(timeoutSeconds: 30)
        XCTAssertNil(add(r, 0, more: true, a, frame: 1))
        XCTAssertNil(add(r, 24, more: false, c, frame: 2))
        XCTAssertNil(add(r, 0, more: true, a, frame: 3, key: FragmentKey(source: serverIP, destination: clientIP, protocolNumber: 17, identification: 1), after: 31))
        let drops = r.takeDrops()
        XCTAssertEqual(drops.count, 1)
        XCTAssertEqual(drops.first?.key, key)
        XCTAssertEqual(drops.first?.frames, [1, 2])
        XCTAssertTrue(drops.first?.reason.contains("timed out") ?? false)
        XCTAssertTrue(drops.first?.reason.contains("8 bytes missing") ?? false, drops.first?.reason ?? "")
        XCTAssertEqual(r.pendingDatagrams, 1)
        // The late piece starts a new datagram, which never completes alone.
        XCTAssertNil(add(r, 16, more: true, [UInt8](repeating: 0, count: 8), frame: 4, after: 31))
        XCTAssertEqual(r.takeDrops(), [])
    }

    func testTooLongIsDropped() {
        let r = FragmentReassembler()
        XCTAssertNil(add(r, 0, more: true, a, frame: 1))
        XCTAssertNil(add(r, 65_528, more: false, a, frame: 2))
        let drops = r.takeDrops()
        XCTAssertEqual(drops.map(\.frames), [[1, 2]])
        XCTAssertTrue(drops[0].reason.contains("65535"), drops[0].reason)
        XCTAssertEqual(r.pendingDatagrams, 0)
        XCTAssertEqual(r.bufferedBytes, 0)
    }

    func testDisagreeingLengthsAreDropped() {
        let r = FragmentReassembler()
        XCTAssertNil(add(r, 16, more: false, c, frame: 1))
        XCTAssertNil(add(r, 40, more: false, c, frame: 2))
        XCTAssertEqual(r.takeDrops().count, 1)
        XCTAssertNil(add(r, 16, more: false, c, frame: 3))
        XCTAssertNil(add(r, 16, more: true, a, frame: 4))  // ends past the known length
        XCTAssertTrue(r.takeDrops().first?.reason.contains("past the datagram length") ?? false)
    }

    func testDatagramCountLimitDropsTheOldest() {
        let r = FragmentReassembler(maxDatagrams: 2)
        for id: UInt32 in 1 ... 3 {
            let k = FragmentKey(source: clientIP, destination: serverIP, protocolNumber: 6, identification: id)
            XCTAssertNil(add(r, 0, more: true, a, frame: Int(id), key: k))
        }
        XCTAssertEqual(r.pendingDatagrams, 2)
        let drops = r.takeDrops()
        XCTAssertEqual(drops.map(\.key.identification), [1])
        // The survivors still complete.
        let k3 = FragmentKey(source: clientIP, destination: serverIP, protocolNumber: 6, identification: 3)
        XCTAssertEqual(add(r, 16, more: false, c, frame: 9, key: k3)?.frames, [3, 9])
    }

    func testByteLimitHoldsOnHostileInput() {
        let maxBytes = 64 << 10
        let r = FragmentReassembler(maxDatagrams: 1 << 20, maxBytes: maxBytes)
        var rng = SplitMix64(seed: 7)
        let chunk = [UInt8](repeating: 1, count: 1480)
        for i in 0 ..< 20_000 {
            let k = FragmentKey(source: clientIP, destination: serverIP, protocolNumber: 17, identification: UInt32(i % 500))
            let off = Int.random(in: 0 ... 8000, using: &rng) * 8
            let len = min(Int.random(in: 0 ... 1480, using: &rng), 65_535 - off)
            _ = add(r, off, more: true, Array(chunk[0 ..< max(0, len)]), frame: i + 1, key: k)
            XCTAssertLessThanOrEqual(r.bufferedBytes, maxBytes)
            if r.bufferedBytes > maxBytes { return }
        }
        XCTAssertFalse(r.takeDrops().isEmpty)
    }
}
