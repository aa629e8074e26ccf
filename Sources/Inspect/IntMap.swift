import CPrefetch

/// A map from non-negative integers (stream indices, and codes made from them) to values, for
/// the lookups the message stage makes on every event: open addressing with linear probing, a
/// multiplicative (Fibonacci) hash, at most half full, and deletion by shifting the entries of
/// the probe run back (no tombstones, so lookups stay short however many keys came and went).
/// Where `Dictionary` hashes each key with SipHash, this costs a multiply and usually one probe;
/// memory follows the keys present, not the largest key seen.
struct IntMap<Value> {
    /// -1 marks an empty slot.
    private var keys: [Int]
    private var values: [Value?]
    private(set) var count = 0
    var isEmpty: Bool { count == 0 }
    /// 64 - log2(capacity): the hash's top bits are the slot.
    private var shift: UInt64
    private var mask: Int { keys.count - 1 }

    init() {
        keys = Array(repeating: -1, count: 16)
        values = Array(repeating: nil, count: 16)
        shift = 60
    }

    @inline(__always)
    private func home(_ key: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot holding `key`, or the empty slot where it would go (negative: -1 - slot).
    @inline(__always)
    private func find(_ key: Int) -> Int {
        var i = home(key)
        let m = mask
        while true {
            let k = keys[i]
            if k == key { return i }
            if k < 0 { return -1 - i }
            i = (i &+ 1) & m
        }
    }

    subscript(key: Int) -> Value? {
        @inline(__always) get {
            let i = find(key)
            return i >= 0 ? values[i] : nil
        }
        set {
            guard let v = newValue else { removeValue(forKey: key); return }
            let i = find(key)
            if i >= 0 { values[i] = v; return }
            if (count + 1) * 2 > keys.count {
                grow()
                self[key] = v
                return
            }
            keys[-1 - i] = key
            values[-1 - i] = v
            count += 1
        }
    }

    /// Runs `body` on the value of `key` in place (made by `make` first when there is none):
    /// one lookup, and no copy of a value such as an array being appended to.
    @inline(__always)
    mutating func update<R>(_ key: Int, default make: () -> Value, _ body: (inout Value) -> R) -> R {
        var i = find(key)
        if i < 0 {
            self[key] = make()
            i = find(key)
        }
        return body(&values[i]!)
    }

    /// Empty again (the storage keeps its size).
    mutating func removeAll() {
        guard count > 0 else { return }
        for i in keys.indices where keys[i] >= 0 {
            keys[i] = -1
            values[i] = nil
        }
        count = 0
    }

    @discardableResult
    mutating func removeValue(forKey key: Int) -> Value? {
        var i = find(key)
        guard i >= 0 else { return nil }
        let old = values[i]
        count -= 1
        // Backward shift: each later entry of the run whose home is not cyclically in (i, j]
        // moves into the hole, which moves to where it was.
        let m = mask
        var j = i
        while true {
            j = (j &+ 1) & m
            let k = keys[j]
            if k < 0 { break }
            let h = home(k)
            let stays = i <= j ? (i < h && h <= j) : (i < h || h <= j)
            if stays { continue }
            keys[i] = k
            values[i] = values[j]
            i = j
        }
        keys[i] = -1
        values[i] = nil
        return old
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: -1, count: oldKeys.count * 2)
        values = Array(repeating: nil, count: oldKeys.count * 2)
        shift -= 1
        count = 0
        for (i, k) in oldKeys.enumerated() where k >= 0 { self[k] = oldValues[i] }
    }

    /// The keys present, in no particular order.
    var allKeys: [Int] { keys.filter { $0 >= 0 } }

    /// The values present, in no particular order.
    var allValues: [Value] { values.compactMap { $0 } }
}

/// Cache hints for a lookup to come, when the values are objects: the caller knows the keys of
/// its next few lookups (`MessageStage.consume(lending:after:)`), and with ~1000 streams
/// interleaved the slot and the object of each are no longer in any cache. Hints only: they
/// read nothing the map relies on, retain nothing, and a wrong guess costs a wasted fetch.
/// (They change nothing either: `mutating` only lets a caller reach the map where it is stored,
/// instead of a copy that retains and releases both arrays for the sake of a hint.)
extension IntMap {
    /// The cache lines of `key`'s home slot (in `keys` and `values`), which its lookup reads
    /// first (usually the only ones: the map is at most half full).
    @inline(__always)
    mutating func prefetchSlot(_ key: Int) {
        let i = home(key)
        keys.withUnsafeBufferPointer { fs_prefetch($0.baseAddress.unsafelyUnwrapped + i) }
        values.withUnsafeBufferPointer { fs_prefetch($0.baseAddress.unsafelyUnwrapped + i) }
    }

    /// The value in `key`'s home slot when that slot holds `key` (a key further along its probe
    /// run gives nil): for a hint, one look instead of a probe run.
    @inline(__always)
    mutating func homeValue(_ key: Int) -> Value? {
        guard let i = homeSlot(key) else { return nil }
        return values.withUnsafeBufferPointer { $0[i] }
    }

    /// `key`'s home slot when it holds `key`.
    @inline(__always)
    fileprivate func homeSlot(_ key: Int) -> Int? {
        let i = home(key)
        return keys.withUnsafeBufferPointer { $0[i] == key } ? i : nil
    }
}

extension IntMap where Value: AnyObject {

    /// The object in `key`'s home slot, its first `bytes` bytes (the cache lines they span),
    /// when that slot holds `key` (a key further along its probe run is left alone). The slot's
    /// reference is read as a bare word (an optional object is one, 0 for nil), so nothing is
    /// retained.
    @inline(__always)
    mutating func prefetchValue(_ key: Int, bytes: Int) {
        guard let i = homeSlot(key) else { return }
        let word = values.withUnsafeBufferPointer {
            UnsafeRawPointer($0.baseAddress.unsafelyUnwrapped + i).load(as: UInt.self)
        }
        guard word != 0 else { return }
        prefetchLines(UnsafeRawPointer(bitPattern: word).unsafelyUnwrapped, bytes: bytes)
    }
}

/// Cache hints for the lines that `bytes` bytes from `start` span (64-byte lines).
@inline(__always)
func prefetchLines(_ start: UnsafeRawPointer, bytes: Int) {
    var line = UInt(bitPattern: start) & ~63
    let end = UInt(bitPattern: start) &+ UInt(bitPattern: bytes)
    while line < end {
        fs_prefetch(UnsafeRawPointer(bitPattern: line))
        line &+= 64
    }
}
