// The index of the connection table and of the UDP flow table: which slot holds the stream or
// flow of a 4-tuple.

/// Slots by `FlowKey`, for the lookup the connection table makes on every segment (and the UDP
/// flow table on every datagram): open addressing with linear probing over 16-byte entries (the
/// key's 64-bit hash and its slot), at most half full, deletion by shifting the rest of the probe
/// run back (no tombstones). The keys themselves stay in the slots: a probe compares hashes, and
/// only an equal hash reads the slot's key to confirm. Where `Dictionary<FlowKey, Int>` kept 56
/// bytes a stream and compared whole keys, a thousand streams' entries here fit in 32 KB.
///
/// The hash is `FlowKey.mix` under a seed drawn once per index from the system's random source,
/// which every multiply in `mix` has in both operands: a capture cannot choose 4-tuples that
/// collide.
struct FlowIndex {
    struct Entry {
        var hash: UInt64
        /// -1: empty.
        var slot: Int
    }
    private var entries: [Entry]
    private(set) var count = 0
    /// 64 - log2(capacity): the hash's top bits are the home position.
    private var shift: UInt64
    private let seed: UInt64

    init() {
        entries = Array(repeating: Entry(hash: 0, slot: -1), count: 16)
        shift = 60
        seed = UInt64.random(in: .min ... .max)
    }

    @inline(__always) func hash(_ key: FlowKey) -> UInt64 { FlowKey.mix(key, seed: seed) }

    @inline(__always) private func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> shift) }

    /// The slot of `key`'s stream, if it has one. `keyOf` gives a slot's key.
    @inline(__always)
    func slot(of key: FlowKey, keyOf: (Int) -> FlowKey) -> Int? {
        let h = hash(key)
        let mask = entries.count - 1
        return entries.withUnsafeBufferPointer { e in
            var i = home(h)
            while true {
                let s = e[i].slot
                if s < 0 { return nil }
                if e[i].hash == h && keyOf(s) == key { return s }
                i = (i &+ 1) & mask
            }
        }
    }

    /// Makes `slot` the one of `key`, whose stream must have none (the connection table looks it
    /// up first): the first empty entry from its home is the place, and no key is read.
    mutating func insert(_ key: FlowKey, slot: Int) {
        if (count + 1) * 2 > entries.count { grow() }
        place(Entry(hash: hash(key), slot: slot))
        count += 1
    }

    /// `e` in the first empty entry from its home (its key has no entry).
    private mutating func place(_ e: Entry) {
        let mask = entries.count - 1
        var i = home(e.hash)
        while entries[i].slot >= 0 { i = (i &+ 1) & mask }
        entries[i] = e
    }

    /// Forgets `key`'s slot when it is `slot` (slots are distinct, so the entry holding `slot` in
    /// `key`'s probe run is the one, and no key is read).
    mutating func remove(_ key: FlowKey, slot: Int) {
        let mask = entries.count - 1
        var i = home(hash(key))
        while entries[i].slot != slot {
            if entries[i].slot < 0 { return }
            i = (i &+ 1) & mask
        }
        count -= 1
        // Backward shift: each later entry of the run whose home is not cyclically in (i, j]
        // moves into the hole, which moves to where it was.
        var j = i
        while true {
            j = (j &+ 1) & mask
            let e = entries[j]
            if e.slot < 0 { break }
            let h = home(e.hash)
            let stays = i <= j ? (i < h && h <= j) : (i < h || h <= j)
            if stays { continue }
            entries[i] = e
            i = j
        }
        entries[i].slot = -1
    }

    mutating func removeAll() {
        for i in entries.indices { entries[i].slot = -1 }
        count = 0
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: Entry(hash: 0, slot: -1), count: old.count * 2)
        shift -= 1
        for e in old where e.slot >= 0 { place(e) }
    }
}
