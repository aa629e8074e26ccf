/// Spare storage for message bodies, for a reader that handles each message and lets it go (the
/// print thread of `messages`: every body is cut by a framer, printed, and dropped). Without it
/// each body costs an allocation when it is cut and a free when it is dropped (about 250
/// instructions together); with it, the storage of the body given back last holds the next one.
///
///   framer cuts a body ──► message ──► printed ──► `recycle` ──► the spare ──┐
///        ▲ (into the spare's storage, when it is large enough)               │
///        └───────────────────────────────────────────────────────────────────┘
///
/// One spare is enough: the stage hands each message to its receiver and gives the body back
/// before the framer cuts the next one. The framer uses it for a body it cuts whole from one
/// feed (when the spare can hold it: no growth), and as the buffer of a line or raw segment
/// that starts with nothing held (`MessageFramer.feed(_:at:segmentStart:bodies:into:)`). A body
/// collected over several feeds (split over segments) is the framer's own buffer, as without a
/// pool: a spare is never handed to a framer that waits for more bytes, so a claimed length
/// never makes it hold more storage than the bytes that came (see `MessageFramer`), with one
/// exception: a raw segment holds the spare until `endOfSegment`, which the stage calls right
/// after the feed.
///
/// Bounded: one spare of at most `maxCapacity` bytes' storage. A body given back replaces the
/// spare when it is larger (the smaller one is let go), so the spare grows to the bodies' usual
/// size; larger bodies are let go as before. Used by one thread at a time (not `Sendable`).
public final class BodyPool {
    /// The largest storage kept, in bytes: a chat message's body, or a raw segment's.
    public static let maxCapacity = 2048

    /// The spare: storage without bytes that count (its count is the last body's), or none.
    // One thread at a time (see the type's doc): no runtime exclusivity checks.
    @exclusivity(unchecked) var spare: [UInt8] = []

    public init() {}

    /// Whether a spare is held.
    public var hasSpare: Bool { spare.capacity > 0 }

    /// The spare, emptied, if there is one.
    @inline(__always)
    func take() -> [UInt8]? {
        guard spare.capacity > 0 else { return nil }
        var body: [UInt8] = []
        swap(&body, &spare)
        body.removeAll(keepingCapacity: true)
        return body
    }

    /// The bytes of `p` at `range` as a new body: in the spare's storage when it is large enough.
    @inline(__always)
    func copy(_ p: UnsafeRawBufferPointer, _ range: Range<Int>) -> [UInt8] {
        guard !range.isEmpty, spare.capacity >= range.count else { return p.copyBytes(range) }
        var body: [UInt8] = []
        swap(&body, &spare)
        body.replaceSubrange(body.indices, with: UnsafeBufferPointer(
            start: (p.baseAddress! + range.lowerBound).assumingMemoryBound(to: UInt8.self), count: range.count))
        return body
    }

    /// Takes the storage of a body that is no longer needed, when it is larger than the spare's
    /// (none is smallest) and not too large: it becomes the spare, and `body` is left with the
    /// old spare, for the caller to let go. So the spare grows to the bodies' usual size, and
    /// no storage is freed that would not have been. Give back only bodies that nothing else
    /// holds: a shared one is not freed by this, so reusing it takes new storage (correct,
    /// but an allocation where recycling meant to save one).
    @inline(__always)
    public func recycle(_ body: inout [UInt8]) {
        let capacity = body.capacity
        guard capacity > spare.capacity, capacity <= Self.maxCapacity else { return }
        swap(&spare, &body)  // moved, without a retain and a release
    }
}
