// Per-direction reassembly of `TCPReassembler`: the events and byte budget shared by all
// streams, and for each direction the delivery of bytes in order (pieces, holes, gaps, FIN).

import Wire

/// Events and the budget shared by all streams, and the per-direction algorithms.
struct DirectionReassembly {
    let limits: ReassemblyLimits
    var pending: [StreamEvent] = []
    /// Events below this index count as handed over: a gap is never merged into them (a caller
    /// that keeps events pending across segments sees what one draining after each segment sees).
    var mergeFloor = 0
    /// Payload bytes of the `.data` events in `pending`.
    var pendingDataBytes = 0
    var totalBuffered = 0
    /// Bytes the directions' retained tails keep, together (what the tail limits count).
    var totalTail = 0
    /// Where delivered bytes are copied for their `.data` events.
    var arena = SegmentArena()

    init(limits: ReassemblyLimits) {
        self.limits = limits
    }

    mutating func take() -> [StreamEvent] {
        if pending.isEmpty { return [] }
        let out = pending
        pending = []
        mergeFloor = 0
        pendingDataBytes = 0
        return out
    }

    /// Analyses and delivers one segment of `c` in direction `dir`.
    mutating func handle(
        _ seg: TCPSegment, _ c: inout Conn, dir: Direction, flags: inout AnalysisSet
    ) -> (UInt32, UInt32?) {
        var stream = StreamCtx(index: c.index, warned: c.warned)
        defer { c.warned = stream.warned }
        if dir == .clientToServer {
            return handleDirection(seg, &c.c2s, &c.s2c, stream: &stream, dir: dir, flags: &flags)
        } else {
            return handleDirection(seg, &c.s2c, &c.c2s, stream: &stream, dir: dir, flags: &flags)
        }
    }

    /// Flushes and ends both directions (a direction whose FIN is reached ends with `.fin`).
    mutating func closeDirections(_ c: inout Conn, reason: EndReason) {
        var stream = StreamCtx(index: c.index, warned: c.warned)
        defer { c.warned = stream.warned }
        flush(&c.c2s, stream: &stream, dir: .clientToServer)
        checkFin(&c.c2s, stream: &stream, dir: .clientToServer)
        end(&c.c2s, stream: &stream, dir: .clientToServer, reason: reason)
        flush(&c.s2c, stream: &stream, dir: .serverToClient)
        checkFin(&c.s2c, stream: &stream, dir: .serverToClient)
        end(&c.s2c, stream: &stream, dir: .serverToClient, reason: reason)
    }

    /// Analyses and delivers one segment of direction `h` (peer `p`); returns relative seq/ack.
    mutating func handleDirection(
        _ seg: TCPSegment, _ h: inout HalfStream, _ p: inout HalfStream,
        stream: inout StreamCtx, dir: Direction, flags: inout AnalysisSet
    ) -> (UInt32, UInt32?) {
        let f = seg.flags
        let syn = f.contains(.syn), fin = f.contains(.fin), rst = f.contains(.rst), ack = f.contains(.ack)

        // Where this direction's numbers start. With a SYN: ISN from it, SYN = offset -1 / rel 0.
        // Otherwise (mid_stream): the first sequence number seen is offset 0 and rel 1, unless the
        // peer's ACK already fixed the base (then relative numbers stay consistent with it).
        let first = !h.started
        if first {
            h.started = true
            if syn {
                h.synSeen = true
                h.isn = seg.sequence
                h.baseKnown = true
                h.origin = seg.sequence &+ 1
            } else {
                if !h.baseKnown {
                    h.isn = seg.sequence &- 1
                    h.baseKnown = true
                }
                h.origin = seg.sequence
                flags.insert(.midStream)
                pending.append(.midStream(stream: stream.index, direction: dir))
            }
        }
        let relSeq = seg.sequence &- h.isn
        var relAck: UInt32? = nil
        if ack {
            if !p.baseKnown {
                p.isn = seg.acknowledgment &- 1
                p.baseKnown = true
            }
            relAck = seg.acknowledgment &- p.isn
        }

        // Claimed payload [start, end) in stream offsets; the SYN takes the sequence number before.
        let length = Int64(min(max(seg.payloadLength, 0), Int(Int32.max)))
        let start = h.offset(of: seg.sequence) + (syn ? 1 : 0)
        let end = start + length

        let keepAlive = analyse(
            seg, &h, start: start, end: end, first: first, peerKeepAlive: p.lastWasKeepAlive, flags: &flags)
        h.lastWasKeepAlive = keepAlive

        if ack {
            h.lastAck = seg.acknowledgment
            h.lastWindow = seg.window
            h.hasLastAck = true
        }
        if !rst && !keepAlive {
            let newHighest = end + (fin ? 1 : 0)
            if newHighest > h.highest { h.highest = newHighest }
            if fin && h.finOffset < 0 { h.finOffset = end }
        }
        // RST payload is diagnostic text, not stream data; a keep-alive byte is a stale copy.
        if !h.ended && !rst && !keepAlive && length > 0 {
            deliver(seg, &h, start: start, end: end, stream: &stream, dir: dir, flags: &flags)
        }
        checkFin(&h, stream: &stream, dir: dir)

        // The ACK speaks for the other direction: bytes it acknowledges were on the wire; those
        // never captured become a gap so delivery continues after them.
        if ack && p.started && !p.ended {
            let acked = p.offset(of: seg.acknowledgment)
            if acked > p.ackedByPeer { p.ackedByPeer = acked }
            var target = acked
            if p.finOffset >= 0 && target > p.finOffset { target = p.finOffset }
            if target > p.cursor {
                skip(&p, to: target, stream: &stream, dir: dir.opposite)
                if target > p.highest { p.highest = target }
                checkFin(&p, stream: &stream, dir: dir.opposite)
            }
        }
        return (relSeq, relAck)
    }

    /// Delivers or buffers the payload [start, end) of `seg` in direction `h`.
    mutating func deliver(
        _ seg: TCPSegment, _ h: inout HalfStream, start: Int64, end claimedEnd: Int64,
        stream: inout StreamCtx, dir: Direction, flags: inout AnalysisSet
    ) {
        let captured = Int64(min(seg.payload.count, Int(claimedEnd - start)))
        let capEnd = start + captured
        var end = claimedEnd
        if h.finOffset >= 0 && end > h.finOffset { end = h.finOffset }

        // Bytes below the cursor were delivered: compare with the retained tail.
        if start < h.cursor && h.tailCount > 0 && tailDiffers(seg, h, start: start, capEnd: capEnd) {
            flags.insert(.overlapConflict)
        }
        let lo = max(start, h.cursor)
        if lo >= end { return }

        if h.pieces.isEmpty && start == h.cursor {
            // Fast path: in order, nothing buffered. One copy, straight out.
            let dataEnd = min(capEnd, end)
            if dataEnd > start {
                let payload = UnsafeRawBufferPointer(rebasing: seg.payload[0 ..< Int(dataEnd - start)])
                pendingDataBytes += payload.count
                pending.append(.data(
                    stream: stream.index, direction: dir, offset: UInt64(clamping: start),
                    bytes: arena.copy(payload), frame: seg.frame, segmentOffset: 0))
                retainTail(&h, start: start, bytes: payload)
            }
            if end > dataEnd { emitGap(stream.index, dir, offset: dataEnd, length: end - dataEnd) }
            h.cursor = end
            return
        }

        // Slow path: copy the parts no earlier copy covers (first copy wins), compare the rest.
        var pos = lo
        var i = h.firstPiece(endingAfter: pos)
        while pos < end {
            if i < h.pieces.count && h.pieces[i].start <= pos {
                let coveredEnd = min(h.pieces[i].end, end)
                let compareEnd = min(coveredEnd, capEnd)
                if !h.pieces[i].missing && compareEnd > pos
                    && piecesDiffer(seg, segStart: start, h.pieces[i], from: pos, to: compareEnd)
                {
                    flags.insert(.overlapConflict)
                }
                pos = coveredEnd
                i += 1
                continue
            }
            let holeEnd = i < h.pieces.count ? min(h.pieces[i].start, end) : end
            if pos < capEnd {
                let dataEnd = min(holeEnd, capEnd)
                let piece = Piece(
                    start: pos, bytes: UnsafeRawBufferPointer(rebasing: seg.payload[Int(pos - start) ..< Int(dataEnd - start)]),
                    frame: seg.frame, segmentOffset: Int(pos - start))
                h.pieces.insert(piece, at: i)
                h.bufferedCost += piece.cost
                totalBuffered += piece.cost
                i += 1
                pos = dataEnd
            }
            if pos < holeEnd {
                let piece = Piece(missingFrom: pos, to: holeEnd, frame: seg.frame, segmentOffset: Int(pos - start))
                h.pieces.insert(piece, at: i)
                h.bufferedCost += piece.cost
                totalBuffered += piece.cost
                i += 1
                pos = holeEnd
            }
        }
        drain(&h, stream: &stream, dir: dir)
        enforceLimits(&h, stream: &stream, dir: dir)
    }

    /// Whether captured bytes of `seg` differ from the retained tail where both exist.
    func tailDiffers(_ seg: TCPSegment, _ h: HalfStream, start: Int64, capEnd: Int64) -> Bool {
        let tailEnd = h.tailStart + Int64(h.tailCount)
        let a = max(start, h.tailStart), b = min(capEnd, tailEnd, h.cursor)
        guard b > a else { return false }
        guard let tail = h.tail else { return false }
        return withExtendedLifetime(tail) {
            let t = tail.base
            var x = a
            while x < b {
                if seg.payload[Int(x - start)] != t[Int(x - h.tailStart)] { return true }
                x += 1
            }
            return false
        }
    }

    func piecesDiffer(_ seg: TCPSegment, segStart: Int64, _ piece: Piece, from a: Int64, to b: Int64) -> Bool {
        piece.bytes.withUnsafeBytes { t in
            var x = a
            while x < b {
                if seg.payload[Int(x - segStart)] != t[Int(x - piece.start)] { return true }
                x += 1
            }
            return false
        }
    }

    /// Delivers the pieces that start at the cursor.
    mutating func drain(_ h: inout HalfStream, stream: inout StreamCtx, dir: Direction) {
        var k = 0
        while k < h.pieces.count && h.pieces[k].start <= h.cursor {
            var piece = h.pieces[k]
            k += 1
            h.bufferedCost -= piece.cost
            totalBuffered -= piece.cost
            // Nothing is delivered past a FIN (only hostile input puts data there).
            if h.finOffset >= 0 && piece.end > h.finOffset {
                if piece.start >= h.finOffset { continue }
                piece.end = h.finOffset
            }
            if piece.end <= h.cursor { continue }
            if piece.missing {
                emitGap(stream.index, dir, offset: piece.start, length: piece.end - piece.start)
            } else {
                let bytes = piece.bytes
                pendingDataBytes += bytes.count
                pending.append(.data(
                    stream: stream.index, direction: dir, offset: UInt64(clamping: piece.start),
                    bytes: bytes, frame: piece.frame, segmentOffset: piece.segmentOffset))
                bytes.withUnsafeBytes { retainTail(&h, start: piece.start, bytes: $0) }
            }
            h.cursor = piece.end
        }
        if k > 0 { h.pieces.removeFirst(k) }
    }

    /// Declares the hole at the cursor a gap and delivers what follows it.
    mutating func skipFirstHole(_ h: inout HalfStream, stream: inout StreamCtx, dir: Direction) {
        guard let first = h.pieces.first else { return }
        if first.start > h.cursor {
            emitGap(stream.index, dir, offset: h.cursor, length: first.start - h.cursor)
            h.cursor = first.start
        }
        drain(&h, stream: &stream, dir: dir)
    }

    /// Moves the cursor to `target`: holes before it become gaps, buffered data is delivered.
    mutating func skip(_ h: inout HalfStream, to target: Int64, stream: inout StreamCtx, dir: Direction) {
        while h.cursor < target {
            if let first = h.pieces.first, first.start < target {
                skipFirstHole(&h, stream: &stream, dir: dir)
            } else {
                emitGap(stream.index, dir, offset: h.cursor, length: target - h.cursor)
                h.cursor = target
                drain(&h, stream: &stream, dir: dir)
            }
        }
    }

    /// Delivers everything still held (holes become gaps), then the bytes known to be missing up
    /// to the FIN or the highest sequence number seen.
    mutating func flush(_ h: inout HalfStream, stream: inout StreamCtx, dir: Direction) {
        guard !h.ended else { return }
        while !h.pieces.isEmpty { skipFirstHole(&h, stream: &stream, dir: dir) }
        let known = h.finOffset >= 0 ? h.finOffset : h.highest
        if known > h.cursor {
            emitGap(stream.index, dir, offset: h.cursor, length: known - h.cursor)
            h.cursor = known
        }
    }

    /// Applies the per-direction and total limits after `h` grew: while one is exceeded, the first
    /// hole becomes a gap (gopacket's flush of the oldest data). Since only `h` grew, emptying it
    /// always restores the total.
    mutating func enforceLimits(_ h: inout HalfStream, stream: inout StreamCtx, dir: Direction) {
        while let first = h.pieces.first {
            let kind: LimitKind
            if h.bufferedCost > limits.maxOutOfOrderBytesPerDirection {
                kind = .perDirection
            } else if h.pieces.count > limits.maxPiecesPerDirection {
                kind = .pieces
            } else if totalBuffered > limits.maxBufferedBytesTotal {
                kind = .total
            } else if h.holeCount() > limits.maxHolesPerDirection {
                kind = .holes
            } else {
                break
            }
            if Self.firstHit(&stream, kind) {
                let what: String
                switch kind {
                case .perDirection: what = "out-of-order bytes per direction (\(limits.maxOutOfOrderBytesPerDirection))"
                case .pieces: what = "buffered pieces per direction (\(limits.maxPiecesPerDirection))"
                case .total: what = "buffered bytes in total (\(limits.maxBufferedBytesTotal))"
                default: what = "holes per direction (\(limits.maxHolesPerDirection))"
                }
                pending.append(.warning(
                    "stream \(stream.index) \(dir.rawValue): limit on \(what) hit: "
                        + "\(first.start - h.cursor) missing bytes at offset \(h.cursor) declared a gap "
                        + "and the data after them delivered; further hits on this stream are not reported"))
            }
            skipFirstHole(&h, stream: &stream, dir: dir)
        }
    }

    /// Keeps `bytes`, just delivered from `start`, as the direction's tail: copied into the
    /// tail's storage, which is reused while it is large enough (no allocation per segment).
    /// The limits count the bytes kept, as they did when the tail was the delivered array
    /// itself, so which retransmissions are compared does not depend on the storage's size.
    /// The storage is at most four times what it keeps (at least 256 bytes): it grows by
    /// doubling and is made smaller when a segment needs far less, so its memory follows the
    /// bytes the limits count.
    @inline(__always)
    mutating func retainTail(_ h: inout HalfStream, start: Int64, bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        let others = totalTail - Int(h.tailCount)
        if n == 0 {
            // Nothing to keep (the storage stays for the next segment).
            totalTail = others
            h.tailCount = 0
            h.tailStart = start
            return
        }
        guard n <= limits.maxRetainedTailBytesPerDirection, others + n <= limits.maxRetainedTailBytesTotal else {
            dropTail(&h)
            return
        }
        let size = h.tail?.size ?? 0
        if n > size || size > 4 * max(n, 256) { resizeTail(&h, from: size, to: n) }
        h.tail.unsafelyUnwrapped.base.update(from: bytes.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self), count: n)
        h.tailCount = UInt32(n)
        h.tailStart = start
        totalTail = others + n
    }

    /// New tail storage for `n` bytes, its bytes uninitialised until copied into: the first
    /// exactly (many directions send one segment), then twice the old (at least 256 bytes, at
    /// most the per-direction limit) when growing, or `n` (at least 256) when shrinking.
    mutating func resizeTail(_ h: inout HalfStream, from old: Int, to n: Int) {
        let size: Int
        if old == 0 {
            size = n
        } else if n > old {
            size = max(n, min(max(2 * old, 256), limits.maxRetainedTailBytesPerDirection))
        } else {
            size = max(n, 256)
        }
        // (An array cost more: unspecialised, `[UInt8](repeating:count:)` looked up its
        // metadata on every call, and each copy into it checked it was unique.)
        h.tail = SegmentChunk.make(size)
    }

    /// Frees the direction's tail (nothing to compare later copies with).
    mutating func dropTail(_ h: inout HalfStream) {
        totalTail -= Int(h.tailCount)
        h.tail = nil
        h.tailCount = 0
    }

    /// Ends `h` with `.fin` once everything before its FIN was delivered (inline: a test on
    /// every segment, an end on one in thousands).
    @inline(__always)
    mutating func checkFin(_ h: inout HalfStream, stream: inout StreamCtx, dir: Direction) {
        if !h.ended && h.finOffset >= 0 && h.cursor >= h.finOffset {
            end(&h, stream: &stream, dir: dir, reason: .fin)
        }
    }

    /// Emits `.ended` once and frees the direction's buffers.
    mutating func end(_ h: inout HalfStream, stream: inout StreamCtx, dir: Direction, reason: EndReason) {
        guard !h.ended else { return }
        h.ended = true
        totalBuffered -= h.bufferedCost
        h.bufferedCost = 0
        h.pieces = []
        dropTail(&h)
        pending.append(.ended(stream: stream.index, direction: dir, reason: reason))
    }

    mutating func emitGap(_ stream: Int, _ dir: Direction, offset: Int64, length: Int64) {
        guard length > 0 else { return }
        if pending.count > mergeFloor, case .gap(let s, let d, let o, let l?)? = pending.last, s == stream, d == dir,
            o &+ l == UInt64(clamping: offset)
        {
            pending[pending.count - 1] = .gap(stream: s, direction: d, offset: o, length: l &+ UInt64(clamping: length))
            return
        }
        pending.append(.gap(stream: stream, direction: dir, offset: UInt64(clamping: offset), length: UInt64(clamping: length)))
    }

    /// True the first time `kind` is hit on this stream (a warning is emitted once per stream
    /// and limit).
    static func firstHit(_ stream: inout StreamCtx, _ kind: LimitKind) -> Bool {
        guard stream.warned & kind.rawValue == 0 else { return false }
        stream.warned |= kind.rawValue
        return true
    }

}
