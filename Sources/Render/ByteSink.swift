import Wire

// An append-only byte buffer the renderers write into. Rendering is pure: the caller decides when
// and where the bytes go (stdout, a file, a test's string), so no renderer does I/O.

public final class ByteSink {
    // Hand-managed storage: the hot path appends millions of small pieces, and an Array would
    // pay a uniqueness check and a bounds check on each. `count <= capacity` always holds.
    // Exclusivity is not checked dynamically on these: the sink is used by one renderer at a
    // time, and the runtime check cost more than the rendering it guarded.
    @exclusivity(unchecked) private var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) public private(set) var count: Int
    // The text of the last second formatted by `clock`/`rfc3339` (frames come in time order,
    // so most frames reuse it).
    // Raw storage, not an Array: an Array in a class property costs a retain, a release and
    // a uniqueness check on every frame.
    @exclusivity(unchecked) private var cachedSecond: Int64 = .min
    private let cachedText = UnsafeMutablePointer<UInt8>.allocate(capacity: 19)

    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        self.base = .allocate(capacity: self.capacity)
        self.count = 0
    }

    deinit {
        base.deallocate()
        cachedText.deallocate()
    }

    public func removeAll() { count = 0 }

    /// True when more than `n` bytes are held. For other modules: their reads of `count` are
    /// checked for exclusivity at run time (a call to swift_beginAccess each), this one is not.
    public func holds(moreThan n: Int) -> Bool { count > n }

    /// The contents, valid during `body` only.
    public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// A copy of the contents.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// The contents as text (tests, small outputs).
    public var string: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    @inline(__always)
    func reserve(_ n: Int) {
        if capacity - count < n { grow(n) }
    }

    @inline(never)
    private func grow(_ n: Int) {
        let newCapacity = max(capacity * 2, count + n)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Up to `n` bytes written at the end through a pointer: `body` gets where to write and
    /// returns where it stopped. One capacity check for a piece made of many small ones whose
    /// total is bounded (a message's line), instead of one per piece.
    @inline(__always)
    func writing(upTo n: Int, _ body: (UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8>) {
        reserve(n)
        let start = base + count
        count += body(start) - start
    }

    @inline(__always)
    public func byte(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    @inline(__always)
    public func write(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        reserve(n)
        (base + count).update(from: s.utf8Start, count: n)
        count += n
    }

    /// Disfavoured: a string literal is a String by default, and without this every literal
    /// written (`out.write(" len ")`) went through String storage instead of `write(StaticString)`.
    @_disfavoredOverload
    public func write(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }

    public func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let p = bytes.baseAddress else { return }
        reserve(bytes.count)
        (base + count).update(from: p, count: bytes.count)
        count += bytes.count
    }

    public func append(_ bytes: UnsafeRawBufferPointer) {
        append(bytes.bindMemory(to: UInt8.self))
    }

    /// Any integer of up to 64 bits, Int64.min included (its magnitude, not its negation: a
    /// signed 8-byte length header can hold it).
    public func decimal<T: BinaryInteger>(_ value: T) {
        if value < 0 {
            byte(UInt8(ascii: "-"))
            unsignedDecimal(UInt64(truncatingIfNeeded: value.magnitude))
        } else {
            unsignedDecimal(UInt64(truncatingIfNeeded: value))
        }
    }

    /// "00" "01" … "99" as a literal, so reading it costs no lazy-initialisation check.
    private static let pairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// Decimal digits of `value`, without a loop of divisions: the number is cut into blocks
    /// of eight and four digits (constant divisions, each a multiply), and every two digits
    /// are one 16-bit copy from `pairs`. Ten digits (a sequence number; every frame prints
    /// several) take about thirty instructions.
    public func unsignedDecimal(_ value: UInt64) {
        reserve(20)
        let start = base + count
        count += Self.decimal(value, at: start) - start
    }

    /// `unsignedDecimal`'s digits at `p` (room for 20 is the caller's); returns the byte after.
    @inline(__always)
    static func decimal(_ value: UInt64, at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var p = start
        if value <= UInt64(UInt32.max) {
            p = Self.digits(UInt32(truncatingIfNeeded: value), at: p)
        } else {
            // 11 to 20 digits: what lies above the last eight (which may itself be above
            // UInt32: then the top up to four digits first), then blocks of eight.
            let high = value / 100_000_000, low = UInt32(truncatingIfNeeded: value - high * 100_000_000)
            if high <= UInt64(UInt32.max) {
                p = Self.digits(UInt32(truncatingIfNeeded: high), at: p)
            } else {
                let top = high / 100_000_000
                p = Self.digits(UInt32(truncatingIfNeeded: top), at: p)
                p = Self.eight(UInt32(truncatingIfNeeded: high - top * 100_000_000), at: p)
            }
            p = Self.eight(low, at: p)
        }
        return p
    }

    /// The digits of `v` (no leading zeros) at `p`; returns the byte after them.
    @inline(__always)
    private static func digits(_ v: UInt32, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        if v < 10_000 { return upToFour(v, at: p) }
        if v < 100_000_000 {
            let high = v / 10_000
            return four(v - high * 10_000, at: upToFour(high, at: p))
        }
        let high = v / 100_000_000
        return eight(v - high * 100_000_000, at: upToFour(high, at: p))
    }

    /// 0–9999 without leading zeros.
    @inline(__always)
    private static func upToFour(_ v: UInt32, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        if v < 10 {
            p[0] = UInt8(truncatingIfNeeded: v) &+ 0x30
            return p + 1
        }
        if v < 100 {
            pair(v, at: p)
            return p + 2
        }
        if v < 1000 {
            let h = v / 100
            p[0] = UInt8(truncatingIfNeeded: h) &+ 0x30
            pair(v - h * 100, at: p + 1)
            return p + 3
        }
        return four(v, at: p)
    }

    /// 0–99 999 999 as exactly eight digits.
    @inline(__always)
    private static func eight(_ v: UInt32, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let high = v / 10_000
        return four(v - high * 10_000, at: four(high, at: p))
    }

    /// 0–9999 as exactly four digits.
    @inline(__always)
    private static func four(_ v: UInt32, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let high = v / 100
        pair(high, at: p)
        pair(v - high * 100, at: p + 2)
        return p + 4
    }

    /// 0–99 as two digits, one 16-bit copy from the table.
    @inline(__always)
    private static func pair(_ v: UInt32, at p: UnsafeMutablePointer<UInt8>) {
        let two = UnsafeRawPointer(pairs.utf8Start).loadUnaligned(fromByteOffset: 2 * Int(v), as: UInt16.self)
        UnsafeMutableRawPointer(p).storeBytes(of: two, as: UInt16.self)
    }

    /// 0–255 in decimal at `p`, without the general path's digit count and divisions (an IPv4
    /// address is four of these, and every frame prints two addresses). Returns the byte after.
    @inline(__always)
    private static func octet(_ v: UInt32, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let table = pairs.utf8Start
        if v < 10 {
            p[0] = UInt8(truncatingIfNeeded: v) &+ 0x30
            return p + 1
        }
        if v < 100 {
            p[0] = table[2 * Int(v)]
            p[1] = table[2 * Int(v) + 1]
            return p + 2
        }
        let r = Int(v % 100)
        p[0] = UInt8(truncatingIfNeeded: v / 100) &+ 0x30
        p[1] = table[2 * r]
        p[2] = table[2 * r + 1]
        return p + 3
    }

    /// `value` with exactly `width` digits, zero-padded (for times).
    public func zeroPadded(_ value: Int, width: Int) {
        reserve(width)
        var v = value
        var i = count + width - 1
        let p = base, first = count
        if v >= 0 {
            // Two digits at a time from the table (a fraction of a second has six or nine).
            let table = Self.pairs.utf8Start
            while i > first {
                let r = v % 100
                v /= 100
                p[i - 1] = table[2 * r]
                p[i] = table[2 * r + 1]
                i -= 2
            }
        }
        while i >= first {
            p[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
            v /= 10
            i -= 1
        }
        count = first + width
    }

    @inline(__always)
    public func hexByte(_ b: UInt8) {
        reserve(2)
        let p = base + count
        p[0] = Self.hexDigit(b >> 4)
        p[1] = Self.hexDigit(b & 0xf)
        count += 2
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }

    /// `0x` followed by `digits` hex digits.
    public func hex(_ value: UInt64, digits: Int) {
        write("0x")
        var i = digits - 1
        while i >= 0 {
            byte(Self.hexDigit(UInt8(truncatingIfNeeded: value >> UInt64(4 * i) & 0xf)))
            i -= 1
        }
    }

    /// RFC 3339 UTC time with every digit of the source's precision: `2026-11-27T05:16:36.000145Z`.
    public func rfc3339(_ t: Timestamp) {
        dateAndTime(t.secondsAsRead)
        fraction(t)
        byte(UInt8(ascii: "Z"))
    }

    /// `HH:MM:SS.ffffff` (UTC), the fraction as precise as the source.
    public func clock(_ t: Timestamp) {
        let seconds = t.secondsAsRead
        if seconds == cachedSecond {
            // The time of day is the cached text's last 8 bytes.
            reserve(8)
            (base + count).update(from: cachedText + 11, count: 8)
            count += 8
        } else {
            let before = count
            dateAndTime(seconds)
            // Keep only the time of day: drop the date and "T" just written (8 bytes remain).
            let start = count - 8
            (base + before).update(from: base + start, count: 8)
            count = before + 8
        }
        fraction(t)
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS` for `seconds`, from a one-entry cache when it can.
    private func dateAndTime(_ seconds: Int64) {
        reserve(19)
        if seconds != cachedSecond {
            let start = count
            let c = Timestamp(seconds: seconds, nanoseconds: 0).civil
            if (0 ... 9999).contains(c.year) {
                zeroPadded(c.year, width: 4)
            } else {
                decimal(c.year)  // not RFC 3339 any more, but never a wrapped, wrong year
            }
            byte(UInt8(ascii: "-"))
            zeroPadded(c.month, width: 2)
            byte(UInt8(ascii: "-"))
            zeroPadded(c.day, width: 2)
            byte(UInt8(ascii: "T"))
            zeroPadded(c.hour, width: 2)
            byte(UInt8(ascii: ":"))
            zeroPadded(c.minute, width: 2)
            byte(UInt8(ascii: ":"))
            zeroPadded(c.second, width: 2)
            if count - start == 19 {
                cachedSecond = seconds
                cachedText.update(from: base + start, count: 19)
            }
            return
        }
        (base + count).update(from: cachedText, count: 19)
        count += 19
    }

    private func fraction(_ t: Timestamp) {
        byte(UInt8(ascii: "."))
        if let raw = t.fractionAsRead {
            // Impossible (≥ 1 s), shown as read: more digits than the precision has.
            decimal(Int(raw))
        } else if t.fractionDigits >= 9 {
            zeroPadded(Int(t.nanoseconds), width: 9)
        } else {
            zeroPadded(Int(t.nanoseconds / 1000), width: 6)
        }
    }

    /// A JSON array of names that need no escaping (enum raw values, option names): `["a","b"]`.
    public func jsonNames<S: Sequence>(_ items: S, _ name: (S.Element) -> String) {
        byte(UInt8(ascii: "["))
        var first = true
        for item in items {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            byte(UInt8(ascii: "\""))
            write(name(item))
            byte(UInt8(ascii: "\""))
        }
        byte(UInt8(ascii: "]"))
    }

    /// A JSON string literal from bytes known to be valid UTF-8 (no String is built).
    public func jsonUTF8(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { jsonEscaped($0) }
    }

    /// A JSON string literal, escaped per RFC 8259.
    public func jsonString(_ s: String) {
        var s = s
        s.withUTF8 { jsonEscaped($0) }
    }

    private func jsonEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        byte(UInt8(ascii: "\""))
        var i = 0
        let n = bytes.count
        while i < n {
            // A run that needs no escaping is copied at once.
            let runStart = i
            // Eight plain bytes at a time, then byte by byte up to the one to escape.
            if let raw = UnsafeRawPointer(bytes.baseAddress) {
                while i &+ 8 <= n, MessageLines.plainJSON(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { i &+= 8 }
            }
            while i < n, bytes[i] >= 0x20, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
            if i > runStart { append(UnsafeBufferPointer(rebasing: bytes[runStart ..< i])) }
            guard i < n else { break }
            let b = bytes[i]
            i += 1
            switch b {
            case UInt8(ascii: "\""): write("\\\"")
            case UInt8(ascii: "\\"): write("\\\\")
            case 0x0a: write("\\n")
            case 0x0d: write("\\r")
            case 0x09: write("\\t")
            case 0 ..< 0x20:
                write("\\u00")
                hexByte(b)
            default: byte(b)
            }
        }
        byte(UInt8(ascii: "\""))
    }

    /// "00" "01" … "ff" as a literal: a byte's two hex digits in one 16-bit copy.
    private static let hexPairs: StaticString = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

    public func hardwareAddress(_ a: HardwareAddress) {
        guard a.length > 0 else { return }
        reserve(3 * a.length)
        var p = base + count
        let table = UnsafeRawPointer(Self.hexPairs.utf8Start)
        var shift = 8 * (a.length - 1)
        while true {
            let b = Int(truncatingIfNeeded: a.value >> UInt64(shift)) & 0xff
            UnsafeMutableRawPointer(p).storeBytes(of: table.loadUnaligned(fromByteOffset: 2 * b, as: UInt16.self), as: UInt16.self)
            p += 2
            if shift == 0 { break }
            p[0] = UInt8(ascii: ":")
            p += 1
            shift -= 8
        }
        count = p - base
    }

    public func ipv4(_ a: IPv4Address) {
        reserve(15)
        var p = Self.octet(a.value >> 24, at: base + count)
        p[0] = UInt8(ascii: ".")
        p = Self.octet(a.value >> 16 & 0xff, at: p + 1)
        p[0] = UInt8(ascii: ".")
        p = Self.octet(a.value >> 8 & 0xff, at: p + 1)
        p[0] = UInt8(ascii: ".")
        p = Self.octet(a.value & 0xff, at: p + 1)
        count = p - base
    }

    public func ipv6(_ a: IPv6Address) {
        if a == .loopback { write("::1"); return }
        write(a.description)
    }
}

/// `value` with exactly three decimals, sign kept (`-1.500`, `0.042`), for durations and rates;
/// nil when it is not finite or its thousandths do not fit in an Int (the caller says what then).
public func threeDecimals(_ value: Double) -> String? {
    guard value.isFinite else { return nil }
    let thousandths = (abs(value) * 1000).rounded()
    guard thousandths < 9e15 else { return nil }
    let ms = Int(thousandths)
    let frac = String(ms % 1000)
    return (value < 0 ? "-" : "") + "\(ms / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
}
