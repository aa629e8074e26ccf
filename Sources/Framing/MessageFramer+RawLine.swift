// The framer's raw and line sub-machines: a segment is a message (raw), or a message ends at \n
// (CRLF tolerated; the limit and the CR rules as the type's documentation says).

extension MessageFramer {
    // MARK: - raw

    /// A spare from `bodies` holds the segment until `endOfSegment` (the stage calls it right
    /// after the feed).
    mutating func feedRaw(_ p: UnsafeRawBufferPointer, from first: Int, base: UInt64, segmentStart: Bool,
                          bodies: BodyPool?, into out: (consuming FramedMessage) -> Void) {
        if segmentStart || !isRaw(phase) {
            if case let .raw(overLimit) = phase {
                out(message(start: messageStart, headerLength: 0, field: nil, body: takeBuffer(),
                            end: base &+ UInt64(first), problems: overLimit ? [.lengthOverLimit] : []))
            }
            phase = .raw(overLimit: false)
            messageStart = base &+ UInt64(first)
        }
        let room = max(spec.maxMessage - buffer.count, 0)
        let count = p.count - first
        bufferFromSpare(bodies)
        buffer.append(p, first..<(first + min(room, count)))
        if count > room { phase = .raw(overLimit: true) }
    }

    func isRaw(_ phase: Phase) -> Bool {
        if case .raw = phase { return true }
        return false
    }

    // MARK: - line

    mutating func feedLine(_ p: UnsafeRawBufferPointer, from first: Int, base: UInt64, segmentStart: Bool,
                           bodies: BodyPool?, into out: (consuming FramedMessage) -> Void) {
        var i = first
        let n = p.count
        if case .resync = phase {
            guard segmentStart && i == 0 else {
                skippedBytes += UInt64(n - i)
                return
            }
            phase = .boundary
        }
        while i < n {
            switch phase {
            case .longLine:
                guard let nl = firstNewline(p, from: i) else { return }  // the rest of the long line is dropped
                out(message(start: messageStart, headerLength: 0, field: nil, body: takeBuffer(),
                            end: base &+ UInt64(nl + 1), problems: [.lengthOverLimit]))
                phase = .boundary
                i = nl + 1
            case .boundary, .line:
                if case .boundary = phase { messageStart = base &+ UInt64(i) }
                // The line so far is buffer + p[i...]; `buffer` holds no "\n".
                let held = buffer.count
                let step = buffer.withUnsafeBytes { spec.step(UnsafeRawBufferPointer(rebasing: p[i..<n]), held: $0, scanned: held) }
                switch step {
                case let .problem(_, cut) where cut.length == nil:
                    // Over the limit with no "\n" yet: keep the first maxMessage bytes, drop the
                    // rest of the line.
                    let keep = max(spec.maxMessage - buffer.count, 0)
                    buffer.append(p, i..<(i + keep))
                    if buffer.count > spec.maxMessage { buffer.removeLast(buffer.count - spec.maxMessage) }
                    phase = .longLine
                    return
                case let .message(cut), let .problem(_, cut):
                    let next = i + (cut.length ?? 0) - held
                    bufferFromSpare(bodies)  // (a line whose bytes are all in this feed)
                    var body = takeBuffer()
                    if body.count > cut.bodyLength { body.removeLast(body.count - cut.bodyLength) }
                    let fromFeed = cut.bodyLength - body.count
                    if fromFeed > 0 { body.append(p, i..<(i + fromFeed)) }
                    let overLimit = if case .problem = step { true } else { false }
                    out(message(start: messageStart, headerLength: 0, field: nil, body: body,
                                end: base &+ UInt64(next), problems: overLimit ? [.lengthOverLimit] : []))
                    phase = .boundary
                    i = next
                case .needMore:
                    // No terminator yet; at most maxMessage + 1 bytes held (the step said so).
                    buffer.append(p, i..<n)
                    phase = .line
                    return
                }
            default:
                return
            }
        }
    }

    func firstNewline(_ p: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var j = start
        let n = p.count
        while j < n {
            if p[j] == 0x0A { return j }
            j += 1
        }
        return nil
    }
}
