// The bytes of one `.data` event: a slice of a shared chunk that the reassembler fills segment
// after segment, so delivering a segment costs a copy into the chunk and a retain of it, not an
// array of its own (an allocation on the reading thread and a free when the event goes).
//
//   chunk (64 KiB, tail-allocated, never moves):
//   | seg 1 | seg 2 | seg 3 | ...                              free |
//     ^ an event's SegmentBytes: (chunk, first byte, count), read-only
//
// A chunk lives as long as its last event; `SegmentArena` appends to one chunk until it is full,
// then starts another (or reuses the full one, when no event refers to it any more). A segment
// larger than an eighth of a chunk gets a chunk of its own, so at most an eighth of a chunk is
// left unused. Whatever is kept long (the reassembler's tail, held or replayed bytes) is copied
// out, so no chunk stays alive for a few bytes.

/// A chunk's storage: its bytes follow the header (the capacity) in the same allocation. Also
/// the storage of the reassembler's retained tails (HalfStream.tail), which are never shared.
@usableFromInline final class SegmentChunk: ManagedBuffer<Int, UInt8> {
    /// A chunk of at least `capacity` bytes, uninitialised (only written parts are ever read).
    static func make(_ capacity: Int) -> SegmentChunk {
        let b = create(minimumCapacity: capacity) { _ in capacity }
        return unsafeDowncast(b, to: SegmentChunk.self)
    }

    /// Bytes it holds (its header; read through a pointer, without the exclusivity check that
    /// reading `header` costs).
    var size: Int { withUnsafeMutablePointerToHeader { $0.pointee } }

    /// The first byte. Stable for the chunk's life: the storage is tail-allocated in the object
    /// and is never moved or resized.
    @inlinable var base: UnsafeMutablePointer<UInt8> {
        withUnsafeMutablePointerToElements { $0 }
    }
}

/// Read-only bytes of a `.data` event (see the top of this file). A collection of `UInt8`
/// compared and hashed by contents, like the array it replaces; `withUnsafeBytes` reads them in
/// place.
///
/// `@unchecked Sendable`: the chunk is shared between threads (the reading thread appends to it
/// while the print thread reads the events it already handed over), which is safe because a
/// chunk's bytes never move (tail-allocated in a class instance, never resized) and a region is
/// written once, before any `SegmentBytes` refers to it, and never again while one does: the
/// arena writes only past every region it handed out, and restarts at the beginning of a chunk
/// only when `isKnownUniquelyReferenced` says no `SegmentBytes` is left (the same check Array's
/// copy-on-write relies on across threads: the release by the last other owner is ordered
/// before the check sees the count drop to one). A `SegmentBytes` itself is immutable.
public struct SegmentBytes: @unchecked Sendable {
    /// Keeps the bytes alive; nil when empty.
    @usableFromInline let owner: SegmentChunk?
    /// The first byte (in `owner`), so reading them needs no access to the chunk.
    @usableFromInline let base: UnsafePointer<UInt8>?
    public let count: Int

    init(owner: SegmentChunk, base: UnsafePointer<UInt8>, count: Int) {
        self.owner = owner
        self.base = base
        self.count = count
    }

    /// No bytes.
    public init() {
        owner = nil
        base = nil
        count = 0
    }

    /// A copy of `bytes`, in a chunk of its own.
    public init(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, let src = bytes.baseAddress else {
            self.init()
            return
        }
        let c = SegmentChunk.make(bytes.count)
        c.base.initialize(from: src.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        self.init(owner: c, base: c.base, count: bytes.count)
    }

    /// A copy of `bytes`, in a chunk of its own.
    public init(_ bytes: some Sequence<UInt8>) {
        let a = Array(bytes)
        self = a.withUnsafeBytes { SegmentBytes($0) }
    }

    /// Reads the bytes in place; the pointer is valid during the call only.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        defer { _fixLifetime(owner) }
        return try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// The bytes as an array (a copy).
    public var array: [UInt8] { withUnsafeBytes { [UInt8]($0) } }
}

extension SegmentBytes: RandomAccessCollection {
    public typealias Index = Int
    public typealias Indices = Range<Int>

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }
    @inlinable public var isEmpty: Bool { count == 0 }

    @inlinable
    public subscript(i: Int) -> UInt8 {
        precondition(i >= 0 && i < count, "SegmentBytes: index out of range")
        defer { _fixLifetime(owner) }
        return base.unsafelyUnwrapped[i]
    }

    @inlinable
    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        defer { _fixLifetime(owner) }
        return try body(UnsafeBufferPointer(start: base, count: count))
    }
}

extension SegmentBytes: Hashable {
    public static func == (a: SegmentBytes, b: SegmentBytes) -> Bool {
        guard a.count == b.count else { return false }
        if a.count == 0 || a.base == b.base { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

extension SegmentBytes: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: UInt8...) {
        self.init(elements)
    }
}

extension SegmentBytes: CustomStringConvertible {
    /// Like an array's: `[1, 2, 3]`.
    public var description: String { array.description }
}

/// Where the reassembler copies delivered bytes: chunks filled one after the other (see the top
/// of this file). One arena belongs to one reassembler, on one thread.
struct SegmentArena {
    /// Bytes per chunk.
    static let chunkSize = 64 << 10
    /// Larger segments get a chunk of their own (one allocation among thousands of bytes), so
    /// the space a full chunk leaves unused is less than this: at most an eighth of it.
    static let ownChunkAbove = chunkSize / 8

    private var chunk: SegmentChunk?
    /// Bytes of `chunk` handed out (the next copy goes there).
    private var used = 0

    /// A copy of `bytes` as event bytes.
    @inline(__always)
    mutating func copy(_ bytes: UnsafeRawBufferPointer) -> SegmentBytes {
        let n = bytes.count
        guard n > 0, let src = bytes.baseAddress else { return SegmentBytes() }
        if n > Self.ownChunkAbove { return SegmentBytes(bytes) }
        if chunk == nil || used + n > Self.chunkSize {
            // A full chunk no event refers to any more is reused as it is.
            if chunk == nil || !isKnownUniquelyReferenced(&chunk!) { chunk = SegmentChunk.make(Self.chunkSize) }
            used = 0
        }
        let c = chunk.unsafelyUnwrapped
        let at = c.base + used
        at.initialize(from: src.assumingMemoryBound(to: UInt8.self), count: n)
        let out = SegmentBytes(owner: c, base: at, count: n)
        used += n
        return out
    }
}
