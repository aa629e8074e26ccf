import XCTest
import Wire
@testable import Streams

/// The connection table's index held against a `Dictionary` (the obviously correct model).
final class FlowIndexTests: XCTestCase {
    /// Random opens and closes over a small pool of 4-tuples (so probe runs collide, wrap around
    /// the end and are shifted back on removal), with the index growing past several sizes.
    func testIndexAgreesWithADictionaryUnderRandomInsertsAndRemoves() {
        var rng = SystemRandomNumberGenerator()
        for round in 0 ..< 4 {
            var index = FlowIndex()
            var model: [FlowKey: Int] = [:]
            var keys: [FlowKey] = []  // a slot's key, as the connection table's slots hold them
            var freeSlots: [Int] = []
            let pool = (0 ..< (round == 0 ? 40 : 900)).map { i -> FlowKey in
                let a = Endpoint(address: i % 3 == 0 ? .v6(IPv6Address(high: 1, low: UInt64(i))) : .v4(IPv4Address(UInt32(i / 7))),
                                 port: UInt16(40000 + i))
                let b = Endpoint(address: a.address, port: 9000)
                return FlowKey(a, b)
            }
            for _ in 0 ..< 20_000 {
                let key = pool[Int.random(in: 0 ..< pool.count, using: &rng)]
                let found = index.slot(of: key) { keys[$0] }
                XCTAssertEqual(found, model[key])
                if let slot = found {
                    index.remove(key, slot: slot)
                    model[key] = nil
                    freeSlots.append(slot)
                } else {
                    let slot: Int
                    if let s = freeSlots.popLast() { slot = s; keys[s] = key } else { slot = keys.count; keys.append(key) }
                    index.insert(key, slot: slot)
                    model[key] = slot
                }
                XCTAssertEqual(index.count, model.count)
            }
            for key in pool { XCTAssertEqual(index.slot(of: key) { keys[$0] }, model[key]) }
            // Removing with another slot than the key's own leaves the entry.
            if let (key, slot) = model.first {
                index.remove(key, slot: slot + 1)
                XCTAssertEqual(index.slot(of: key) { keys[$0] }, slot)
            }
            index.removeAll()
            XCTAssertEqual(index.count, 0)
            for key in pool { XCTAssertNil(index.slot(of: key) { keys[$0] }) }
        }
    }

    /// Keys whose interface IDs would zero a multiply's operand (were the seed in only one of
    /// them) still hash apart: an attacker varying only the /64 prefix from one such interface
    /// ID and port, to one server, must not put every stream in one probe run.
    func testChosenInterfaceIDsDoNotCollide() {
        let zeroing: [UInt64] = [0xe703_7ed1_a0b4_28db, 0x5899_65cc_7537_4cc3]
        for id in zeroing {
            for lowSide in [true, false] {
                let keys = (0 ..< 2_000).map { i -> FlowKey in
                    let attacker = Endpoint(address: .v6(IPv6Address(high: 0x2001_0db8_0000_0000 | UInt64(i), low: id)), port: 5555)
                    // The server's address sorts the attacker first or last in the key.
                    let server = Endpoint(address: .v6(IPv6Address(high: lowSide ? UInt64.max : 0, low: 2)), port: 80)
                    return FlowKey(attacker, server)
                }
                let seed = UInt64.random(in: .min ... .max)
                let hashes = Set(keys.map { FlowKey.mix($0, seed: seed) })
                XCTAssertEqual(hashes.count, keys.count, "interface ID \(String(id, radix: 16)), attacker \(lowSide ? "low" : "high")")
            }
        }
    }
}
