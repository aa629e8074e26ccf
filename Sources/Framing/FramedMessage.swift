/// One application message found in a byte stream (or one UDP datagram).
///
/// Offsets are positions in the direction's byte stream: 0 is the first payload byte after the
/// SYN, or the first byte seen when the capture began mid-stream. `start..<end` is the message's
/// span on the wire, header and line terminator included, so the caller can map it to the frames
/// that carried it.
public struct FramedMessage: Sendable, Hashable {
    /// 1-based, per stream direction (or per UDP flow direction, given by the caller). Every
    /// reported message counts, including a bad header and a gap placeholder.
    public var index: Int
    /// Stream offset of the header (of the first body byte for `line`/`raw`).
    public var start: UInt64
    /// Header bytes present: the spec's width, fewer for `truncated_header`, 0 for `line`/`raw`
    /// and for a gap placeholder.
    public var headerLength: Int
    /// The length field as declared (signed or unsigned as the format reads it); nil for
    /// `line`/`raw` and when the header was not captured whole. An unsigned 8-byte value above
    /// `Int64.max` saturates here: `headerValueText` has it exactly.
    public var headerValue: Int64?
    /// The length field's bits, zero-extended (nil exactly when `headerValue` is nil).
    public var headerRawValue: UInt64?
    /// The body length the header claims, `lengthIncludesHeader` applied (nil for `line`/`raw`).
    /// Negative for `negative_length`; larger than `maxMessage` for `length_over_limit`.
    public var declaredLength: Int?
    /// The body bytes that were captured: without header, without the line terminator, at most
    /// `maxMessage` of them.
    public var body: [UInt8]
    /// Stream offset one past the last byte of this message (terminator included). For a message
    /// cut by a gap, the end of the gap (or the declared end, when that comes first).
    public var end: UInt64
    /// The whole message as declared was captured and is well formed.
    public var complete: Bool
    /// What is wrong, most important first; empty for a good message.
    public var problems: [FrameProblem]
    /// The body is valid UTF-8 (an empty body is).
    public var isValidUTF8: Bool

    /// The body as UTF-8 when it is valid UTF-8 (an empty body gives ""); nil otherwise. Built
    /// on demand: renderers that only copy the bytes never pay for a String.
    public var text: String? {
        get { isValidUTF8 ? String(decoding: body, as: UTF8.self) : nil }
    }

    public init(index: Int, start: UInt64, headerLength: Int, headerValue: Int64?, headerRawValue: UInt64? = nil,
                declaredLength: Int?, body: [UInt8], end: UInt64, complete: Bool, problems: [FrameProblem], text: String?) {
        self.init(index: index, start: start, headerLength: headerLength, headerValue: headerValue, headerRawValue: headerRawValue,
                  declaredLength: declaredLength, body: body, end: end, complete: complete, problems: problems,
                  isValidUTF8: text != nil)
    }

    /// The same, with the UTF-8 verdict given instead of a String.
    public init(index: Int, start: UInt64, headerLength: Int, headerValue: Int64?, headerRawValue: UInt64? = nil,
                declaredLength: Int?, body: [UInt8], end: UInt64, complete: Bool, problems: [FrameProblem], isValidUTF8: Bool) {
        self.index = index
        self.start = start
        self.headerLength = headerLength
        self.headerValue = headerValue
        self.headerRawValue = headerRawValue
        self.declaredLength = declaredLength
        self.body = body
        self.end = end
        self.complete = complete
        self.problems = problems
        self.isValidUTF8 = isValidUTF8
    }

    /// The header value exactly as the format reads it, in decimal (a JSON number): differs from
    /// `headerValue.description` only for unsigned 8-byte values above `Int64.max`.
    public var headerValueText: String? {
        guard let value = headerValue else { return nil }
        if value == Int64.max, let bits = headerRawValue, bits > UInt64(Int64.max) { return decimalText(bits, negative: false) }
        return decimalText(value)
    }

    /// Builds a message, deciding `text` and `invalid_utf8` from the body: `invalid_utf8` is
    /// added when the body is not empty and not valid UTF-8, whatever the spec.
    static func make(index: Int, start: UInt64, headerLength: Int, field: FrameSpec.Field?, body: [UInt8],
                     end: UInt64, problems: [FrameProblem]) -> FramedMessage {
        var problems = problems
        let valid = isUTF8(body)
        if !valid { problems.append(.invalidUTF8) }
        let complete = problems.isEmpty || problems.allSatisfy { $0 == .invalidUTF8 }  // (the usual message: no call)
        return FramedMessage(index: index, start: start, headerLength: headerLength,
                             headerValue: field?.value, headerRawValue: field?.bits,
                             declaredLength: field.map { Int(clamping: $0.declared) },
                             body: body, end: end, complete: complete, problems: problems, isValidUTF8: valid)
    }
}

/// `value` in decimal, as `value.description` writes it, without the generic integer printer
/// (a frame view shows a header value for every message).
public func decimalText(_ value: Int64) -> String {
    decimalText(value.magnitude, negative: value < 0)
}

func decimalText(_ magnitude: UInt64, negative: Bool) -> String {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
        var i = 20
        var v = magnitude
        repeat {
            i &-= 1
            buffer[i] = 0x30 &+ UInt8(truncatingIfNeeded: v % 10)
            v /= 10
        } while v != 0
        if negative {
            i &-= 1
            buffer[i] = UInt8(ascii: "-")
        }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[i ..< 20]), as: UTF8.self)
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes at `range` in a new array (from a typed buffer: one allocation and one copy).
    func copyBytes(_ range: Range<Int>) -> [UInt8] {
        guard !range.isEmpty else { return [] }
        return Array(UnsafeBufferPointer(start: (baseAddress! + range.lowerBound).assumingMemoryBound(to: UInt8.self), count: range.count))
    }
}

extension Array where Element == UInt8 {
    /// Appends the bytes of `p` at `range` (copied at once, where appending a slice of raw
    /// bytes went byte by byte).
    mutating func append(_ p: UnsafeRawBufferPointer, _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        append(contentsOf: UnsafeBufferPointer(start: (p.baseAddress! + range.lowerBound).assumingMemoryBound(to: UInt8.self), count: range.count))
    }
}

/// True when `bytes` are valid UTF-8 (RFC 3629), without building a String.
func isUTF8(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { p in
        let n = p.count
        guard let base = p.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i < n {
            // ASCII eight bytes at a time (chat text is mostly ASCII, between its other
            // characters too): a word with a high bit set is passed up to its first such byte.
            if i &+ 8 <= n {
                let high = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080
                if high == 0 { i &+= 8; continue }
                i &+= high.trailingZeroBitCount &>> 3
            } else if n >= 8 {
                // The last bytes: the body's last word again, its bytes before `i` masked off.
                let passed = i &- (n &- 8)
                let high = raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) & 0x8080_8080_8080_8080
                    & (~0 << UInt64(8 &* passed))
                if high == 0 { return true }
                i = n &- 8 &+ high.trailingZeroBitCount &>> 3
            } else if p[i] < 0x80 {
                i &+= 1
                continue
            }
            let b = p[i]
            // The usual characters whose bytes are all there, with one load: two bytes (lead
            // C2...DF), three (E0 needs A0...BF next, ED 80...9F), four (F0 needs 90...BF next,
            // F4 80...8F; F5...F7 are no lead). Anything else goes through the table below.
            if i &+ 4 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian
                let second = UInt8(truncatingIfNeeded: w &>> 8)
                if w & 0xC0E0 == 0x80C0, b >= 0xC2 { i &+= 2; continue }
                if w & 0xC0_C0F0 == 0x80_80E0, b != 0xE0 || second >= 0xA0, b != 0xED || second <= 0x9F {
                    i &+= 3
                    continue
                }
                if w & 0xC0C0_C0F8 == 0x8080_80F0, b <= 0xF4, b != 0xF0 || second >= 0x90, b != 0xF4 || second <= 0x8F {
                    i &+= 4
                    continue
                }
            }
            // RFC 3629's table: the lead byte gives the length and the range of the second byte
            // (no overlongs, no surrogates, nothing above U+10FFFF); later bytes are 80...BF.
            let need: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b {
            case 0xC2 ... 0xDF: need = 1
            case 0xE0: need = 2; low = 0xA0
            case 0xE1 ... 0xEC, 0xEE ... 0xEF: need = 2
            case 0xED: need = 2; high = 0x9F
            case 0xF0: need = 3; low = 0x90
            case 0xF1 ... 0xF3: need = 3
            case 0xF4: need = 3; high = 0x8F
            default: return false
            }
            guard i + need < n else { return false }
            let second = p[i + 1]
            guard second >= low && second <= high else { return false }
            var k = 2
            while k <= need {
                guard p[i + k] & 0xC0 == 0x80 else { return false }
                k += 1
            }
            i += need + 1
        }
        return true
    }
}
