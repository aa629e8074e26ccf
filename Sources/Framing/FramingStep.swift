// The framing rules in one place: what the bytes at a message boundary are (a whole message, not
// enough yet, or a broken rule), and what the bytes of a message the stream ended inside are.
// `MessageFramer` (captures, the client, the fuzzer) and the servers' NIO decoder
// (Chat/FrameCodec.swift) both take every framing decision from here, so they cannot disagree.

/// Where a message lies in the bytes that start at its first byte.
public struct MessageCut: Sendable, Hashable {
    /// Header bytes: the spec's width, 0 for `line`.
    public var headerLength: Int
    /// Body bytes right after the header: for `line` the line without its terminator (a final
    /// `\r` excluded), cut to `maxMessage` when longer.
    public var bodyLength: Int
    /// Bytes the message takes, header and terminator included; nil while its end is not in the
    /// bytes (a line already past the limit with no `\n` so far).
    public var length: Int?
    /// The body length the message declares: the length field's (`lengthIncludesHeader`
    /// applied), or for `line` the line's length before the limit cut (for a line with no `\n`
    /// so far, the bytes seen).
    public var declared: Int64
    /// The length field read whole; nil for `line`.
    var field: FrameSpec.Field?

    /// The length field as the format reads it (signed or unsigned), nil for `line`.
    public var headerValue: Int64? { field?.value }
}

/// One decision of the framing state machine (`FrameSpec.step`).
public enum FramingStep: Sendable, Hashable {
    /// No decision yet: at least `count` more bytes are needed. For a length format the count is
    /// exact (the rest of the header, or the rest of the body), and `cut` is the message once its
    /// header was read whole — a reader that collects exactly `count` more bytes has it.
    case needMore(Int, cut: MessageCut?)
    /// A whole, well-formed message (body not yet checked for UTF-8).
    case message(MessageCut)
    /// The bytes break a rule: `negativeLength` or `lengthOverLimit` for a length header (the cut
    /// is the header alone), `lengthOverLimit` for a line (the cut ends after its `\n`, or has no
    /// length while the `\n` has not come).
    case problem(FrameProblem, MessageCut)
}

extension FrameSpec {
    /// The framing decision for the bytes of a message so far: `held` then `bytes` (two pieces,
    /// so that a reader holding the start of a message need not copy it to append the rest; a
    /// reader with one buffer passes it as `bytes`). For `line`, the first `scanned` bytes are
    /// known to hold no `\n` (a long line is searched once), and `held` never holds one.
    ///
    /// The rules (docs/DESIGN.md "Framing specs"):
    /// - a length header is read from its `width` bytes only, and its declared length must be
    ///   0...maxMessage before any body byte is awaited: a negative value is `negativeLength`, a
    ///   larger one `lengthOverLimit`;
    /// - a line ends at `\n`; a `\r` before it is not part of the body; a line longer than
    ///   `maxMessage` is `lengthOverLimit` — as soon as `maxMessage + 1` bytes (room for the `\r`
    ///   of a CRLF) hold no `\n`, or when its `\n` comes.
    ///
    /// - Precondition: a length format or `line` (a `raw` message ends with its segment, which
    ///   bytes cannot tell; `auto` is resolved first).
    public func step(_ bytes: UnsafeRawBufferPointer, held: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                     scanned: Int = 0) -> FramingStep {
        switch kind {
        case let .length(width, _, _, _):
            return lengthStep(bytes, held: held, width: width)
        case .line:
            return lineStep(bytes, held: held, scanned: scanned)
        case .raw, .auto:
            preconditionFailure("FrameSpec.step: \(self) messages do not end in the bytes")
        }
    }

    private func lengthStep(_ bytes: UnsafeRawBufferPointer, held: UnsafeRawBufferPointer, width: Int) -> FramingStep {
        let total = held.count + bytes.count
        guard total >= width else { return .needMore(width - total, cut: nil) }
        let read = held.isEmpty ? readField(bytes, at: 0) : readField(held, bytes)
        guard let field = read else { return .needMore(width - total, cut: nil) }  // unreachable: total >= width
        guard isPlausible(field.declared) else {
            let cut = MessageCut(headerLength: width, bodyLength: 0, length: width, declared: field.declared, field: field)
            return .problem(field.declared < 0 ? .negativeLength : .lengthOverLimit, cut)
        }
        let declared = Int(field.declared)
        let cut = MessageCut(headerLength: width, bodyLength: declared, length: width + declared, declared: field.declared, field: field)
        let have = total - width
        return have >= declared ? .message(cut) : .needMore(declared - have, cut: cut)
    }

    private func lineStep(_ bytes: UnsafeRawBufferPointer, held: UnsafeRawBufferPointer, scanned: Int) -> FramingStep {
        let h = held.count
        let total = h + bytes.count
        var j = max(scanned - h, 0)
        let n = bytes.count
        while j < n, bytes[j] != 0x0A { j += 1 }
        guard j < n else {
            // maxMessage + 1: a body of exactly maxMessage may still be followed by "\r\n".
            let (limit, overflow) = maxMessage.addingReportingOverflow(1)
            guard !overflow, total > limit else { return .needMore(1, cut: nil) }
            return .problem(.lengthOverLimit, MessageCut(headerLength: 0, bodyLength: maxMessage, length: nil, declared: Int64(total)))
        }
        let newline = h + j
        let hasCR = j > 0 ? bytes[j - 1] == 0x0D : (h > 0 && held[h - 1] == 0x0D)
        let line = newline - (hasCR ? 1 : 0)
        let cut = MessageCut(headerLength: 0, bodyLength: min(line, maxMessage), length: newline + 1, declared: Int64(line))
        return line > maxMessage ? .problem(.lengthOverLimit, cut) : .message(cut)
    }

    /// The problems of a message the bytes ended inside, holding its first `count` bytes (header
    /// included; `last` the last of them), `missing` saying why it ended (`truncatedBody` at the
    /// end of the stream, `gap` before bytes that were not captured): for a length format
    /// `truncatedHeader` while the header is incomplete, else the body's `missing`; for `line`,
    /// `lengthOverLimit` first when more than `maxMessage` bytes came and the last is not the `\r`
    /// of a CRLF; for `raw` (whose message the end completes) `lengthOverLimit` when over the limit,
    /// and `gap` only before a gap.
    public func unfinished(count: Int, last: UInt8?, missing: FrameProblem) -> [FrameProblem] {
        switch kind {
        case let .length(width, _, _, _):
            return [count < width && missing == .truncatedBody ? .truncatedHeader : missing]
        case .line:
            return count > maxMessage && last != 0x0D ? [.lengthOverLimit, missing] : [missing]
        case .raw, .auto:
            let over: [FrameProblem] = count > maxMessage ? [.lengthOverLimit] : []
            return missing == .gap ? over + [.gap] : over
        }
    }
}
