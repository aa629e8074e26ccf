// TCP connection table, per-direction reassembly and Wireshark-like analysis.
//
// Per segment (`process`):
//   1. expire streams idle for `idleTimeoutSeconds` of capture time (the LRU head is the oldest);
//   2. find the stream by its normalised 4-tuple, or open one (evicting the least recently active
//      when `maxLiveStreams` is reached); a SYN that starts a new connection on a known 4-tuple
//      retires the old stream and opens a new one (`port_reuse`);
//   3. analyse the segment against its direction's state (`analyse`);
//   4. deliver its payload: in order and with nothing buffered it goes straight out as one
//      `.data` event (the only allocation is that copy); otherwise the parts not seen before are
//      copied into sorted pieces and delivered as soon as the hole before them fills;
//   5. apply its ACK to the other direction: bytes the peer acknowledged but that were never
//      captured are declared a gap, and what follows is delivered;
//   6. a RST ends both directions.
// Event order and memory bounds: see the contract in Streams.swift.
//
// Layout: the public class holds one `Engine` struct (the table and LRU list of `Conn` structs)
// which holds one `Output` struct (pending events, the shared budget, and the per-direction
// algorithms). Being structs, their accesses are checked at compile time; the class pays one
// runtime exclusivity check per call instead of one per field touched.

import Wire

/// One connection: its two directions and its place in the table and the LRU list. A struct kept
/// in `Engine.slots`, so every access is checked statically (no runtime exclusivity checks on
/// the per-segment path).
struct Conn {
    var index: Int
    var key: FlowKey
    var client: Endpoint
    var endpoints: StreamEndpoints
    var c2s = HalfStream()
    var s2c = HalfStream()
    var rstSeen = false
    /// Capture time (seconds) of the last segment.
    var lastSeen: Int64
    var live = true
    var prev = -1
    var next = -1
    /// Limits already reported for this stream (`LimitKind` bits).
    var warned: UInt8 = 0

    init(index: Int, key: FlowKey, client: Endpoint, endpoints: StreamEndpoints, lastSeen: Int64) {
        self.index = index
        self.key = key
        self.client = client
        self.endpoints = endpoints
        self.lastSeen = lastSeen
    }

    /// FIN seen both ways, or a RST: a new SYN on this 4-tuple is a new connection.
    var closed: Bool { rstSeen || (c2s.finOffset >= 0 && s2c.finOffset >= 0) }
    var fullyEnded: Bool { c2s.ended && s2c.ended }
}

enum LimitKind: UInt8 {
    case perDirection = 1, total = 2, holes = 4, pieces = 8, liveStreams = 16, idle = 32
}

/// What the per-direction code needs of its stream besides the direction itself.
struct StreamCtx {
    let index: Int
    var warned: UInt8
}

public final class TCPReassembler {
    public let limits: ReassemblyLimits
    /// All state lives in one struct. Not thread-safe (one reassembler belongs to one reading
    /// loop), so the runtime exclusivity check each call paid is skipped.
    @exclusivity(unchecked) private var engine: Engine

    public init(limits: ReassemblyLimits = .init()) {
        self.limits = limits
        engine = Engine(limits: limits)
    }

    /// Out-of-order bytes currently held, all streams (payload plus `pieceOverhead` per piece).
    public var bufferedBytes: Int { engine.out.totalBuffered }
    /// Streams in the table (open, or closed but not yet retired).
    public var liveStreams: Int { engine.table.count }

    /// Processes one segment: returns its layer-5 facts; the events it produced wait in
    /// `takeEvents()` / `drainEvents(_:)`.
    public func process(_ seg: TCPSegment) -> SessionInfo {
        engine.process(seg)
    }

    /// Events produced since the last call.
    public func takeEvents() -> [StreamEvent] {
        engine.out.take()
    }

    /// Hands each pending event to `body`, then clears them, reusing the buffer (no allocation).
    /// `body` must not call back into this reassembler.
    public func drainEvents(_ body: (StreamEvent) throws -> Void) rethrows {
        var events: [StreamEvent] = []
        swap(&events, &engine.out.pending)
        defer {
            // `events` is unique again here: clearing it keeps its capacity for the next segment.
            events.removeAll(keepingCapacity: true)
            swap(&events, &engine.out.pending)
        }
        for e in events { try body(e) }
    }

    /// End of capture: delivers whatever can be delivered, reports the remaining holes as gaps,
    /// ends every open direction with `.endOfCapture` (streams in index order), and empties the
    /// table. Returns every pending event.
    public func finish() -> [StreamEvent] {
        engine.finish()
    }
}

/// Events and the budget shared by all streams, and the per-direction algorithms.
struct Output {
    let limits: ReassemblyLimits
    var pending: [StreamEvent] = []
    var totalBuffered = 0
    var totalTail = 0

    init(limits: ReassemblyLimits) {
        self.limits = limits
    }

    mutating func take() -> [StreamEvent] {
        if pending.isEmpty { return [] }
        let out = pending
        pending = []
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
            seg, h, start: start, end: end, first: first, peerKeepAlive: p.lastWasKeepAlive, flags: &flags)
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

    /// Wireshark-like analysis of one segment (flags only; no state changes). Returns whether the
    /// segment is a keep-alive (its payload is then ignored). Rules:
    /// - keep_alive: at most one byte, sequence one before the next expected, no SYN/FIN/RST.
    /// - gap ("previous segment not captured"): not a RST and it starts beyond the next expected
    ///   sequence number, so bytes before it were sent but not captured.
    /// - For a payload [start, end): retransmission when every byte was seen before (delivered,
    ///   declared a gap, or buffered); spurious_retransmission instead when the peer had already
    ///   acknowledged all of it; overlap when only some bytes were seen; out_of_order when it
    ///   brings bytes never seen below the next expected sequence number (it fills a hole).
    ///   overlap_conflict is added during delivery when an overlapping byte differs from the copy
    ///   seen first (the first copy wins, as in Linux).
    /// - A SYN repeating the ISN, or a bare FIN at the known FIN offset: retransmission.
    /// - zero_window: window field 0 on a segment without SYN/FIN/RST.
    /// - dup_ack: a pure ACK (no payload, no SYN/FIN/RST) at the next expected sequence number
    ///   with the same acknowledgment and the same non-zero window as this direction's previous ACK,
    ///   unless it answers a keep-alive (Wireshark's keep_alive_ack, not a duplicate).
    /// - fin, rst: the flag is set. mid_stream and port_reuse are set by the connection table.
    func analyse(
        _ seg: TCPSegment, _ h: HalfStream, start: Int64, end: Int64, first: Bool, peerKeepAlive: Bool,
        flags: inout AnalysisSet
    ) -> Bool {
        let f = seg.flags
        let syn = f.contains(.syn), fin = f.contains(.fin), rst = f.contains(.rst), ack = f.contains(.ack)
        let length = end - start
        if fin { flags.insert(.fin) }
        if rst { flags.insert(.rst) }
        if seg.window == 0 && !syn && !fin && !rst { flags.insert(.zeroWindow) }
        if first { return false }

        if length <= 1 && !syn && !fin && !rst && start == h.highest - 1 {
            flags.insert(.keepAlive)
            return true
        }
        if rst { return false }
        if start > h.highest { flags.insert(.gap) }
        if length > 0 {
            let seen = h.seenCount(start, end)
            if seen == length {
                flags.insert(end <= h.ackedByPeer ? .spuriousRetransmission : .retransmission)
            } else {
                let unseenBelowHighest = max(0, min(end, h.highest) - start) - seen
                if seen > 0 { flags.insert(.overlap) }
                if unseenBelowHighest > 0 { flags.insert(.outOfOrder) }
            }
        } else if syn && h.synSeen && seg.sequence == h.isn {
            flags.insert(.retransmission)
        } else if fin && h.finOffset >= 0 && start == h.finOffset {
            flags.insert(.retransmission)
        } else if ack && !syn && !fin && h.hasLastAck && seg.acknowledgment == h.lastAck
            && seg.window == h.lastWindow && seg.window != 0 && start == h.highest && !peerKeepAlive
        {
            flags.insert(.dupAck)
        }
        return false
    }

    // MARK: - Delivery

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
        if start < h.cursor && !h.tail.isEmpty && tailDiffers(seg, h, start: start, capEnd: capEnd) {
            flags.insert(.overlapConflict)
        }
        let lo = max(start, h.cursor)
        if lo >= end { return }

        if h.pieces.isEmpty && start == h.cursor {
            // Fast path: in order, nothing buffered. One copy, straight out.
            let dataEnd = min(capEnd, end)
            if dataEnd > start {
                let bytes = [UInt8](UnsafeRawBufferPointer(rebasing: seg.payload[0 ..< Int(dataEnd - start)]))
                pending.append(.data(
                    stream: stream.index, direction: dir, offset: UInt64(clamping: start),
                    bytes: bytes, frame: seg.frame, segmentOffset: 0))
                retainTail(&h, start: start, bytes: bytes)
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
                let bytes = [UInt8](UnsafeRawBufferPointer(
                    rebasing: seg.payload[Int(pos - start) ..< Int(dataEnd - start)]))
                let piece = Piece(
                    start: pos, end: dataEnd, bytes: bytes, frame: seg.frame, missing: false,
                    segmentOffset: Int(pos - start))
                h.pieces.insert(piece, at: i)
                h.bufferedCost += piece.cost
                totalBuffered += piece.cost
                i += 1
                pos = dataEnd
            }
            if pos < holeEnd {
                let piece = Piece(
                    start: pos, end: holeEnd, bytes: [], frame: seg.frame, missing: true, segmentOffset: Int(pos - start))
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
        let tailEnd = h.tailStart + Int64(h.tail.count)
        let a = max(start, h.tailStart), b = min(capEnd, tailEnd, h.cursor)
        guard b > a else { return false }
        return h.tail.withUnsafeBufferPointer { t in
            var x = a
            while x < b {
                if seg.payload[Int(x - start)] != t[Int(x - h.tailStart)] { return true }
                x += 1
            }
            return false
        }
    }

    func piecesDiffer(_ seg: TCPSegment, segStart: Int64, _ piece: Piece, from a: Int64, to b: Int64) -> Bool {
        piece.bytes.withUnsafeBufferPointer { t in
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
                if !piece.missing { piece.bytes = Array(piece.bytes.prefix(Int(h.finOffset - piece.start))) }
                piece.end = h.finOffset
            }
            if piece.end <= h.cursor { continue }
            if piece.missing {
                emitGap(stream.index, dir, offset: piece.start, length: piece.end - piece.start)
            } else {
                pending.append(.data(
                    stream: stream.index, direction: dir, offset: UInt64(clamping: piece.start),
                    bytes: piece.bytes, frame: piece.frame, segmentOffset: piece.segmentOffset))
                retainTail(&h, start: piece.start, bytes: piece.bytes)
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

    mutating func retainTail(_ h: inout HalfStream, start: Int64, bytes: [UInt8]) {
        totalTail -= h.tail.count
        if bytes.count <= limits.maxRetainedTailBytesPerDirection
            && totalTail + bytes.count <= limits.maxRetainedTailBytesTotal
        {
            h.tail = bytes
            h.tailStart = start
            totalTail += bytes.count
        } else {
            h.tail = []
        }
    }

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
        totalTail -= h.tail.count
        h.tail = []
        pending.append(.ended(stream: stream.index, direction: dir, reason: reason))
    }

    mutating func emitGap(_ stream: Int, _ dir: Direction, offset: Int64, length: Int64) {
        guard length > 0 else { return }
        if case .gap(let s, let d, let o, let l?)? = pending.last, s == stream, d == dir,
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

/// The connection table: streams by key, in slots linked in least-recently-active order.
struct Engine {
    var table: [FlowKey: Int] = [:]
    var slots: [Conn] = []
    var freeSlots: [Int] = []
    var lruHead = -1
    var lruTail = -1
    var nextIndex = 0
    /// Latest capture time seen (seconds).
    var now: Int64 = .min
    var out: Output

    var limits: ReassemblyLimits { out.limits }

    init(limits: ReassemblyLimits) {
        out = Output(limits: limits)
    }

    mutating func process(_ seg: TCPSegment) -> SessionInfo {
        if seg.timestamp.seconds > now { now = seg.timestamp.seconds }
        expireIdle()

        var flags = AnalysisSet()
        let src = Endpoint(address: seg.source, port: seg.sourcePort)
        let dst = Endpoint(address: seg.destination, port: seg.destinationPort)
        let key = FlowKey(src, dst)
        let synOnly = seg.flags.contains(.syn) && !seg.flags.contains(.ack)

        var slot: Int
        if let found = table[key], slots[found].live {
            slot = found
            if synOnly && Self.isNewConnection(slots[slot], sender: src, sequence: seg.sequence) {
                // port_reuse: the 4-tuple carries a new connection; the old one is over.
                retire(slot, reason: .evicted)
                slot = open(key, src, dst, seg.flags)
                flags.insert(.portReuse)
            }
        } else {
            slot = open(key, src, dst, seg.flags)
        }
        slots[slot].lastSeen = now
        touch(slot)

        let dir: Direction = src == slots[slot].client ? .clientToServer : .serverToClient
        let rel = out.handle(seg, &slots[slot], dir: dir, flags: &flags)
        if seg.flags.contains(.rst) {
            slots[slot].rstSeen = true
            out.closeDirections(&slots[slot], reason: .rst)
        }
        return SessionInfo(
            stream: slots[slot].index, direction: dir,
            relativeSequence: rel.0, relativeAcknowledgment: rel.1, analysis: flags.list
        )
    }

    mutating func finish() -> [StreamEvent] {
        let live = slots.indices.filter { slots[$0].live }.sorted { slots[$0].index < slots[$1].index }
        for slot in live { out.closeDirections(&slots[slot], reason: .endOfCapture) }
        table.removeAll()
        slots.removeAll()
        freeSlots.removeAll()
        lruHead = -1
        lruTail = -1
        return out.take()
    }

    /// Whether a SYN (without ACK) from `sender` starts a new connection on this stream's 4-tuple:
    /// the old one is closed (FIN both ways or RST), or the sender's direction had a different ISN,
    /// or it had been sending without a SYN. A SYN repeating the ISN is a retransmission; a SYN
    /// whose SYN-ACK was captured first belongs to this connection.
    static func isNewConnection(_ s: Conn, sender: Endpoint, sequence: UInt32) -> Bool {
        if s.closed { return true }
        let (h, p) = sender == s.client ? (s.c2s, s.s2c) : (s.s2c, s.c2s)
        if h.synSeen { return h.isn != sequence }
        if !h.started { return !(p.synSeen && p.hasLastAck && p.lastAck == sequence &+ 1) }
        return true
    }

    mutating func open(_ key: FlowKey, _ src: Endpoint, _ dst: Endpoint, _ flags: TCPFlags) -> Int {
        while table.count >= max(1, limits.maxLiveStreams), lruHead >= 0 {
            let victim = lruHead
            retire(victim, reason: .evicted, limit: .liveStreams) { [n = limits.maxLiveStreams] index in
                "stream \(index): limit on live streams (\(n)) hit: evicted as the least "
                    + "recently active; its buffered data was flushed and its open directions ended"
            }
        }
        let client: Endpoint, server: Endpoint, reason: String
        if flags.contains(.syn) && !flags.contains(.ack) {
            (client, server, reason) = (src, dst, "sent the SYN")
        } else if flags.contains(.syn) {
            (client, server, reason) = (dst, src, "received the SYN-ACK")
        } else if src.port > dst.port {
            (client, server, reason) = (src, dst, "guessed: the higher (ephemeral) port is the client")
        } else if src.port < dst.port {
            (client, server, reason) = (dst, src, "guessed: the higher (ephemeral) port is the client")
        } else {
            (client, server, reason) = (src, dst, "guessed: equal ports, the first sender is the client")
        }
        let endpoints = StreamEndpoints(
            client: client.address, clientPort: client.port,
            server: server.address, serverPort: server.port, roleReason: reason)
        let conn = Conn(index: nextIndex, key: key, client: client, endpoints: endpoints, lastSeen: now)
        nextIndex += 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[free] = conn
        } else {
            slot = slots.count
            slots.append(conn)
        }
        table[key] = slot
        lruAppend(slot)
        out.pending.append(.opened(stream: conn.index, endpoints: endpoints))
        return slot
    }

    /// Closes a stream and removes it from the table.
    /// Ends a stream because `limit` was hit: a stream with a direction still open is warned
    /// about (once per stream and limit, `warning` given its index), then retired.
    mutating func retire(_ slot: Int, reason: EndReason, limit: LimitKind, warning: (Int) -> String) {
        if !slots[slot].fullyEnded {
            var ctx = StreamCtx(index: slots[slot].index, warned: slots[slot].warned)
            if Output.firstHit(&ctx, limit) { out.pending.append(.warning(warning(ctx.index))) }
            slots[slot].warned = ctx.warned
        }
        retire(slot, reason: reason)
    }

    mutating func retire(_ slot: Int, reason: EndReason) {
        out.closeDirections(&slots[slot], reason: reason)
        lruUnlink(slot)
        if table[slots[slot].key] == slot { table[slots[slot].key] = nil }
        // Free the slot's memory; keep a cheap placeholder.
        slots[slot].live = false
        slots[slot].c2s = HalfStream()
        slots[slot].s2c = HalfStream()
        freeSlots.append(slot)
    }

    /// Ends streams without a segment for `idleTimeoutSeconds` (the LRU list is in last-seen order).
    mutating func expireIdle() {
        while lruHead >= 0 {
            let slot = lruHead
            let (idle, overflow) = now.subtractingReportingOverflow(slots[slot].lastSeen)
            guard overflow || idle > limits.idleTimeoutSeconds else { return }
            retire(slot, reason: .idle, limit: .idle) { [t = limits.idleTimeoutSeconds] index in
                "stream \(index): idle for more than \(t) s of capture time: "
                    + "its buffered data was flushed and its open directions ended"
            }
        }
    }

    mutating func touch(_ slot: Int) {
        if lruTail == slot { return }
        lruUnlink(slot)
        lruAppend(slot)
    }

    mutating func lruUnlink(_ slot: Int) {
        let prev = slots[slot].prev, next = slots[slot].next
        if prev >= 0 { slots[prev].next = next } else if lruHead == slot { lruHead = next }
        if next >= 0 { slots[next].prev = prev } else if lruTail == slot { lruTail = prev }
        slots[slot].prev = -1
        slots[slot].next = -1
    }

    mutating func lruAppend(_ slot: Int) {
        slots[slot].prev = lruTail
        slots[slot].next = -1
        if lruTail >= 0 { slots[lruTail].next = slot } else { lruHead = slot }
        lruTail = slot
    }
}
