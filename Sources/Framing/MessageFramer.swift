/// Incremental framer for ONE direction of ONE stream: feed in-order bytes segment by segment,
/// get messages as they complete. The same contract as Wireshark's `tcp_dissect_pdus` and NIO's
/// `ByteToMessageDecoder`: several messages in one segment (sticky) and one message over several
/// segments (split) both come out as whole messages, and how the bytes were cut never changes
/// what comes out.
///
/// An explicit state machine (see `Phase`) driving Framing's one framing step (`FrameSpec.step`,
/// the decisions the servers' decoder takes too) over segments: a message inside one feed is cut
/// straight from it, the start of one is held until the step's need-more is met. What it holds
/// is bounded by `maxMessage + 9` bytes whatever the input (`bufferedBytes`):
/// - a length header is read from its `width` bytes only (`FrameSpec.step`), and the body
///   is collected only after the declared length was found plausible (0...maxMessage); a
///   negative or over-limit length is reported at once, as an incomplete message holding just
///   the header, and nothing of its size is ever allocated;
/// - nothing is reserved ahead: a header claiming 1 MiB followed by 10 bytes holds 10 bytes.
///
/// **Resynchronisation** (after a bad header, after a gap, and from the start when the capture
/// began mid-stream): the framer skips bytes (`skippedBytes` counts them) until a later feed with
/// `segmentStart: true` whose first `width` bytes (in that same segment) make a plausible header;
/// framing resumes there. It never trusts a length across a gap, nor a bad length. With 1-byte
/// formats every byte is plausible, so resync happens at the next segment start. For `line`, any
/// segment start resumes framing (a line may start anywhere); an over-long line instead resumes
/// after its own `\n`. `raw` needs no resync: every segment is a message.
///
/// **Gaps** (`gap(at:length:)`): the message that contains missing bytes is reported at once as
/// incomplete with `gap` (its `body` holds what was captured, `declaredLength` stays). A gap that
/// starts exactly at a message boundary gets a placeholder message (no header, empty body,
/// `start..<end` = the gap), so the loss is visible in the message list. During resync no
/// placeholders are added.
///
/// Feeding rules: empty feeds do nothing. A feed whose offset is past the expected one is treated
/// as a gap first; bytes before the expected offset (already seen) are dropped.
public struct MessageFramer: Sendable {
    public let spec: FrameSpec

    enum Phase: Sendable {
        /// At a message boundary, nothing buffered.
        case boundary
        /// `buffer` holds the first bytes (< width) of a header.
        case header
        /// Header read; `buffer` holds the body so far.
        case body(FrameSpec.Field, declared: Int)
        /// `line`: `buffer` holds the line so far (at most maxMessage + 1 bytes, for a final `\r`).
        case line
        /// `line`: the line is over the limit; `buffer` holds its first maxMessage bytes, the rest
        /// is dropped until `\n`.
        case longLine
        /// `raw`: `buffer` holds the current segment (at most maxMessage bytes).
        case raw(overLimit: Bool)
        /// Skipping to a plausible header at a segment start; when `probing`, `buffer` holds the
        /// first bytes of the candidate segment.
        case resync(probing: Bool)
    }

    var phase: Phase = .boundary
    /// Set while a stream the capture began inside looks for its first boundary: a probe must
    /// then be confirmed by the segment it starts (see `confirmsBoundary`), since nothing else
    /// vouches for it and a body's bytes easily pass for a small length.
    var strictResync = false
    var buffer: [UInt8] = []
    /// Stream offset of the first byte of the message (or probe) in progress.
    var messageStart: UInt64 = 0
    /// Next expected stream offset; nil before the first feed or gap.
    var position: UInt64?
    var nextIndex = 1
    /// Captured bytes skipped while resynchronising (not part of any reported message).
    public internal(set) var skippedBytes: UInt64 = 0

    /// - Precondition: `spec.kind` is not `.auto` (resolve it with `AutoFraming` first).
    /// - Parameter startsMidStream: the capture began inside the stream (no SYN seen): start by
    ///   resynchronising, as after a gap, instead of trusting the first byte to be a header.
    public init(spec: FrameSpec, startsMidStream: Bool = false) {
        if case .auto = spec.kind { preconditionFailure("MessageFramer: resolve .auto with AutoFraming first") }
        self.spec = spec
        if startsMidStream, spec.kind != .raw {
            phase = .resync(probing: false)
            strictResync = spec.headerWidth != nil
        }
    }

    /// True while bytes are skipped to find the next message boundary (after a bad header, a
    /// gap, or from the start of a stream the capture began inside).
    public var isResynchronising: Bool {
        if case .resync = phase { return true }
        return false
    }

    /// Bytes currently held: never more than `spec.maxMessage + 9`.
    public var bufferedBytes: Int { buffer.count }

    /// Need-more, with a minimum (STYLE §7.9): how many more bytes the message in progress needs
    /// at least — the rest of a header, or exactly the rest of a body. Nil when that is unknown
    /// (`line`, `raw`, resynchronising).
    public var bytesNeeded: Int? {
        guard let width = spec.headerWidth else { return nil }
        switch phase {
        case .boundary: return width
        case .header: return width - buffer.count
        case let .body(_, declared): return declared - buffer.count
        default: return nil
        }
    }

    /// The message in progress, for per-segment views (which message a segment starts or
    /// continues): nil at a boundary or while resynchronising.
    public struct Pending: Sendable, Hashable {
        public var index: Int
        /// Stream offset of its first byte (its header's).
        public var start: UInt64
        /// The length field as declared, once the whole header is in.
        public var headerValue: Int64?
        /// The body length the header declares.
        public var declaredLength: Int?
        /// Bytes of it held so far (header bytes while the header is incomplete, else body bytes).
        public var received: Int
    }

    public var pending: Pending? {
        switch phase {
        case .header:
            return Pending(index: nextIndex, start: messageStart, headerValue: nil, declaredLength: nil, received: buffer.count)
        case let .body(field, declared):
            return Pending(index: nextIndex, start: messageStart, headerValue: field.value, declaredLength: declared, received: buffer.count)
        case .line, .longLine, .raw:
            return Pending(index: nextIndex, start: messageStart, headerValue: nil, declaredLength: nil, received: buffer.count)
        case .boundary, .resync:
            return nil
        }
    }

    /// The stream offset the next feed is expected at (nil before the first feed).
    public var expectedOffset: UInt64? { position }

    /// In-order bytes starting at stream offset `offset`. `segmentStart` is true when these bytes
    /// begin a TCP segment or datagram: resync only happens there, and for `raw` it starts a new
    /// message (completing the previous one).
    public mutating func feed(_ bytes: [UInt8], at offset: UInt64, segmentStart: Bool = true) -> [FramedMessage] {
        bytes.withUnsafeBytes { feed($0, at: offset, segmentStart: segmentStart) }
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, at offset: UInt64, segmentStart: Bool = true) -> [FramedMessage] {
        var out: [FramedMessage] = []
        feed(bytes, at: offset, segmentStart: segmentStart) { out.append($0) }
        return out
    }

    /// The same, handing each message to `out` as it is cut (moved, not copied): no array per
    /// feed, and a caller that passes each one on moves it once (`MessageStage` does). With
    /// `bodies`, a body cut whole from this feed goes into a spare's storage (see `BodyPool`).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, at offset: UInt64, segmentStart: Bool = true,
                              bodies: BodyPool? = nil, into out: (consuming FramedMessage) -> Void) {
        guard !bytes.isEmpty else { return }
        var first = 0
        var atSegmentStart = segmentStart
        if let pos = position {
            if offset > pos {
                gap(at: pos, length: offset - pos, into: out)
            } else if offset < pos {
                let seen = pos - offset
                guard seen < UInt64(bytes.count) else { return }
                first = Int(seen)
                atSegmentStart = false
            }
        }
        let base = offset  // stream offset of bytes[0]
        position = offset &+ UInt64(bytes.count)

        switch spec.kind {
        case .raw: feedRaw(bytes, from: first, base: base, segmentStart: atSegmentStart, bodies: bodies, into: out)
        case .line: feedLine(bytes, from: first, base: base, segmentStart: atSegmentStart, bodies: bodies, into: out)
        case let .length(width, _, _, _):
            feedLength(bytes, from: first, base: base, width: width, segmentStart: atSegmentStart, bodies: bodies, into: out)
        case .auto: break
        }
    }

    /// `length` bytes at `offset` were on the wire but not captured. The message containing them
    /// is reported now, incomplete, with `gap`; framing then resynchronises (see the type's doc).
    public mutating func gap(at offset: UInt64, length: UInt64) -> [FramedMessage] {
        var out: [FramedMessage] = []
        gap(at: offset, length: length) { out.append($0) }
        return out
    }

    /// The same, handing the message to `out`.
    public mutating func gap(at offset: UInt64, length: UInt64, into out: (consuming FramedMessage) -> Void) {
        let pos = position ?? offset
        let (gapEnd, overflow) = offset.addingReportingOverflow(length)
        let end = overflow ? UInt64.max : gapEnd
        guard end > pos else { return }
        let gapStart = pos
        position = end
        switch phase {
        case .boundary:
            out(message(start: gapStart, headerLength: 0, field: nil, body: [], end: end, problems: [.gap]))
        case .header:
            out(message(start: messageStart, headerLength: buffer.count, field: nil, body: [], end: end,
                        problems: spec.unfinished(count: buffer.count, last: buffer.last, missing: .gap)))
            buffer.removeAll()
        case let .body(field, declared):
            let headerLength = spec.headerWidth ?? 0
            let declaredEnd = messageStart &+ UInt64(headerLength) &+ UInt64(declared)
            let problems = spec.unfinished(count: headerLength + buffer.count, last: buffer.last, missing: .gap)
            out(message(start: messageStart, headerLength: headerLength, field: field, body: takeBuffer(),
                        end: min(declaredEnd, end), problems: problems))
        case .line, .longLine, .raw:
            let (body, problems) = unfinishedBody(missing: .gap)
            out(message(start: messageStart, headerLength: 0, field: nil, body: body, end: end, problems: problems))
        case .resync:
            skippedBytes += UInt64(buffer.count)
            buffer.removeAll()
        }
        phase = spec.kind == .raw ? .boundary : .resync(probing: false)
    }

    /// End of stream (FIN, RST, end of capture): a partial message is reported with
    /// `truncated_header` or `truncated_body` (a pending `raw` segment is simply complete).
    /// All state is cleared; message numbering continues.
    public mutating func finish() -> [FramedMessage] {
        var out: [FramedMessage] = []
        finish { out.append($0) }
        return out
    }

    /// The same, handing the message to `out`.
    public mutating func finish(into out: (consuming FramedMessage) -> Void) {
        let end = position ?? 0
        switch phase {
        case .boundary:
            break
        case .header:
            out(message(start: messageStart, headerLength: buffer.count, field: nil, body: [], end: end,
                        problems: spec.unfinished(count: buffer.count, last: buffer.last, missing: .truncatedBody)))
        case let .body(field, _):
            let width = spec.headerWidth ?? 0
            let problems = spec.unfinished(count: width + buffer.count, last: buffer.last, missing: .truncatedBody)
            out(message(start: messageStart, headerLength: width, field: field, body: takeBuffer(), end: end, problems: problems))
        case .line, .longLine, .raw:
            let (body, problems) = unfinishedBody(missing: .truncatedBody)
            out(message(start: messageStart, headerLength: 0, field: nil, body: body, end: end, problems: problems))
        case .resync:
            skippedBytes += UInt64(buffer.count)
        }
        buffer = []
        phase = .boundary
        position = nil
    }

    /// The current segment is over. `raw` framing completes its pending message now instead of
    /// at the next segment start; other framings have nothing to do.
    public mutating func endOfSegment() -> [FramedMessage] {
        var out: [FramedMessage] = []
        endOfSegment { out.append($0) }
        return out
    }

    /// The same, handing the message to `out`.
    public mutating func endOfSegment(into out: (consuming FramedMessage) -> Void) {
        guard case let .raw(overLimit) = phase else { return }
        phase = .boundary
        let end = position ?? messageStart
        out(message(start: messageStart, headerLength: 0, field: nil, body: takeBuffer(), end: end, problems: overLimit ? [.lengthOverLimit] : []))
    }

    // MARK: - length formats

    mutating func feedLength(_ p: UnsafeRawBufferPointer, from first: Int, base: UInt64, width: Int, segmentStart: Bool,
                             bodies: BodyPool?, into out: (consuming FramedMessage) -> Void) {
        var i = first
        let n = p.count
        if case let .resync(probing) = phase, segmentStart, i == 0 {
            if probing { skippedBytes += UInt64(buffer.count) }  // the previous segment was shorter than a header
            buffer.removeAll(keepingCapacity: true)
            phase = .resync(probing: true)
            messageStart = base
        }
        while i < n {
            switch phase {
            case .resync(probing: false):
                skippedBytes += UInt64(n - i)
                return
            case .resync(probing: true):
                let probeStart = i - buffer.count
                let take = min(width - buffer.count, n - i)
                buffer.append(p, i..<(i + take))
                i += take
                guard buffer.count == width else { return }
                let probe = buffer.withUnsafeBytes { spec.step($0) }
                let cut: MessageCut? = switch probe {
                case let .message(c), let .needMore(_, c?): c
                default: nil
                }
                if let cut, !strictResync || (probeStart == 0 && confirmsBoundary(p, declared: cut.declared, width: width)) {
                    strictResync = false
                    headerComplete(cut, width: width, into: out)  // resume: the probe is this message's header
                } else {
                    skippedBytes += UInt64(buffer.count)
                    buffer.removeAll(keepingCapacity: true)
                    phase = .resync(probing: false)
                }
            case .boundary:
                messageStart = base &+ UInt64(i)
                let rest = UnsafeRawBufferPointer(rebasing: p[i..<n])
                switch spec.step(rest) {
                case let .message(cut):
                    // Fast path: the whole message is in this feed.
                    let bodyStart = i + width
                    i = bodyStart + cut.bodyLength
                    out(message(start: messageStart, headerLength: width, field: cut.field, body: copyBody(p, bodyStart..<i, bodies),
                                end: base &+ UInt64(i), problems: []))
                case let .problem(problem, cut):
                    i += width
                    badHeader(problem, cut, into: out)
                case let .needMore(_, cut):
                    if let cut {
                        buffer.append(p, (i + width)..<n)
                        phase = .body(cut.field!, declared: cut.bodyLength)
                    } else {
                        buffer.append(contentsOf: rest)
                        phase = .header
                    }
                    return
                }
            case .header:
                // `buffer` holds the header's first bytes, `p[i...]` the rest of what came.
                let held = buffer.count
                let step = buffer.withUnsafeBytes { spec.step(UnsafeRawBufferPointer(rebasing: p[i..<n]), held: $0) }
                let bodyStart = i + width - held
                switch step {
                case let .message(cut):
                    buffer.removeAll(keepingCapacity: true)
                    i = bodyStart + cut.bodyLength
                    out(message(start: messageStart, headerLength: width, field: cut.field, body: copyBody(p, bodyStart..<i, bodies),
                                end: base &+ UInt64(i), problems: []))
                    phase = .boundary
                case let .problem(problem, cut):
                    i = bodyStart
                    badHeader(problem, cut, into: out)
                case let .needMore(_, cut):
                    if let cut {
                        buffer.removeAll(keepingCapacity: true)
                        buffer.append(p, bodyStart..<n)
                        phase = .body(cut.field!, declared: cut.bodyLength)
                    } else {
                        buffer.append(p, i..<n)
                    }
                    return
                }
            case let .body(field, declared):
                // The step's need-more is exact: `declared` body bytes make the message.
                let take = min(declared - buffer.count, n - i)
                buffer.append(p, i..<(i + take))
                i += take
                if buffer.count == declared {
                    out(message(start: messageStart, headerLength: width, field: field, body: takeBuffer(),
                                end: base &+ UInt64(i), problems: []))
                    phase = .boundary
                }
            case .line, .longLine, .raw:
                return
            }
        }
    }

    /// A probe's plausible header was read from `buffer`: start its body.
    mutating func headerComplete(_ cut: MessageCut, width: Int, into out: (consuming FramedMessage) -> Void) {
        buffer.removeAll(keepingCapacity: true)
        if cut.bodyLength == 0 {
            out(message(start: messageStart, headerLength: width, field: cut.field, body: [],
                        end: messageStart &+ UInt64(width), problems: []))
            phase = .boundary
        } else {
            phase = .body(cut.field!, declared: cut.bodyLength)
        }
    }

    /// Whether the segment `p` (whose first bytes are a candidate header declaring `declared`)
    /// looks like it starts a message: the message ends exactly at the segment's end, or another
    /// plausible header follows it inside the segment, or it runs past a segment of at least 536
    /// bytes (the smallest IPv4 MSS: a full segment of a message split by TCP). A small segment
    /// whose first bytes declare more than it holds is more likely the tail of a message whose
    /// start was not captured — so it is skipped rather than trusted.
    func confirmsBoundary(_ p: UnsafeRawBufferPointer, declared: Int64, width: Int) -> Bool {
        let n = p.count
        let end = Int64(width) + declared
        if end == Int64(n) { return true }
        if end > Int64(n) { return n >= 536 }
        let next = Int(end)
        guard n - next >= width else { return false }
        if case .problem = spec.step(UnsafeRawBufferPointer(rebasing: p[next..<n])) { return false }
        return true
    }

    /// A negative or over-limit length (the step's problem): report the header alone, then resync.
    mutating func badHeader(_ problem: FrameProblem, _ cut: MessageCut, into out: (consuming FramedMessage) -> Void) {
        buffer.removeAll(keepingCapacity: true)
        out(message(start: messageStart, headerLength: cut.headerLength, field: cut.field, body: [],
                    end: messageStart &+ UInt64(cut.headerLength), problems: [problem]))
        phase = .resync(probing: false)
    }

    // MARK: - helpers

    /// The body and problems of a line or raw message cut by a gap or the end of the stream
    /// (`FrameSpec.unfinished` decides). For `.line`, `buffer` may hold one byte more than
    /// maxMessage (room for the `\r` of a CRLF), which is never part of the body.
    mutating func unfinishedBody(missing: FrameProblem) -> (body: [UInt8], problems: [FrameProblem]) {
        var body = takeBuffer()
        let dropped: Bool  // bytes past the limit were dropped: the message was longer than it holds
        switch phase {
        case .longLine, .raw(overLimit: true): dropped = true
        default: dropped = false
        }
        let problems = spec.unfinished(count: dropped ? Int.max : body.count, last: dropped ? nil : body.last, missing: missing)
        if body.count > spec.maxMessage { body.removeLast(body.count - spec.maxMessage) }
        return (body, problems)
    }

    mutating func takeBuffer() -> [UInt8] {
        let b = buffer
        buffer = []
        return b
    }

    /// The bytes of `p` at `range` as a body: in a spare's storage when `bodies` has one.
    @inline(__always)
    func copyBody(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, _ bodies: BodyPool?) -> [UInt8] {
        if let bodies { return bodies.copy(p, range) }
        return p.copyBytes(range)
    }

    /// Before the first bytes of a message that is cut from the feed in hand (a line, a raw
    /// segment): when the buffer has no storage, a spare's from `bodies`.
    @inline(__always)
    mutating func bufferFromSpare(_ bodies: BodyPool?) {
        if buffer.capacity == 0, let spare = bodies?.take() { buffer = spare }
    }

    mutating func message(start: UInt64, headerLength: Int, field: FrameSpec.Field?, body: [UInt8],
                                  end: UInt64, problems: [FrameProblem]) -> FramedMessage {
        defer { nextIndex += 1 }
        return FramedMessage.make(index: nextIndex, start: start, headerLength: headerLength, field: field,
                                  body: body, end: end, problems: problems)
    }
}
