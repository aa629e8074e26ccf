// A message body as quoted text (`messages` lines, `read`'s chat layer): written once per
// message, so it is worked on sixteen bytes at a time.

extension MessageLines {
    /// The body as text between quotes, escaped, cut at `limit` characters, written straight into
    /// `out` (no String is built). Valid UTF-8 is copied as is; other bytes are shown as \xNN.
    ///
    /// A character starts at every byte that is not a continuation byte (10xxxxxx) when the body
    /// is `valid`, at every byte when not. The text is the bytes before the character that would
    /// pass the limit (`cut`), escaped, then an ellipsis when any were left out.
    public static func quoted(_ body: [UInt8], limit: Int, valid known: Bool? = nil, into out: ByteSink) {
        let valid = known ?? (String(validating: body, as: UTF8.self) != nil)
        body.withUnsafeBytes { quoted($0, limit: limit, valid: valid, count: $0.count, into: out) }
    }

    /// `quoted` of a body of `count` bytes given by the bytes `b`: all of them, or at least
    /// the first `quotedCut` of them; `valid` tells whether the whole body is valid UTF-8.
    @inline(__always)
    static func quoted(_ b: UnsafeRawBufferPointer, limit: Int, valid: Bool, count: Int, into out: ByteSink) {
        guard count > 0, let src = b.baseAddress else {
            out.write("\"\"")
            return
        }
        let cut = quotedCut(b, limit: limit, valid: valid)
        // One capacity check: every byte gives at most four (`\xNN`), then the ellipsis and
        // the quotes; and a word is stored whole past the last byte written (at most sixteen
        // bytes beyond the first quote and the bytes before it).
        out.writing(upTo: 4 &* cut &+ 24) { start in
            start.pointee = UInt8(ascii: "\"")
            var q = escapedText(src, count: cut, utf8: valid, at: start + 1)
            if cut < count { q = put("…", at: q) }
            q.pointee = UInt8(ascii: "\"")
            return q + 1
        }
    }

    /// How many of the bytes `b` `quoted` shows: those before the character after the first
    /// `limit` (bytes when not `valid`).
    @inline(__always)
    static func quotedCut(_ b: UnsafeRawBufferPointer, limit: Int, valid: Bool) -> Int {
        guard let src = b.baseAddress else { return 0 }
        return valid ? utf8Cut(src, count: b.count, limit: limit) : min(b.count, max(limit, 0))
    }

    /// Where the character after the first `limit` starts in the `count` bytes at `src` (valid
    /// UTF-8: characters start at the bytes that are not continuation bytes); `count` when there
    /// are no more. Sixteen or eight bytes a word while the limit is not reached in it, then
    /// byte by byte.
    @inline(__always)
    static func utf8Cut(_ src: UnsafeRawPointer, count n: Int, limit: Int) -> Int {
        // Never more characters than bytes.
        if n <= limit { return n }
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        var chars = 0, i = 0
        while i &+ 16 <= n {
            let v = src.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
            // The same sum on two words, the continuation bytes found on each byte on its own.
            let c = unsafeBitCast(v & ~(v &+ v) & SIMD16(repeating: 0x80), to: SIMD2<UInt64>.self)
            let k = 16 &- Int(truncatingIfNeeded: ((c[0] >> 7) &* ones) >> 56 &+ ((c[1] >> 7) &* ones) >> 56)
            if chars &+ k > limit { break }
            chars &+= k
            i &+= 16
        }
        while i &+ 8 <= n {
            let w = src.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // One bit per continuation byte (bit 7 set, bit 6 clear), summed by a multiply.
            let continuation = (w & high & ~(w << 1)) >> 7
            let k = 8 &- Int(truncatingIfNeeded: (continuation &* ones) >> 56)
            if chars &+ k > limit { break }
            chars &+= k
            i &+= 8
        }
        let p = src.assumingMemoryBound(to: UInt8.self)
        while i < n {
            if p[i] & 0xc0 != 0x80 {
                if chars >= limit { return i }
                chars &+= 1
            }
            i &+= 1
        }
        return n
    }

    /// The `count` bytes at `src` escaped at `q` (room for four bytes each and sixteen more is
    /// the caller's); returns the byte after. Printable ASCII but the quote and the backslash is
    /// copied, and when `utf8`, every byte with its high bit set; the rest is escaped. Sixteen
    /// or eight bytes a word: a word is stored whole, then the bytes from its first to escape
    /// (if any) are written again after that byte's escape.
    @inline(__always)
    static func escapedText(_ src: UnsafeRawPointer, count n: Int, utf8: Bool,
                            at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var q = UnsafeMutableRawPointer(start)
        var i = 0
        // Where the bytes copied as they are since the last escape start.
        var plainFrom = 0
        // Sixteen bytes at a time (vector instructions), then eight.
        while i &+ 16 <= n {
            let v = src.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
            let special = unsafeBitCast(escapes(v, utf8: utf8), to: SIMD2<UInt64>.self)
            q.storeBytes(of: v, as: SIMD16<UInt8>.self)
            let low = special[0].littleEndian, high = special[1].littleEndian
            if low | high == 0 {
                q += 16
                i &+= 16
                continue
            }
            let plain = low != 0 ? low.trailingZeroBitCount &>> 3 : 8 &+ high.trailingZeroBitCount &>> 3
            q += plain
            i &+= plain
            q = UnsafeMutableRawPointer(escape(src.load(fromByteOffset: i, as: UInt8.self), at: q.assumingMemoryBound(to: UInt8.self)))
            i &+= 1
            plainFrom = i
        }
        // The last bytes, when there are sixteen in all: the last sixteen again, stored to end
        // where the text ends. That writes again the bytes before `i` among them, as they are:
        // only when none of those was escaped.
        if i < n, n >= 16, n &- 16 >= plainFrom {
            let back = i &- (n &- 16)
            let v = src.loadUnaligned(fromByteOffset: n &- 16, as: SIMD16<UInt8>.self)
            let special = unsafeBitCast(escapes(v, utf8: utf8), to: SIMD2<UInt64>.self)
            var low = special[0].littleEndian, high = special[1].littleEndian
            if back >= 8 {
                low = 0
                high &= ~0 &<< UInt64(8 &* (back &- 8))
            } else {
                low &= ~0 &<< UInt64(8 &* back)
            }
            if low | high == 0 {
                (q - back).storeBytes(of: v, as: SIMD16<UInt8>.self)
                return (q + (n &- i)).assumingMemoryBound(to: UInt8.self)
            }
        }
        while i < n {
            let left = n &- i
            let w: UInt64, valid: Int
            if left >= 8 {
                w = src.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
                valid = 8
            } else {
                w = lastBytes(src, from: i, count: n)
                valid = left
            }
            var special = escapes(w, utf8: utf8)
            if valid < 8 { special &= ~0 &>> UInt64(64 &- 8 &* valid) }
            q.storeBytes(of: w.littleEndian, as: UInt64.self)
            if special == 0 {
                q += valid
                i &+= valid
                continue
            }
            let plain = special.trailingZeroBitCount &>> 3
            q += plain
            i &+= plain
            q = UnsafeMutableRawPointer(escape(src.load(fromByteOffset: i, as: UInt8.self), at: q.assumingMemoryBound(to: UInt8.self)))
            i &+= 1
        }
        return q.assumingMemoryBound(to: UInt8.self)
    }

    /// The bytes at `i` up to `n` (fewer than eight), the first in the low bits, zeros above:
    /// the last word of the body shifted down when the body has eight bytes, else read in
    /// pieces of four, two and one.
    @inline(__always)
    static func lastBytes(_ src: UnsafeRawPointer, from i: Int, count n: Int) -> UInt64 {
        let k = n &- i
        if n >= 8 {
            return src.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self).littleEndian &>> UInt64(8 &* (8 &- k))
        }
        var w: UInt64 = 0, at = i, shift: UInt64 = 0
        if k & 4 != 0 {
            w = UInt64(src.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
            at &+= 4
            shift = 32
        }
        if k & 2 != 0 {
            w |= UInt64(src.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian) &<< shift
            at &+= 2
            shift &+= 16
        }
        if k & 1 != 0 {
            w |= UInt64(src.load(fromByteOffset: at, as: UInt8.self)) &<< shift
        }
        return w
    }

    /// The high bit of every byte of `w` that `quoted` escapes: below 0x20, 0x7f, the quote,
    /// the backslash, and unless `utf8`, every byte with its high bit set. The tests work on the
    /// low seven bits of every byte (`controlQuoteOrBackslash`'s carries), `b + 1` reaching the
    /// high bit when b == 0x7f.
    @inline(__always)
    static func escapes(_ w: UInt64, utf8: Bool) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        let highBits = w & high
        let a = w & ~high
        let ascii = controlQuoteOrBackslash(a) | (a &+ ones)
        return utf8 ? ascii & high & ~highBits : ascii & high & ~highBits | highBits
    }

    /// `escapes` for sixteen bytes: the high bit of every byte to escape. The same tests, on
    /// each byte on its own (vector instructions).
    @inline(__always)
    static func escapes(_ w: SIMD16<UInt8>, utf8: Bool) -> SIMD16<UInt8> {
        let high = SIMD16<UInt8>(repeating: 0x80)
        let a = w & ~high
        let ascii = ~(a &+ 0x60) | (a &+ 1) | ~((a ^ 0x22) &+ 0x7f) | ~((a ^ 0x5c) &+ 0x7f)
        return utf8 ? ascii & high & ~w : (ascii | w) & high
    }

    /// One escaped byte at `q`; returns the byte after.
    @inline(never)
    static func escape(_ b: UInt8, at q: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        switch b {
        case 0x0a: return put("\\n", at: q)
        case 0x0d: return put("\\r", at: q)
        case 0x09: return put("\\t", at: q)
        case 0x22: return put("\\\"", at: q)
        case 0x5c: return put("\\\\", at: q)
        default:
            let q = put("\\x", at: q)
            q[0] = ByteSink.hexDigit(b &>> 4)
            q[1] = ByteSink.hexDigit(b & 0xf)
            return q + 2
        }
    }
}
