// The Internet checksum (RFC 1071) and the TCP/UDP pseudo-header (RFC 793 §3.1, RFC 8200 §8.1).

public enum InternetChecksum {
    /// One's-complement sum of `bytes` as big-endian 16-bit words (odd tail padded with zero),
    /// folded to 16 bits. Not complemented.
    @inline(__always)
    public static func sum(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        #if _endian(little)
        if bytes.count == 20, let p = bytes.baseAddress { return fold(rawSum20(p)) }
        #endif
        return fold(rawSum(bytes))
    }

    #if _endian(little)
    /// `rawSum` of 20 bytes (an IPv4 header without options, on nearly every frame), inlined:
    /// two 8-byte words and a 4-byte one.
    @inline(__always)
    static func rawSum20(_ p: UnsafeRawPointer) -> UInt64 {
        let a = p.loadUnaligned(fromByteOffset: 0, as: UInt64.self), b = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        let acc = (a & 0xffff_ffff) &+ (a >> 32) &+ (b & 0xffff_ffff) &+ (b >> 32)
            &+ UInt64(p.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        return UInt64(fold(acc).byteSwapped)
    }
    #endif

    /// Unfolded sum, for adding partial sums together before one `fold`.
    public static func rawSum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        guard n > 0, let p = bytes.baseAddress else { return 0 }
        #if _endian(little)
        // Summing little-endian words gives the byte-swapped big-endian sum (RFC 1071 §2(B)),
        // so load 8 bytes at a time and swap once at the end. Each step adds < 2^33, so a
        // 64-bit accumulator cannot overflow for any buffer below 2^31 words of 8 bytes.
        var acc: UInt64 = 0
        if n == 20 { return rawSum20(p) }
        var i = 0
        while n - i >= 8 {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            acc &+= (w & 0xffff_ffff) &+ (w >> 32)
            i += 8
        }
        while n - i >= 2 {
            acc &+= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) | UInt64(p.load(fromByteOffset: i + 1, as: UInt8.self)) << 8
            i += 2
        }
        if i < n { acc &+= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) }
        let folded = fold(acc)
        return UInt64(folded.byteSwapped)
        #else
        var acc: UInt64 = 0
        var i = 0
        while n - i >= 2 {
            acc &+= UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1])
            i += 2
        }
        if i < n { acc &+= UInt64(bytes[i]) << 8 }
        return acc
        #endif
    }

    /// Folds carries back in until 16 bits remain.
    @inline(__always)
    public static func fold(_ value: UInt64) -> UInt16 {
        var v = value
        while v > 0xffff { v = (v & 0xffff) &+ (v >> 16) }
        return UInt16(v)
    }

    /// Unfolded pseudo-header sum for IPv4 (src, dst, zero, protocol, upper-layer length).
    public static func pseudoHeader(v4 src: IPv4Address, _ dst: IPv4Address, protocol proto: UInt8, length: Int) -> UInt64 {
        UInt64(src.value >> 16) + UInt64(src.value & 0xffff) + UInt64(dst.value >> 16) + UInt64(dst.value & 0xffff)
            + UInt64(proto) + UInt64(UInt32(truncatingIfNeeded: length) >> 16) + UInt64(UInt32(truncatingIfNeeded: length) & 0xffff)
    }

    /// Unfolded pseudo-header sum for IPv6 (src, dst, 32-bit length, next header).
    public static func pseudoHeader(v6 src: IPv6Address, _ dst: IPv6Address, protocol proto: UInt8, length: Int) -> UInt64 {
        var s: UInt64 = 0
        for w in [src.high, src.low, dst.high, dst.low] {
            s += (w >> 48) + (w >> 32 & 0xffff) + (w >> 16 & 0xffff) + (w & 0xffff)
        }
        let len = UInt32(truncatingIfNeeded: length)
        return s + UInt64(len >> 16) + UInt64(len & 0xffff) + UInt64(proto)
    }

    /// Verdict for a transport checksum given the pseudo-header sum and the whole segment
    /// (checksum field included), when every byte was captured.
    ///
    /// - good: the sum over pseudo-header and segment is 0xffff.
    /// - partial: the field equals the folded pseudo-header sum alone — what a sender that leaves
    ///   the checksum to offload (CHECKSUM_PARTIAL, as on Linux loopback) writes there.
    /// - bad: anything else.
    public static func transportStatus(pseudo: UInt64, segment: UInt16Sum, field: UInt16) -> ChecksumStatus {
        if fold(pseudo &+ segment.raw) == 0xffff { return .good }
        let p = fold(pseudo)
        if field == p || (field == 0xffff && p == 0) || (field == 0 && p == 0xffff) { return .partial }
        return .bad
    }

    /// A wrapper so callers do not confuse folded and unfolded sums.
    public struct UInt16Sum: Sendable {
        public var raw: UInt64
        public init(_ bytes: UnsafeRawBufferPointer) { raw = InternetChecksum.rawSum(bytes) }
    }
}
