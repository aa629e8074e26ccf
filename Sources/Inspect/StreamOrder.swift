// Puts messages in docs/DESIGN.md "Messages JSON"'s order — stream by stream in index order, each stream's messages
// in the order they completed — while streaming: the lowest unfinished stream prints as it goes,
// later streams are held until every stream before them has finished. UDP flows never end, so
// their datagrams are passed on as they come.
//
// What is held is the messages' rendered bytes, not the messages, so each message is freed at
// once. Held bytes in memory are bounded (`limitBytes`); past the bound they go to a spill store
// (a temporary file the caller gives, unlinked as soon as it was made) and are read back, in
// order, when their stream's turn comes — so the order never breaks and memory stays bounded on
// any capture. Which streams ended early, and where each stream's spilled bytes are, take a bit
// and 8 bytes per stream index (stream indices are dense). Only without a spill store does the
// bound release everything held early (`orderBroken`).

/// Where held output goes past the memory bound: records appended, read back by offset. The
/// caller's (the pure pipeline does no I/O).
public protocol SpillStore: AnyObject {
    /// Appends `bytes`; their offset in the store, or nil when the store failed.
    func append(_ bytes: [UInt8]) -> Int64?
    /// Exactly `count` bytes at `offset`, or nil when the store failed.
    func read(at offset: Int64, count: Int) -> [UInt8]?
}

public struct StreamOrder {
    var next = 0
    /// Rendered bytes held in memory, by stream.
    var held = IntMap<[UInt8]>()
    /// Streams that ended while an earlier one was open, one bit each from `next`.
    var finished = DenseBits()
    public private(set) var heldBytes = 0
    public let limitBytes: Int
    /// True once the bound forced messages out before an earlier stream finished (only when
    /// there is no spill store, or it failed).
    public private(set) var orderBroken = false

    /// Spilled bytes: for each stream index from `spillBase`, the offset of its last record (-1:
    /// none). A record is the offset of the stream's record before it (8 bytes, -1 for none),
    /// its length (8 bytes), then the bytes.
    let spill: SpillStore?
    var tails: [Int64] = []
    var spillBase = 0
    public private(set) var spilledBytes = 0

    public init(limitBytes: Int = 64 << 20, spill: SpillStore? = nil) {
        self.limitBytes = limitBytes
        self.spill = spill
    }

    /// True when a message of TCP stream `stream` (nil: a UDP datagram) can be written out now;
    /// otherwise render it and give the bytes to `hold`.
    @inline(__always)
    public func printsNow(_ stream: Int?) -> Bool {
        guard let s = stream else { return true }
        return s == next
    }

    /// Keeps the rendered bytes of a message of `stream` until the streams before it finished.
    /// `release` gets bytes that must be written now (past the bound, when nothing can be spilled).
    public mutating func hold(_ stream: Int, _ bytes: UnsafeRawBufferPointer, release: (UnsafeRawBufferPointer) -> Void) {
        // Typed, so the append is one copy (raw bytes are appended one by one).
        held.update(stream, default: { [] }) { $0.append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self)) }
        heldBytes += bytes.count
        guard heldBytes > limitBytes else { return }
        if !spillAll() { releaseAll(breaking: true, release) }
    }

    /// `stream` ended in both directions: what waited for it is released.
    public mutating func finished(_ stream: Int, release: (UnsafeRawBufferPointer) -> Void) {
        guard stream >= next else { return }  // passed already
        finished.insert(stream, base: next)
        advance(release)
    }

    /// Moves past every stream that has ended, releasing what waited for each.
    mutating func advance(_ release: (UnsafeRawBufferPointer) -> Void) {
        while finished.contains(next) {
            finished.remove(next)
            next += 1
            releaseStream(next, release)
        }
    }

    /// End of input: everything still held, TCP streams in index order.
    public mutating func finishAll(release: (UnsafeRawBufferPointer) -> Void) {
        let last = max(held.allKeys.max() ?? -1, spillBase + tails.count - 1)
        if next <= last {
            for s in next...last { releaseStream(s, release) }
        }
        held.removeAll()
        heldBytes = 0
    }

    /// Writes out what waited for `stream`: its spilled records, then what is in memory.
    mutating func releaseStream(_ stream: Int, _ release: (UnsafeRawBufferPointer) -> Void) {
        if let spill, stream >= spillBase, stream - spillBase < tails.count, tails[stream - spillBase] >= 0 {
            // Walk the records back from the last, then write them first to last.
            var offsets: [(Int64, Int)] = []
            var at = tails[stream - spillBase]
            tails[stream - spillBase] = -1
            while at >= 0, let head = spill.read(at: at, count: 16) {
                let prev = head.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: Int64.self) }
                let count = head.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: Int64.self) }
                offsets.append((at + 16, Int(count)))
                at = prev
            }
            for (offset, count) in offsets.reversed() {
                if let bytes = spill.read(at: offset, count: count) {
                    spilledBytes -= count
                    bytes.withUnsafeBytes(release)
                }
            }
            compactTails()
        }
        if let bytes = held.removeValue(forKey: stream) {
            heldBytes -= bytes.count
            bytes.withUnsafeBytes(release)
        }
    }

    /// Every held in-memory buffer to the spill store; false when there is none or it failed
    /// (then nothing moved that was not recorded).
    mutating func spillAll() -> Bool {
        guard let spill else { return false }
        for s in held.allKeys.sorted() {
            let bytes = held[s]!
            if s < spillBase {
                // Only reached when a stream below the base holds bytes: cannot happen (the base
                // only moves past released streams); keep it in memory.
                continue
            }
            if s - spillBase >= tails.count { tails.append(contentsOf: repeatElement(-1, count: s - spillBase - tails.count + 1)) }
            var record = [UInt8]()
            record.reserveCapacity(16 + bytes.count)
            withUnsafeBytes(of: tails[s - spillBase]) { record += $0 }
            withUnsafeBytes(of: Int64(bytes.count)) { record += $0 }
            record += bytes
            guard let offset = spill.append(record) else { return false }
            tails[s - spillBase] = offset
            spilledBytes += bytes.count
            heldBytes -= bytes.count
            held[s] = nil
        }
        return true
    }

    /// Drops the tails of streams already passed, once they are half the table.
    mutating func compactTails() {
        let passed = min(next - spillBase, tails.count)
        if passed > 1024 && passed * 2 > tails.count {
            tails.removeFirst(passed)
            spillBase += passed
        }
    }

    mutating func releaseAll(breaking: Bool, _ release: (UnsafeRawBufferPointer) -> Void) {
        if breaking && !held.isEmpty { orderBroken = true }
        for s in held.allKeys.sorted() { held[s]!.withUnsafeBytes(release) }
        held.removeAll()
        heldBytes = 0
    }
}

/// A set of non-negative integers at or above a moving base, one bit each.
struct DenseBits {
    var words: [UInt64] = []
    /// The integer bit 0 of `words[0]` stands for.
    var origin = 0

    mutating func insert(_ n: Int, base: Int) {
        rebase(base)
        let i = n - origin
        guard i >= 0 else { return }
        if i / 64 >= words.count { words.append(contentsOf: repeatElement(0, count: i / 64 - words.count + 1)) }
        words[i / 64] |= 1 << UInt64(i % 64)
    }

    func contains(_ n: Int) -> Bool {
        let i = n - origin
        guard i >= 0, i / 64 < words.count else { return false }
        return words[i / 64] & (1 << UInt64(i % 64)) != 0
    }

    mutating func remove(_ n: Int) {
        let i = n - origin
        guard i >= 0, i / 64 < words.count else { return }
        words[i / 64] &= ~(1 << UInt64(i % 64))
    }

    /// Forgets whole words below `base` (in steps, so the copy is rare).
    mutating func rebase(_ base: Int) {
        let drop = (base - origin) / 64
        if drop > 256 && drop * 2 > words.count {
            words.removeFirst(min(drop, words.count))
            origin += drop * 64
        }
    }
}
