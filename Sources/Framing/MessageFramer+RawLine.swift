// The framer's raw and line sub-machines: a segment is a message (raw), or a message ends at \n
// (CRLF tolerated; the limit and the CR rules as the type's documentation says).

extension MessageFramer {
    // MARK: - raw

    mutating func feedRaw(_ p: UnsafeRawBufferPointer, from first: Int, base: UInt64, segmentStart: Bool, into out: inout [FramedMessage]) {
        if segmentStart || !isRaw(phase) {
            if case let .raw(overLimit) = phase {
                out.append(message(start: messageStart, headerLength: 0, field: nil, body: takeBuffer(),
                                   end: base &+ UInt64(first), problems: overLimit ? [.lengthOverLimit] : []))
            }
            phase = .raw(overLimit: false)
            messageStart = base &+ UInt64(first)
        }
        let room = max(spec.maxMessage - buffer.count, 0)
        let count = p.count - first
        buffer.append(contentsOf: p[first..<(first + min(room, count))])
        if count > room { phase = .raw(overLimit: true) }
    }

    func isRaw(_ phase: Phase) -> Bool {
        if case .raw = phase { return true }
        return false
    }

    // MARK: - line

    mutating func feedLine(_ p: UnsafeRawBufferPointer, from first: Int, base: UInt64, segmentStart: Bool, into out: inout [FramedMessage]) {
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
            let newline = firstNewline(p, from: i)
            switch phase {
            case .longLine:
                guard let nl = newline else { return }  // the rest of the long line is dropped
                out.append(message(start: messageStart, headerLength: 0, field: nil, body: takeBuffer(),
                                   end: base &+ UInt64(nl + 1), problems: [.lengthOverLimit]))
                phase = .boundary
                i = nl + 1
            case .boundary, .line:
                if case .boundary = phase { messageStart = base &+ UInt64(i) }
                if let nl = newline {
                    // The line is buffer + p[i..<nl]; a final "\r" is not part of the body.
                    let hasCR = nl > i ? p[nl - 1] == 0x0D : buffer.last == 0x0D
                    let bodyLength = buffer.count + (nl - i) - (hasCR ? 1 : 0)
                    let overLimit = bodyLength > spec.maxMessage
                    let wanted = min(bodyLength, spec.maxMessage)
                    var body = takeBuffer()
                    if body.count > wanted { body.removeLast(body.count - wanted) }
                    let fromFeed = wanted - body.count
                    if fromFeed > 0 { body.append(contentsOf: p[i..<(i + fromFeed)]) }
                    out.append(message(start: messageStart, headerLength: 0, field: nil, body: body,
                                       end: base &+ UInt64(nl + 1), problems: overLimit ? [.lengthOverLimit] : []))
                    phase = .boundary
                    i = nl + 1
                } else {
                    // No terminator in the rest of this feed: keep at most maxMessage + 1 bytes
                    // (a body of exactly maxMessage may still be followed by "\r\n").
                    let (limit, overflow) = spec.maxMessage.addingReportingOverflow(1)
                    let room = (overflow ? Int.max : limit) - buffer.count
                    let count = n - i
                    if count <= room {
                        buffer.append(contentsOf: p[i..<n])
                        phase = .line
                    } else {
                        let keep = max(spec.maxMessage - buffer.count, 0)
                        buffer.append(contentsOf: p[i..<(i + keep)])
                        if buffer.count > spec.maxMessage { buffer.removeLast(buffer.count - spec.maxMessage) }
                        phase = .longLine
                    }
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
