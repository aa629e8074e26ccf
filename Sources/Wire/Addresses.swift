// Link and network addresses as plain values; text forms follow docs/DESIGN.md "Per-frame JSON" (lower-case colon hex
// MACs, dotted IPv4, RFC 5952 IPv6).

/// A hardware address of up to 8 bytes (Ethernet's 6, SLL's up to 8).
public struct HardwareAddress: Sendable, Hashable, BitwiseCopyable, CustomStringConvertible {
    /// Bytes, most significant first, right-aligned in the low `length` bytes.
    public var value: UInt64
    public var length: Int

    public init(value: UInt64, length: Int) {
        self.value = value
        self.length = length
    }

    /// Reads `length` bytes (0...8) at `offset`; nil when they are not there.
    public init?(_ r: ByteReader, at offset: Int, length: Int) {
        guard length >= 0, length <= 8, r.has(length, at: offset) else { return nil }
        var v: UInt64 = 0
        for i in 0 ..< length {
            guard let b = r.u8(offset + i) else { return nil }
            v = v << 8 | UInt64(b)
        }
        self.value = v
        self.length = length
    }

    public var isZero: Bool { value == 0 }

    public var description: String {
        var s = ""
        s.reserveCapacity(length * 3)
        for i in 0 ..< length {
            let b = UInt8(truncatingIfNeeded: value >> UInt64(8 * (length - 1 - i)))
            if i > 0 { s.append(":") }
            s.append(hexDigit(b >> 4))
            s.append(hexDigit(b & 0xf))
        }
        return s
    }
}

@inline(__always)
func hexDigit(_ nibble: UInt8) -> Character {
    Character(Unicode.Scalar(nibble < 10 ? 0x30 + nibble : 0x57 + nibble))
}

/// An IPv4 address, host-order integer of the four bytes.
public struct IPv4Address: Sendable, Hashable, BitwiseCopyable, Comparable, CustomStringConvertible {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }
    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }
    public var isLoopback: Bool { value >> 24 == 127 }
    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }
}

/// An IPv6 address as two 64-bit halves, most significant first.
public struct IPv6Address: Sendable, Hashable, BitwiseCopyable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
    public static func < (a: IPv6Address, b: IPv6Address) -> Bool { (a.high, a.low) < (b.high, b.low) }
    public static let loopback = IPv6Address(high: 0, low: 1)

    /// The eight 16-bit groups.
    public var groups: [UInt16] {
        (0 ..< 8).map { i in
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> UInt64(48 - 16 * (i % 4)))
        }
    }

    /// RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`
    /// (the first one on a tie), IPv4-mapped addresses in dotted form.
    public var description: String {
        let g = groups
        if g[0] == 0, g[1] == 0, g[2] == 0, g[3] == 0, g[4] == 0, g[5] == 0xffff {
            return "::ffff:\(IPv4Address(UInt32(g[6]) << 16 | UInt32(g[7])))"
        }
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8, g[j] == 0 { j += 1 }
                if j - i > bestLen { bestStart = i; bestLen = j - i }
                i = j
            } else {
                i += 1
            }
        }
        if bestLen < 2 { bestStart = -1 }
        var s = ""
        var k = 0
        while k < 8 {
            if k == bestStart {
                s += "::"
                k += bestLen
                continue
            }
            if !s.isEmpty, !s.hasSuffix(":") { s += ":" }
            s += String(g[k], radix: 16)
            k += 1
        }
        return s
    }
}

/// Either family, for places that take both.
public enum IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)
    public var description: String {
        switch self {
        case .v4(let a): return a.description
        case .v6(let a): return a.description
        }
    }
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): return x < y
        case (.v6(let x), .v6(let y)): return x < y
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }
}
