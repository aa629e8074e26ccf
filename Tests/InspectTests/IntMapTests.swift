import XCTest
@testable import Inspect

/// `IntMap` (the message stage's per-direction table) held against `Dictionary` through random
/// inserts, updates and removals, with keys crowded into few home slots so probe runs wrap and
/// removals shift entries back.
final class IntMapTests: XCTestCase {
    func testAgreesWithDictionary() {
        var rng = SystemRandomNumberGenerator()
        for keySpace in [8, 40, 1000, 100_000] {
            var map = IntMap<Int>()
            var model: [Int: Int] = [:]
            for step in 0 ..< 20_000 {
                let key = Int.random(in: 0 ..< keySpace, using: &rng)
                switch Int.random(in: 0 ..< 10, using: &rng) {
                case 0 ..< 5:
                    map[key] = step
                    model[key] = step
                case 5 ..< 8:
                    XCTAssertEqual(map.removeValue(forKey: key), model.removeValue(forKey: key))
                default:
                    XCTAssertEqual(map[key], model[key])
                }
                XCTAssertEqual(map.count, model.count)
            }
            for key in 0 ..< min(keySpace, 2000) { XCTAssertEqual(map[key], model[key], "key \(key)") }
            XCTAssertEqual(map.allKeys.sorted(), model.keys.sorted())
            XCTAssertEqual(map.allValues.sorted(), model.values.sorted())
            // Emptied again, then refilled: nothing of the old entries answers.
            for key in model.keys { map[key] = nil }
            XCTAssertEqual(map.count, 0)
            XCTAssertEqual(map.allKeys, [])
            for key in 0 ..< 100 { XCTAssertNil(map[key]) }
        }
    }

    /// The cache hints (`prefetchSlot`, `prefetchValue`) on keys present, absent, and further
    /// along a probe run than their home slot leave the map as it was; the objects they fetch
    /// are neither retained nor released (a released one would be freed here, and a retained
    /// one never).
    func testHintsChangeNothing() {
        final class Box {
            let value: Int
            init(_ value: Int) { self.value = value }
        }
        var map = IntMap<Box>()
        weak var watched: Box?
        for key in 0 ..< 600 where key % 3 != 0 {
            let box = Box(key)
            if key == 7 { watched = box }
            map[key] = box
        }
        for key in -5 ..< 700 {
            map.prefetchSlot(key)
            map.prefetchValue(key, bytes: 296)
        }
        XCTAssertEqual(map.count, 400)
        for key in 0 ..< 700 { XCTAssertEqual(map[key]?.value, key < 600 && key % 3 != 0 ? key : nil, "key \(key)") }
        XCTAssertNotNil(watched)
        map[7] = nil
        XCTAssertNil(watched, "the map held the only reference")
    }

    /// `homeValue` (a hint's one look) gives a key's value only from its home slot: never a
    /// wrong one, and the value itself whenever the key sits there.
    func testHomeValueIsTheValueOrNil() {
        var map = IntMap<Int>()
        for key in 0 ..< 900 where key % 5 != 0 { map[key] = key * 7 }
        var found = 0
        for key in -3 ..< 1000 {
            if let v = map.homeValue(key) {
                XCTAssertEqual(v, map[key], "key \(key)")
                found += 1
            }
        }
        XCTAssertGreaterThan(found, 360, "most keys sit in their home slot in a map at most half full")
        XCTAssertEqual(map.count, 720)
    }

    /// The message stage fetches `stateBytes` of each direction's state ahead of its turn: they
    /// must cover the object (a field added to `DirectionState` past them would be a miss again).
    func testStateHintCoversTheDirectionState() {
        let state = MessageStage.DirectionState()
        let size = mallocUsableSize(Unmanaged.passUnretained(state).toOpaque())
        XCTAssertLessThanOrEqual(size, MessageStage.stateBytes + 16, "raise MessageStage.stateBytes to the object's size")
        XCTAssertGreaterThan(size + 64, MessageStage.stateBytes, "lower MessageStage.stateBytes: it fetches lines past the object")
    }
}

/// glibc's size of a block malloc gave (declared here: Glibc's module leaves out malloc.h).
@_silgen_name("malloc_usable_size")
private func mallocUsableSize(_ block: UnsafeMutableRawPointer) -> Int
