// Puts messages in docs/DESIGN.md "Messages JSON"'s order — stream by stream in index order, each stream's messages
// in the order they completed — while streaming: the lowest unfinished stream prints as it goes,
// later streams are held until every stream before them has finished. UDP flows never end, so
// their datagrams are passed on as they come.
//
// What is held is bytes the caller makes of each message (its rendered line, or a compact record
// rendered when it is released: `Render.HeldLines`), not the messages, so each message is freed
// at once. Held bytes in memory are bounded (`limitBytes`); past the bound they go to a spill store
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
    /// Fills `buffer` with the bytes at `offset`; false when the store failed.
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Bool
}

public struct StreamOrder {
    var next = 0
    /// Bytes held in memory, by stream. A reference: one StreamOrder is used at a time
    /// (a copy would share what is held).
    let held = HeldChunks()
    /// Streams that ended while an earlier one was open, one bit each from `next`.
    var finished = DenseBits()
    public private(set) var heldBytes = 0
    public let limitBytes: Int
    /// Bytes the caller holds elsewhere for the same wait (`auto`'s undecided segments), set by
    /// the caller before it holds: they count against the same bound, down to an eighth of it
    /// kept for held output. Each budget filling on its own kept RSS within 64 MB; a capture that
    /// fills both (thousands of streams trickling bytes `auto` cannot frame) took 75 MB.
    public var sharedBytes = 0
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

    /// Held output kept in memory by default: 24 MiB, so that with the reassembly budget and the
    /// rest `messages` stays within 64 MB on the bench's hostile captures (issue 23).
    public static let defaultLimit = 24 << 20

    public init(limitBytes: Int = StreamOrder.defaultLimit, spill: SpillStore? = nil) {
        self.limitBytes = limitBytes
        self.spill = spill
    }

    /// True when a message of TCP stream `stream` (nil: a UDP datagram) can be written out now;
    /// otherwise give what is kept of it to `hold`.
    @inline(__always)
    public func printsNow(_ stream: Int?) -> Bool {
        guard let s = stream else { return true }
        return s == next
    }

    /// Keeps the bytes of a message of `stream` until the streams before it finished.
    /// `release` gets bytes that must be written now (past the bound, when nothing can be spilled).
    public mutating func hold(_ stream: Int, _ bytes: UnsafeRawBufferPointer, release: (UnsafeRawBufferPointer) -> Void) {
        held.append(stream, bytes)
        added(bytes.count, release)
    }

    /// `count` bytes more are held: past the bound, everything held goes to the spill store (or,
    /// without one, out of order).
    @inline(__always)
    mutating func added(_ count: Int, _ release: (UnsafeRawBufferPointer) -> Void) {
        heldBytes += count
        guard heldBytes > bound else { return }
        if !spillAll() { releaseAll(breaking: true, release) }
    }

    /// What may be held in memory now: the limit less what is held elsewhere, at least an eighth
    /// of it.
    @inline(__always)
    var bound: Int { max(limitBytes &- sharedBytes, limitBytes >> 3) }

    /// `hold` of the `count` bytes `write` writes at the pointer it gets (and returns the
    /// count of), written straight where they are kept instead of copied there.
    @inline(__always)
    public mutating func hold(_ stream: Int, count: Int, write: (UnsafeMutableRawPointer) -> Void,
                              release: (UnsafeRawBufferPointer) -> Void) {
        held.append(stream, count: count, write)
        added(count, release)
    }

    /// Cache hints for a message of `stream` to come (`MessageStage.consume(lending:after:ahead:)`):
    /// its list entry's slot (`near` false), then where its next bytes go (`near` true; with a
    /// thousand streams held, that line is in no cache when the message comes). Nothing changes.
    @inline(__always)
    public mutating func prefetch(_ stream: Int, near: Bool) {
        guard stream != next else { return }
        held.prefetch(stream, near: near)
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
        let last = max(held.streams.max() ?? -1, spillBase + tails.count - 1)
        if next <= last {
            for s in next...last { releaseStream(s, release) }
        }
        held.dropAll()
        heldBytes = 0
    }

    /// Writes out what waited for `stream`: its spilled records, then what is in memory.
    mutating func releaseStream(_ stream: Int, _ release: (UnsafeRawBufferPointer) -> Void) {
        if let spill, stream >= spillBase, stream - spillBase < tails.count, tails[stream - spillBase] >= 0 {
            // Walk the records back from the last, then write them first to last.
            var offsets: [(Int64, Int)] = []
            var at = tails[stream - spillBase]
            tails[stream - spillBase] = -1
            var head: (prev: Int64, count: Int64) = (-1, 0)
            while at >= 0, withUnsafeMutableBytes(of: &head, { spill.read(at: at, into: $0) }) {
                offsets.append((at + 16, Int(head.count)))
                at = head.prev
            }
            for (offset, count) in offsets.reversed() where held.readBack(spill, at: offset, count: count, release) {
                spilledBytes -= count
            }
            compactTails()
        }
        heldBytes -= held.release(stream, release)
    }

    /// Every stream held in memory to the spill store; false when there is none or it failed
    /// (then nothing moved that was not recorded).
    mutating func spillAll() -> Bool {
        guard let spill else { return false }
        var record = [UInt8]()
        for s in held.streams.sorted() {
            if s < spillBase {
                // Only reached when a stream below the base holds bytes: cannot happen (the base
                // only moves past released streams); keep it in memory.
                continue
            }
            if s - spillBase >= tails.count { tails.append(contentsOf: repeatElement(-1, count: s - spillBase - tails.count + 1)) }
            let count = held.count(of: s)
            record.removeAll(keepingCapacity: true)
            record.reserveCapacity(16 + count)
            withUnsafeBytes(of: tails[s - spillBase]) { record += $0 }
            withUnsafeBytes(of: Int64(count)) { record += $0 }
            held.forEachPiece(of: s) { record += $0.assumingMemoryBound(to: UInt8.self) }
            guard let offset = spill.append(record) else { return false }
            tails[s - spillBase] = offset
            spilledBytes += count
            heldBytes -= held.release(s) { _ in }
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
        for s in held.streams.sorted() { _ = held.release(s, release) }
        heldBytes = 0
    }
}

/// The bytes held for each stream, as a list of chunks: appending never copies what is already
/// held (an array that grows copies it again at each doubling), and a released chunk goes to a
/// free list for the next stream instead of back to the allocator. A stream's chunks double in
/// size from 256 bytes up to 16 KiB, so a stream holding little wastes little and one holding
/// much takes few chunks. A chunk is a 16-byte header — the next chunk (0: none), the bytes used
/// (32 bits) and its size class (32 bits: 256 << class bytes in all) — then the bytes. The last
/// chunk's fill and room are kept in the stream's list entry instead, and written to its header
/// only when the chunk is left or read: with a thousand streams held, a chunk's header is rarely
/// in the cache when the next message comes, and reading it there cost a miss per message.
final class HeldChunks {
    struct List {
        var head: UnsafeMutableRawPointer
        var tail: UnsafeMutableRawPointer
        var count: Int
        /// Bytes used in `tail`, and its room for bytes (its size less the header).
        var tailUsed: Int32
        var tailRoom: Int32
        var tailClass: Int32

        /// A list of one empty chunk (just taken: its header is in the cache).
        init(_ chunk: UnsafeMutableRawPointer) {
            head = chunk
            tail = chunk
            count = 0
            tailUsed = 0
            tailRoom = 0
            tailClass = 0
            startTail(chunk)
        }

        /// Makes `chunk`, just taken and empty, the tail.
        @inline(__always) mutating func startTail(_ chunk: UnsafeMutableRawPointer) {
            tail = chunk
            tailUsed = 0
            tailClass = HeldChunks.sizeClass(chunk)
            tailRoom = Int32(truncatingIfNeeded: (256 << Int(tailClass)) - HeldChunks.header)
        }

        /// Writes the tail's fill to its header, so a walk of the list reads every chunk's.
        @inline(__always) func sealTail() {
            tail.storeBytes(of: tailUsed, toByteOffset: 8, as: Int32.self)
        }
    }

    static let header = 16
    static let largestClass: Int32 = 6

    @exclusivity(unchecked) var lists = IntMap<List>()
    /// Free chunks of each size class, each list linked through the chunks' headers.
    let free = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: Int(HeldChunks.largestClass) + 1)

    init() { free.initialize(repeating: nil, count: Int(Self.largestClass) + 1) }

    deinit {
        dropAll()
        for c in 0 ... Int(Self.largestClass) {
            var chunk = free[c]
            while let p = chunk {
                chunk = Self.next(p)
                p.deallocate()
            }
        }
        free.deallocate()
        readBuffer?.deallocate()
    }

    var isEmpty: Bool { lists.isEmpty }

    /// The streams holding bytes, in no particular order.
    var streams: [Int] { lists.allKeys }

    func count(of stream: Int) -> Int { lists[stream]?.count ?? 0 }

    @inline(__always) static func next(_ chunk: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        chunk.load(as: UnsafeMutableRawPointer?.self)
    }

    @inline(__always) static func used(_ chunk: UnsafeMutableRawPointer) -> Int {
        Int(chunk.load(fromByteOffset: 8, as: Int32.self))
    }

    @inline(__always) static func sizeClass(_ chunk: UnsafeMutableRawPointer) -> Int32 {
        chunk.load(fromByteOffset: 12, as: Int32.self)
    }

    /// An empty chunk of class `wanted`, or of a larger one already free, or a new one.
    func take(_ wanted: Int32) -> UnsafeMutableRawPointer {
        var c = wanted
        while c <= Self.largestClass {
            if let p = free[Int(c)] {
                free[Int(c)] = Self.next(p)
                return Self.reset(p, c)
            }
            c += 1
        }
        return Self.reset(.allocate(byteCount: 256 << Int(wanted), alignment: 16), wanted)
    }

    @inline(__always) static func reset(_ p: UnsafeMutableRawPointer, _ sizeClass: Int32) -> UnsafeMutableRawPointer {
        p.storeBytes(of: nil, as: UnsafeMutableRawPointer?.self)
        p.storeBytes(of: 0, toByteOffset: 8, as: Int32.self)
        p.storeBytes(of: sizeClass, toByteOffset: 12, as: Int32.self)
        return p
    }

    /// `bytes` after what `stream` holds.
    func append(_ stream: Int, _ bytes: UnsafeRawBufferPointer) {
        guard var from = bytes.baseAddress, bytes.count > 0 else { return }
        var left = bytes.count
        lists.update(stream, default: { List(take(0)) }) { list in
            list.count += left
            while true {
                let used = Int(list.tailUsed)
                let n = min(Int(list.tailRoom) - used, left)
                (list.tail + Self.header + used).copyMemory(from: from, byteCount: n)
                list.tailUsed = Int32(truncatingIfNeeded: used + n)
                left -= n
                if left == 0 { break }
                from += n
                list.sealTail()
                let next = take(min(list.tailClass + 1, Self.largestClass))
                list.tail.storeBytes(of: next, as: UnsafeMutableRawPointer?.self)
                list.startTail(next)
            }
        }
    }

    /// See `StreamOrder.prefetch`.
    @inline(__always)
    func prefetch(_ stream: Int, near: Bool) {
        guard near else { return lists.prefetchSlot(stream) }
        guard let list = lists.homeValue(stream) else { return }
        prefetchLines(list.tail + Self.header + Int(list.tailUsed), bytes: 64)
    }

    /// `count` bytes after what `stream` holds, written by `write` at the pointer it gets: in
    /// one piece, so the tail chunk is left early (its room unused) when they do not fit in it.
    @inline(__always)
    func append(_ stream: Int, count: Int, _ write: (UnsafeMutableRawPointer) -> Void) {
        lists.update(stream, default: { List(take(Self.sizeClass(fitting: count))) }) { list in
            list.count += count
            var used = Int(list.tailUsed)
            if Int(list.tailRoom) - used < count {
                list.sealTail()
                let next = take(max(min(list.tailClass + 1, Self.largestClass), Self.sizeClass(fitting: count)))
                list.tail.storeBytes(of: next, as: UnsafeMutableRawPointer?.self)
                list.startTail(next)
                used = 0
            }
            write(list.tail + Self.header + used)
            list.tailUsed = Int32(truncatingIfNeeded: used + count)
        }
    }

    /// The smallest size class whose chunks hold `count` bytes (`count` must fit in the largest).
    @inline(__always)
    static func sizeClass(fitting count: Int) -> Int32 {
        var c: Int32 = 0
        while (256 << Int(c)) - header < count { c += 1 }
        return c
    }

    /// Each piece of what `stream` holds, first to last.
    func forEachPiece(of stream: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard let list = lists[stream] else { return }
        list.sealTail()
        var chunk: UnsafeMutableRawPointer? = list.head
        while let p = chunk {
            body(UnsafeRawBufferPointer(start: p + Self.header, count: Self.used(p)))
            chunk = Self.next(p)
        }
    }

    /// Gives what `stream` holds to `body`, piece by piece, and forgets it; its byte count.
    func release(_ stream: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Int {
        guard let list = lists.removeValue(forKey: stream) else { return 0 }
        list.sealTail()
        var chunk: UnsafeMutableRawPointer? = list.head
        while let p = chunk {
            body(UnsafeRawBufferPointer(start: p + Self.header, count: Self.used(p)))
            chunk = Self.next(p)
            let c = Int(Self.sizeClass(p))
            p.storeBytes(of: free[c], as: UnsafeMutableRawPointer?.self)
            free[c] = p
        }
        return list.count
    }

    /// The buffer spilled records are read back through, a piece at a time (made on first use).
    static let readSize = 1 << 16
    var readBuffer: UnsafeMutableRawBufferPointer?

    /// Gives the `count` spilled bytes at `offset` to `body`, piece by piece; false when the
    /// store failed (the rest of them is skipped).
    func readBack(_ spill: SpillStore, at offset: Int64, count: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let buffer = readBuffer ?? .allocate(byteCount: Self.readSize, alignment: 16)
        readBuffer = buffer
        var done = 0
        while done < count {
            let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[0 ..< min(Self.readSize, count - done)])
            guard spill.read(at: offset + Int64(done), into: piece) else { return false }
            body(UnsafeRawBufferPointer(piece))
            done += piece.count
        }
        return true
    }

    /// Forgets everything held, unwritten.
    func dropAll() {
        for s in streams { _ = release(s) { _ in } }
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
