// Puts messages in DESIGN.md's order — stream by stream in index order, each stream's messages
// in the order they completed (byte order within each direction) — while streaming: the lowest
// unfinished stream prints as it goes, later streams are held until every stream before them has
// finished. UDP flows never end, so their datagrams are passed on as they come.
//
// What is held is the messages' rendered bytes, not the messages, so each message is freed at
// once (young objects are cheap to free; a million held ones were not). Held bytes are bounded
// (64 MB: room for JSON lines, which carry each body twice), and so is the set of streams that
// ended while an earlier one is still open; past either bound everything held is released in
// stream order and `orderBroken` is set, so memory stays bounded on any capture.

public struct StreamOrder {
    var next = 0
    var held: [Int: [UInt8]] = [:]
    var finished: Set<Int> = []
    public private(set) var heldBytes = 0
    public let limitBytes: Int
    /// True once the bound forced messages out before an earlier stream finished.
    public private(set) var orderBroken = false

    /// Streams ended while an earlier one is open, remembered at most (~40 bytes each).
    public let limitFinished: Int

    public init(limitBytes: Int = 64 << 20, limitFinished: Int = 200_000) {
        self.limitBytes = limitBytes
        self.limitFinished = limitFinished
    }

    /// True when a message of TCP stream `stream` (nil: a UDP datagram) can be written out now;
    /// otherwise render it and give the bytes to `hold`.
    @inline(__always)
    public func printsNow(_ stream: Int?) -> Bool {
        guard let s = stream else { return true }
        return s == next
    }

    /// Keeps the rendered bytes of a message of `stream` until the streams before it finished.
    /// `release` gets bytes that must be written now (when the bound was passed).
    public mutating func hold(_ stream: Int, _ bytes: UnsafeRawBufferPointer, release: (UnsafeRawBufferPointer) -> Void) {
        held[stream, default: []].append(contentsOf: bytes)
        heldBytes += bytes.count
        if heldBytes > limitBytes { releaseAll(breaking: true, release) }
    }

    /// `stream` ended in both directions: what waited for it is released.
    public mutating func finished(_ stream: Int, release: (UnsafeRawBufferPointer) -> Void) {
        guard stream >= next else { return }  // passed already (the order was broken)
        finished.insert(stream)
        if finished.count > limitFinished {
            // A port scan under one long stream: give up the order rather than remember more.
            releaseAll(breaking: true, release)
            next = max(next, (finished.max() ?? next) + 1)
            finished.removeAll()
            orderBroken = true
        }
        advance(release)
    }

    /// Moves past every stream that has ended, releasing what waited for each.
    mutating func advance(_ release: (UnsafeRawBufferPointer) -> Void) {
        while finished.contains(next) {
            finished.remove(next)
            next += 1
            if let bytes = held.removeValue(forKey: next) {
                heldBytes -= bytes.count
                bytes.withUnsafeBytes(release)
            }
        }
    }

    /// End of input: everything still held, TCP streams in index order.
    public mutating func finishAll(release: (UnsafeRawBufferPointer) -> Void) {
        releaseAll(breaking: false, release)
    }

    mutating func releaseAll(breaking: Bool, _ release: (UnsafeRawBufferPointer) -> Void) {
        if breaking && !held.isEmpty { orderBroken = true }
        let streams = held.keys.sorted()
        for s in streams { held[s]!.withUnsafeBytes(release) }
        held.removeAll()
        heldBytes = 0
        if breaking, let last = streams.last {
            next = max(next, last)
            finished = finished.filter { $0 >= next }
            advance(release)
        }
    }
}
