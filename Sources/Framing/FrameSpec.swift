/// Byte order of a length field. Python's native order (`@`, `=`, or no prefix) is little-endian
/// on every platform framescope runs on (x86_64 and arm64, Linux and macOS).
public enum ByteOrder: Sendable, Hashable {
    case big, little

    /// The order Python's `struct` calls native here.
    public static let native: ByteOrder = .little
}

/// How a byte stream is cut into application messages: the one definition of the wire format,
/// shared by the decoder, the reference servers and the fuzzer (docs/DESIGN.md "Framing specs").
///
/// The text form follows Python's `struct` for the length formats, `[@=<>!]?[bBhHiIqQ]`:
///
/// | char | width | signed |      | prefix | order |
/// |------|-------|--------|------|--------|-------|
/// | `b` `B` | 1 | `b` | | `!` `>` | big-endian (network) |
/// | `h` `H` | 2 | `h` | | `<` | little-endian |
/// | `i` `I` | 4 | `i` | | `@` `=` none | native (= little-endian here) |
/// | `q` `Q` | 8 | `q` | | | |
///
/// In Python, `@` (and no prefix) also means *native size and alignment*. For these eight
/// characters native and standard sizes agree on every platform we run on (1, 2, 4, 8), and a
/// lone field has nothing to align to, so `@I` and `=I` frame identically; the spec keeps the
/// character the user typed only so that `description` gives it back. `l`/`L` (4 or 8 bytes
/// depending on `@` and the platform) are refused with a hint.
///
/// Besides the length formats: `line` (each message ends with `\n`; a `\r` before it is
/// stripped from the body), `raw` (each TCP segment payload or UDP datagram is one message —
/// the naive view) and `auto` (guess per stream, see `AutoFraming`).
public struct FrameSpec: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A `width`-byte length field (1, 2, 4 or 8) before every body. `orderChar` is the
        /// prefix as typed (`!`, `>`, `<`, `=`, `@`), or nil when there was none.
        case length(width: Int, signed: Bool, order: ByteOrder, orderChar: Character?)
        /// Messages end with `\n` (CRLF tolerated: the `\r` is stripped from the body).
        case line
        /// Each segment payload / datagram is one message.
        case raw
        /// Guess per stream; resolve with `AutoFraming` before framing.
        case auto
    }

    public var kind: Kind
    /// The largest body accepted (bytes, header excluded). A larger declared length, a longer
    /// line or a longer raw segment is `length_over_limit`. Also the bound on what a
    /// `MessageFramer` ever buffers.
    public var maxMessage: Int
    /// The length field counts its own header bytes too (body length = field − width).
    public var lengthIncludesHeader: Bool

    /// 1 MiB, the default for `--max-message` (docs/DESIGN.md "Framing specs").
    public static let defaultMaxMessage = 1 << 20

    /// `!I`: a 4-byte unsigned big-endian length, the lesson's `struct.pack('!I', n)`.
    public static let lessonDefault = FrameSpec(.length(width: 4, signed: false, order: .big, orderChar: "!"))

    /// The accepted spec grammar, for error messages and help text.
    public static let grammarHelp =
        "expected a length format [@=<>!]?[bBhHiIqQ] like !I, <i, H or Q (Python struct: ! > big-endian, < little-endian, @ = or none native = little-endian; b/B 1, h/H 2, i/I 4, q/Q 8 bytes; lower case signed), or one of line, raw, auto"

    /// - Precondition: a `.length` width of 1, 2, 4 or 8, an `orderChar` from `!><=@` matching
    ///   `order`, and `maxMessage >= 0` (API misuse otherwise; user text goes through
    ///   `init(parsing:)`, which throws).
    public init(_ kind: Kind, maxMessage: Int = 1 << 20, lengthIncludesHeader: Bool = false) {
        if case let .length(width, _, order, orderChar) = kind {
            precondition([1, 2, 4, 8].contains(width), "FrameSpec: length width must be 1, 2, 4 or 8, not \(width)")
            if let c = orderChar {
                precondition(Self.order(for: c) == order, "FrameSpec: order character '\(c)' does not mean \(order)")
            }
        }
        precondition(maxMessage >= 0, "FrameSpec: maxMessage must be 0 or more")
        self.kind = kind
        self.maxMessage = maxMessage
        self.lengthIncludesHeader = lengthIncludesHeader
    }

    /// Reads a spec as typed after `--framing`: `[@=<>!]?[bBhHiIqQ]`, `line`, `raw` or `auto`
    /// (the words in any case; surrounding spaces ignored).
    public init(parsing spec: String, maxMessage: Int = 1 << 20, lengthIncludesHeader: Bool = false) throws(FrameError) {
        guard maxMessage >= 0 else { throw .badMaxMessage(maxMessage) }
        let kind = try Self.parseKind(spec)
        self.init(kind, maxMessage: maxMessage, lengthIncludesHeader: lengthIncludesHeader)
    }

    /// The canonical text: `!I`, `<i`, `H`, `line`, `raw`, `auto` (the `format` of the JSON
    /// output). Limits are not part of it.
    public var description: String {
        switch kind {
        case let .length(width, signed, _, orderChar):
            return (orderChar.map { String($0) } ?? "") + String(Self.formatChar(width: width, signed: signed))
        case .line: return "line"
        case .raw: return "raw"
        case .auto: return "auto"
        }
    }

    /// Bytes of the length header; nil for `line`, `raw` and `auto`.
    public var headerWidth: Int? {
        if case let .length(width, _, _, _) = kind { return width }
        return nil
    }

    /// The largest body this spec can frame: `maxMessage`, further limited by what the length
    /// field can hold (e.g. 255 for `B`, 127 for `b`, minus the width with
    /// `lengthIncludesHeader`). Nil for `auto`. May be negative for a field too small to hold its
    /// own header width (e.g. `b` counting its header can still frame bodies up to 126).
    public var largestBody: Int? {
        switch kind {
        case .auto: return nil
        case .line, .raw: return maxMessage
        case let .length(width, signed, _, _):
            let bits = width * 8 - (signed ? 1 : 0)
            let fieldMax: UInt64 = bits >= 64 ? UInt64.max : (UInt64(1) << UInt64(bits)) - 1
            var bodyMax = fieldMax
            if lengthIncludesHeader { bodyMax -= UInt64(width) }
            return min(maxMessage, Int(clamping: bodyMax))
        }
    }

    /// The honest encoder: header + body for length formats, body + `\n` for `line`, the body
    /// itself for `raw`. Throws `.bodyTooLong` when the body does not fit the field (signedness
    /// included) or exceeds `maxMessage`, `.newlineInLineBody` for a `line` body holding `\n`,
    /// and `.badSpec` for `auto` (which only guesses when reading).
    public func encode(_ body: [UInt8]) throws(FrameError) -> [UInt8] {
        switch kind {
        case .auto:
            throw .badSpec("auto", reason: "auto only guesses when reading; writing needs a length format or line")
        case .raw:
            guard body.count <= maxMessage else { throw .bodyTooLong(length: body.count, limit: maxMessage) }
            return body
        case .line:
            guard body.count <= maxMessage else { throw .bodyTooLong(length: body.count, limit: maxMessage) }
            guard !body.contains(0x0A) else { throw .newlineInLineBody }
            return body + [0x0A]
        case let .length(width, _, order, _):
            let limit = largestBody ?? 0
            guard body.count <= limit else { throw .bodyTooLong(length: body.count, limit: max(limit, 0)) }
            let field = UInt64(body.count) + (lengthIncludesHeader ? UInt64(width) : 0)
            var out: [UInt8] = []
            out.reserveCapacity(width + body.count)
            for i in 0..<width {
                let shift = order == .big ? (width - 1 - i) * 8 : i * 8
                out.append(UInt8(truncatingIfNeeded: field >> UInt64(shift)))
            }
            out.append(contentsOf: body)
            return out
        }
    }

    /// Reads only the header: the first `headerWidth` bytes of `header` (nil when there are fewer,
    /// or for `line`/`raw`/`auto`) and returns the body length they declare, with
    /// `lengthIncludesHeader` subtracted. Negative for a negative signed field, or for a
    /// header-inclusive value smaller than the width; an unsigned 8-byte value above `Int64.max`
    /// saturates to `Int64.max` (it is over any limit anyway).
    public func declaredLength(header: some Collection<UInt8>) -> Int64? {
        guard let field = readField(header) else { return nil }
        return field.declared
    }

    // MARK: - Internals shared with the framer, the guesser and the datagram framer

    /// One length field read from header bytes.
    struct Field: Sendable, Hashable {
        /// The field's bits, zero-extended.
        var bits: UInt64
        /// The field as the format reads it (signed or unsigned), saturated into Int64.
        var value: Int64
        /// The body length it declares (`lengthIncludesHeader` applied), saturated into Int64.
        var declared: Int64
    }

    /// Reads the first `headerWidth` bytes; nil when fewer are given or the spec has no header.
    func readField(_ header: some Collection<UInt8>) -> Field? {
        guard case let .length(width, signed, order, _) = kind else { return nil }
        var bits: UInt64 = 0
        var count = 0
        for byte in header.prefix(width) {
            let shift = order == .big ? UInt64(width - 1 - count) * 8 : UInt64(count) * 8
            bits |= UInt64(byte) << shift
            count += 1
        }
        guard count == width else { return nil }
        return makeField(bits: bits, width: width, signed: signed)
    }

    /// Reads a field straight from raw memory at `offset` (caller checked the bounds).
    func readField(_ p: UnsafeRawBufferPointer, at offset: Int) -> Field? {
        guard case let .length(width, signed, order, _) = kind, offset >= 0, p.count - offset >= width else { return nil }
        // One load of the field's width (every frame reads a header), the generic loop for
        // any other width.
        var bits: UInt64 = 0
        switch width {
        case 1:
            bits = UInt64(p[offset])
        case 2:
            let v = p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
            bits = UInt64(order == .big ? UInt16(bigEndian: v) : UInt16(littleEndian: v))
        case 4:
            let v = p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            bits = UInt64(order == .big ? UInt32(bigEndian: v) : UInt32(littleEndian: v))
        case 8:
            let v = p.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            bits = order == .big ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
        default:
            for i in 0..<width {
                let shift = order == .big ? UInt64(width - 1 - i) * 8 : UInt64(i) * 8
                bits |= UInt64(p[offset + i]) << shift
            }
        }
        return makeField(bits: bits, width: width, signed: signed)
    }

    /// Reads a field whose bytes are `held` then `more` (a header split between two buffers);
    /// nil when they hold fewer than `headerWidth` bytes together.
    func readField(_ held: UnsafeRawBufferPointer, _ more: UnsafeRawBufferPointer) -> Field? {
        guard case let .length(width, signed, order, _) = kind, held.count + more.count >= width else { return nil }
        var bits: UInt64 = 0
        for i in 0..<width {
            let byte = i < held.count ? held[i] : more[i - held.count]
            let shift = order == .big ? UInt64(width - 1 - i) * 8 : UInt64(i) * 8
            bits |= UInt64(byte) << shift
        }
        return makeField(bits: bits, width: width, signed: signed)
    }

    private func makeField(bits: UInt64, width: Int, signed: Bool) -> Field {
        let value: Int64
        if signed {
            let shift = UInt64(64 - width * 8)
            value = Int64(bitPattern: bits << shift) >> shift
        } else {
            value = Int64(exactly: bits) ?? Int64.max
        }
        var declared = value
        if lengthIncludesHeader {
            if signed {
                let (d, overflow) = value.subtractingReportingOverflow(Int64(width))
                declared = overflow ? Int64.min : d
            } else if bits >= UInt64(width) {
                declared = Int64(exactly: bits - UInt64(width)) ?? Int64.max
            } else {
                declared = Int64(bits) - Int64(width)
            }
        }
        return Field(bits: bits, value: value, declared: declared)
    }

    /// A declared length framing can follow: 0...maxMessage.
    func isPlausible(_ declared: Int64) -> Bool {
        declared >= 0 && declared <= Int64(maxMessage)
    }

    static func formatChar(width: Int, signed: Bool) -> Character {
        switch width {
        case 1: return signed ? "b" : "B"
        case 2: return signed ? "h" : "H"
        case 4: return signed ? "i" : "I"
        default: return signed ? "q" : "Q"
        }
    }

    static func order(for prefix: Character) -> ByteOrder? {
        switch prefix {
        case "!", ">": return .big
        case "<": return .little
        case "=", "@": return .native
        default: return nil
        }
    }

    private static func parseKind(_ text: String) throws(FrameError) -> Kind {
        let trimmed = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        switch trimmed.lowercased() {
        case "line": return .line
        case "raw": return .raw
        case "auto": return .auto
        default: break
        }
        let chars = Array(trimmed)
        func fail(_ why: String) -> FrameError { .badSpec(text, reason: "\(why); \(grammarHelp)") }
        guard !chars.isEmpty else { throw fail("empty spec") }
        var rest = chars[...]
        var orderChar: Character?
        if let first = rest.first, order(for: first) != nil {
            orderChar = first
            rest = rest.dropFirst()
        }
        guard let formatChar = rest.first else {
            throw fail("byte order '\(chars[0])' without a length character after it")
        }
        if order(for: formatChar) != nil {
            throw fail("more than one byte-order character ('\(chars[0])' then '\(formatChar)')")
        }
        let widthSigned: (Int, Bool)
        switch formatChar {
        case "b": widthSigned = (1, true)
        case "B": widthSigned = (1, false)
        case "h": widthSigned = (2, true)
        case "H": widthSigned = (2, false)
        case "i": widthSigned = (4, true)
        case "I": widthSigned = (4, false)
        case "q": widthSigned = (8, true)
        case "Q": widthSigned = (8, false)
        case "l", "L":
            throw fail("'\(formatChar)' is 4 or 8 bytes depending on the platform; say i/I (4 bytes) or q/Q (8 bytes)")
        default:
            throw fail("'\(formatChar)' is not a length character")
        }
        if rest.count > 1 {
            let extra = rest.dropFirst().first.map { String($0) } ?? ""
            if let e = rest.dropFirst().first, order(for: e) != nil {
                throw fail("the byte-order character must come first, not after '\(formatChar)'")
            }
            throw fail("one length field only: unexpected '\(extra)' after '\(formatChar)'")
        }
        return .length(width: widthSigned.0, signed: widthSigned.1,
                       order: orderChar.flatMap(order(for:)) ?? .native, orderChar: orderChar)
    }
}
