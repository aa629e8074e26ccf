// The one way this module reads packet bytes: bounds-checked, big-endian by default, non-owning.

/// A non-owning window on packet bytes. Every accessor checks bounds and returns nil when the
/// bytes are not there; no accessor can trap on data. Offsets are relative to the window.
public struct ByteReader {
    public let base: UnsafeRawBufferPointer
    /// Absolute offset of this window inside `base` (so payload ranges can be reported per frame).
    public let start: Int
    public let count: Int

    public init(_ base: UnsafeRawBufferPointer) {
        self.base = base
        self.start = 0
        self.count = base.count
    }

    init(base: UnsafeRawBufferPointer, start: Int, count: Int) {
        self.base = base
        self.start = start
        self.count = count
    }

    /// Absolute range of this window in the frame.
    public var range: Range<Int> { start ..< start + count }

    /// True when `length` bytes exist at `offset` (overflow-safe: both are non-negative and
    /// compared by subtraction).
    @inline(__always)
    public func has(_ length: Int, at offset: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= count && length <= count - offset
    }

    @inline(__always)
    public func u8(_ offset: Int) -> UInt8? {
        guard has(1, at: offset) else { return nil }
        return base[start + offset]
    }

    @inline(__always)
    public func u16(_ offset: Int) -> UInt16? {
        guard has(2, at: offset) else { return nil }
        let p = start + offset
        return UInt16(base[p]) << 8 | UInt16(base[p + 1])
    }

    @inline(__always)
    public func u32(_ offset: Int) -> UInt32? {
        guard has(4, at: offset) else { return nil }
        let p = start + offset
        return UInt32(base[p]) << 24 | UInt32(base[p + 1]) << 16 | UInt32(base[p + 2]) << 8 | UInt32(base[p + 3])
    }

    @inline(__always)
    public func u64(_ offset: Int) -> UInt64? {
        guard let hi = u32(offset), let lo = u32(offset + 4) else { return nil }
        return UInt64(hi) << 32 | UInt64(lo)
    }

    /// A sub-window; nil when it does not fit.
    public func window(_ offset: Int, _ length: Int) -> ByteReader? {
        guard has(length, at: offset) else { return nil }
        return ByteReader(base: base, start: start + offset, count: length)
    }

    /// The window from `offset` to the end (empty when `offset` is past it).
    public func suffix(from offset: Int) -> ByteReader {
        let o = min(max(offset, 0), count)
        return ByteReader(base: base, start: start + o, count: count - o)
    }

    /// The first `length` bytes, clipped to what exists.
    public func prefix(_ length: Int) -> ByteReader {
        ByteReader(base: base, start: start, count: min(max(length, 0), count))
    }

    /// The bytes of the window as a raw buffer (for checksums and copying).
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: base[start ..< start + count])
    }
}
