// TCP sequence numbers (RFC 9293 §3.4): 32-bit values compared modulo 2^32.
//
// As in smoltcp's `SeqNumber` (src/wire/tcp.rs) and gopacket's `Sequence.Difference`, two
// sequence numbers are ordered by their wrapping difference read as a signed 32-bit value, so
// 0xFFFF_FFF0 comes before 0x0000_0010. That order is not transitive over the whole circle, which
// is why this type is not `Comparable` (sorting with it would be wrong); it offers the comparisons
// a protocol needs instead. Nothing here traps: every operation wraps.

public struct SequenceNumber: Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt32

    @inline(__always) public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Signed distance from `self` to `other`, in -2^31 ..< 2^31: positive when `other` comes after.
    @inline(__always) public func distance(to other: SequenceNumber) -> Int64 {
        Int64(Int32(bitPattern: other.rawValue &- rawValue))
    }

    /// `self + n` modulo 2^32.
    @inline(__always) public func advanced(by n: Int64) -> SequenceNumber {
        SequenceNumber(rawValue &+ UInt32(truncatingIfNeeded: n))
    }

    @inline(__always) public static func < (a: SequenceNumber, b: SequenceNumber) -> Bool { a.distance(to: b) > 0 }
    @inline(__always) public static func <= (a: SequenceNumber, b: SequenceNumber) -> Bool { a.distance(to: b) >= 0 }
    @inline(__always) public static func > (a: SequenceNumber, b: SequenceNumber) -> Bool { b < a }
    @inline(__always) public static func >= (a: SequenceNumber, b: SequenceNumber) -> Bool { b <= a }

    public var description: String { String(rawValue) }
}
