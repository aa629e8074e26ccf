// The layers of one decoded frame, in slots reused from frame to frame.

/// The layers of a decoded frame, in OSI order, in a buffer of slots with their count kept
/// apart. The dissector resets a frame once (the only check that its buffer is not shared with
/// a copy of the frame) and then writes each layer into its slot; an `Array` paid a uniqueness
/// check on every append and on every removal, and the reset removed the layers one by one.
/// Copying a frame shares the buffer (copy on write, as an array's): it is written only while
/// this value holds it alone, hence `@unchecked Sendable`.
public struct DecodedLayers: RandomAccessCollection, @unchecked Sendable, Hashable {
    @usableFromInline var storage: LayerSlots
    public private(set) var count: Int
    /// The buffer's slots (kept here: read from the buffer's header, each was an access
    /// checked at run time).
    private var capacity: Int

    public init() {
        capacity = LayerSlots.initialCapacity
        storage = LayerSlots.make(capacity: capacity)
        count = 0
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }

    @inlinable public subscript(i: Int) -> DecodedLayer {
        get {
            precondition(i >= 0 && i < count, "layer index out of range")
            return storage.withUnsafeMutablePointerToElements { $0[i] }
        }
        set { replace(at: i, with: newValue) }
    }

    /// Hands `body` the layers where they lie (none copied).
    @inlinable @inline(__always)
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<DecodedLayer>) -> R) -> R {
        let n = count
        return storage.withUnsafeMutablePointerToElements { body(UnsafeBufferPointer(start: $0, count: n)) }
    }

    /// Removes every layer, and makes the buffer this value's alone: the decoders' `append`
    /// relies on it. A few instructions (the layers are plain bytes, nothing to destroy).
    @inline(__always)
    mutating func removeAll() {
        count = 0
        if !isKnownUniquelyReferenced(&storage) { storage = LayerSlots.make(capacity: capacity) }
    }

    /// Adds `layer` after the others, written into its slot without a uniqueness check: for the
    /// dissector, between the `removeAll()` that starts a frame and the end of its decoding
    /// (nothing copies the frame in between), or on a value made here.
    @inline(__always)
    mutating func append(_ layer: DecodedLayer) {
        if count == capacity { grow() }
        storage.withUnsafeMutablePointerToElements { $0[count] = layer }
        count += 1
    }

    /// `append` for any caller: the buffer is first made this value's alone.
    mutating func appendChecked(_ layer: DecodedLayer) {
        if !isKnownUniquelyReferenced(&storage) { copyStorage(capacity: capacity) }
        append(layer)
    }

    /// The subscript's setter: the buffer is first made this value's alone.
    @usableFromInline mutating func replace(at i: Int, with layer: DecodedLayer) {
        precondition(i >= 0 && i < count, "layer index out of range")
        if !isKnownUniquelyReferenced(&storage) { copyStorage(capacity: capacity) }
        storage.withUnsafeMutablePointerToElements { $0[i] = layer }
    }

    /// Removes the last layer (there must be one).
    public mutating func removeLast() {
        precondition(count > 0, "no layer to remove")
        count -= 1
    }

    /// Twice the slots, the layers moved over (a frame with stacked VLAN tags).
    private mutating func grow() { copyStorage(capacity: 2 * capacity) }

    private mutating func copyStorage(capacity: Int) {
        let bigger = LayerSlots.make(capacity: capacity)
        let n = count
        storage.withUnsafeMutablePointerToElements { from in
            bigger.withUnsafeMutablePointerToElements { $0.initialize(from: from, count: n) }
        }
        storage = bigger
        self.capacity = capacity
    }

    public static func == (a: DecodedLayers, b: DecodedLayers) -> Bool { a.elementsEqual(b) }

    public func hash(into h: inout Hasher) {
        h.combine(count)
        for l in self { h.combine(l) }
    }
}

/// The slots of `DecodedLayers` (the header is unused: `DecodedLayers.capacity` says how many).
/// Layers are plain bytes (`BitwiseCopyable`): the slots need no deinitialising.
@usableFromInline final class LayerSlots: ManagedBuffer<Int, DecodedLayer> {
    /// An Ethernet, IP, transport and data stack.
    static let initialCapacity = 4

    static func make(capacity: Int) -> LayerSlots {
        unsafeDowncast(LayerSlots.create(minimumCapacity: capacity) { _ in 0 }, to: LayerSlots.self)
    }
}
