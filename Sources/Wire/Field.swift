// Field tables: where each header keeps its fields, written once per header (the way smoltcp's
// `wire` modules declare `field::SRC_PORT: Field = 0..2`).
//
// Each header declares a nested `enum Field: FieldTable` whose cases name its fixed fields and
// whose `bytes` gives each one's byte range from the header's first byte. The dissector reads
// through the names (`r.u16(TCPHeader.Field.sourcePort)`), and a header cut by the capture
// answers `has(.ttl)` for the printers, so no offset is written twice. The ranges are constants
// behind an inlinable switch: a release build folds `has(.ttl)` into one comparison.

/// A header's table of named byte ranges.
public protocol FieldTable: CaseIterable, Sendable {
    /// The field's bytes, counted from the header's first byte.
    var bytes: Range<Int> { get }
}

/// A header the capture may cut: it knows how many of its bytes were captured, and so which of
/// its fields a printer may show.
public protocol CapturedHeader {
    associatedtype Field: FieldTable
    /// How many bytes of the fixed header were captured; the fields past that point read as zero.
    var capturedHeaderLength: Int { get }
}

extension CapturedHeader {
    /// True when the field's bytes were captured.
    @inlinable
    public func has(_ field: Field) -> Bool { field.bytes.upperBound <= capturedHeaderLength }

    /// True when the `count` bytes at `offset` were captured.
    @inlinable
    public func has(_ offset: Int, _ count: Int) -> Bool { offset + count <= capturedHeaderLength }
}

extension IPv4Header: CapturedHeader {}
extension IPv6Header: CapturedHeader {}
extension ICMPHeader: CapturedHeader {}
extension UDPHeader: CapturedHeader {}
extension TCPHeader: CapturedHeader {}

extension ByteReader {
    // Reads at a field's first byte. Each field is read at the width its table gives it; a
    // field narrower than the read is a mistake caught by the table tests, not here.

    @inline(__always)
    func u8<F: FieldTable>(_ f: F) -> UInt8? { u8(f.bytes.lowerBound) }

    @inline(__always)
    func u16<F: FieldTable>(_ f: F) -> UInt16? { u16(f.bytes.lowerBound) }

    @inline(__always)
    func u32<F: FieldTable>(_ f: F) -> UInt32? { u32(f.bytes.lowerBound) }

    @inline(__always)
    func u64<F: FieldTable>(_ f: F) -> UInt64? { u64(f.bytes.lowerBound) }

    // Reads of a field of a fixed header the caller has found whole (`count` ≥ its length, so
    // every field of its table is there): no check per field, for the headers of every frame.

    @inline(__always)
    func u8<F: FieldTable>(whole f: F) -> UInt8 { base[start + f.bytes.lowerBound] }

    @inline(__always)
    func u16<F: FieldTable>(whole f: F) -> UInt16 { u16(wholeAt: f.bytes.lowerBound) }

    @inline(__always)
    func u32<F: FieldTable>(whole f: F) -> UInt32 { u32(wholeAt: f.bytes.lowerBound) }

    @inline(__always)
    private func u16(wholeAt offset: Int) -> UInt16 {
        UInt16(bigEndian: base.loadUnaligned(fromByteOffset: start + offset, as: UInt16.self))
    }

    @inline(__always)
    private func u32(wholeAt offset: Int) -> UInt32 {
        UInt32(bigEndian: base.loadUnaligned(fromByteOffset: start + offset, as: UInt32.self))
    }

    /// The 6-byte address (a MAC) filling the field `f` of a whole header.
    @inline(__always)
    func mac48<F: FieldTable>(whole f: F) -> HardwareAddress {
        let o = f.bytes.lowerBound
        return HardwareAddress(value: UInt64(u32(wholeAt: o)) << 16 | UInt64(u16(wholeAt: o + 4)), length: 6)
    }
}

extension HardwareAddress {
    /// The address filling the field `f` (nil when its bytes are not there).
    @inline(__always)
    init?<F: FieldTable>(_ r: ByteReader, _ f: F) {
        if f.bytes.count == 6 {
            // A MAC (Ethernet's, on every frame): two reads, inlined.
            let o = f.bytes.lowerBound
            guard let hi = r.u32(o), let lo = r.u16(o + 4) else { return nil }
            self.init(value: UInt64(hi) << 16 | UInt64(lo), length: 6)
        } else {
            self.init(r, at: f.bytes.lowerBound, length: f.bytes.count)
        }
    }
}
