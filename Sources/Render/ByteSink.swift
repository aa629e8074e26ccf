import Wire

// An append-only byte buffer the renderers write into. Rendering is pure: the caller decides when
// and where the bytes go (stdout, a file, a test's string), so no renderer does I/O.

public struct ByteSink {
    public var bytes: [UInt8]

    public init(capacity: Int = 1 << 16) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// The contents as text (tests, small outputs).
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    @inline(__always)
    public mutating func byte(_ b: UInt8) { bytes.append(b) }

    @inline(__always)
    public mutating func write(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    public mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func decimal<T: BinaryInteger>(_ value: T) {
        if value < 0 {
            byte(UInt8(ascii: "-"))
            unsignedDecimal(UInt64(truncatingIfNeeded: 0 - Int64(value)))
        } else {
            unsignedDecimal(UInt64(value))
        }
    }

    public mutating func unsignedDecimal(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(truncatingIfNeeded: value) &+ 0x30)
            return
        }
        var digits = 1
        var t = value
        while t >= 10 { t /= 10; digits += 1 }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0x30, count: digits))
        var v = value
        var i = start + digits - 1
        while v > 0 {
            bytes[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
            v /= 10
            i -= 1
        }
    }

    /// `value` with exactly `width` digits, zero-padded (for times).
    public mutating func zeroPadded(_ value: Int, width: Int) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0x30, count: width))
        var v = value
        var i = start + width - 1
        while i >= start {
            bytes[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
            v /= 10
            i -= 1
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    public mutating func hexByte(_ b: UInt8) {
        bytes.append(Self.hexDigits[Int(b >> 4)])
        bytes.append(Self.hexDigits[Int(b & 0xf)])
    }

    /// `0x` followed by `digits` hex digits.
    public mutating func hex(_ value: UInt64, digits: Int) {
        write("0x")
        var i = digits - 1
        while i >= 0 {
            bytes.append(Self.hexDigits[Int(value >> UInt64(4 * i) & 0xf)])
            i -= 1
        }
    }

    /// RFC 3339 UTC time with every digit of the source's precision: `2026-11-27T05:16:36.000145Z`.
    public mutating func rfc3339(_ t: Timestamp) {
        let c = t.civil
        zeroPadded(c.year, width: 4)
        byte(UInt8(ascii: "-"))
        zeroPadded(c.month, width: 2)
        byte(UInt8(ascii: "-"))
        zeroPadded(c.day, width: 2)
        byte(UInt8(ascii: "T"))
        clock(t, civil: c)
        byte(UInt8(ascii: "Z"))
    }

    /// `HH:MM:SS.ffffff` (UTC), the fraction as precise as the source.
    public mutating func clock(_ t: Timestamp) { clock(t, civil: t.civil) }

    mutating func clock(_ t: Timestamp, civil c: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)) {
        zeroPadded(c.hour, width: 2)
        byte(UInt8(ascii: ":"))
        zeroPadded(c.minute, width: 2)
        byte(UInt8(ascii: ":"))
        zeroPadded(c.second, width: 2)
        byte(UInt8(ascii: "."))
        if t.fractionDigits >= 9 {
            zeroPadded(Int(t.nanoseconds), width: 9)
        } else {
            zeroPadded(Int(t.nanoseconds / 1000), width: 6)
        }
    }

    /// A JSON string literal, escaped per RFC 8259.
    public mutating func jsonString(_ s: String) {
        byte(UInt8(ascii: "\""))
        for b in s.utf8 {
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

    public mutating func hardwareAddress(_ a: HardwareAddress) {
        var i = 0
        while i < a.length {
            if i > 0 { byte(UInt8(ascii: ":")) }
            hexByte(UInt8(truncatingIfNeeded: a.value >> UInt64(8 * (a.length - 1 - i))))
            i += 1
        }
    }

    public mutating func ipv4(_ a: IPv4Address) {
        unsignedDecimal(UInt64(a.value >> 24))
        byte(UInt8(ascii: "."))
        unsignedDecimal(UInt64(a.value >> 16 & 0xff))
        byte(UInt8(ascii: "."))
        unsignedDecimal(UInt64(a.value >> 8 & 0xff))
        byte(UInt8(ascii: "."))
        unsignedDecimal(UInt64(a.value & 0xff))
    }

    public mutating func ipv6(_ a: IPv6Address) {
        if a == .loopback { write("::1"); return }
        write(a.description)
    }
}
