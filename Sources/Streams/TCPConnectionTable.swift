// The connection table of `TCPReassembler`: streams by normalised 4-tuple, in slots linked in
// least-recently-active order (eviction, idle expiry, port reuse).

import Wire

/// One connection: its two directions and its place in the table and the LRU list. A struct kept
/// in `ConnectionTable.slots`, so every access is checked statically (no runtime exclusivity checks on
/// the per-segment path).
struct Conn {
    var index: Int
    var key: FlowKey
    var client: Endpoint
    var c2s = HalfStream()
    var s2c = HalfStream()
    var rstSeen = false
    var live = true
    /// Limits already reported for this stream (`LimitKind` bits).
    var warned: UInt8 = 0

    init(index: Int, key: FlowKey, client: Endpoint) {
        self.index = index
        self.key = key
        self.client = client
    }

    /// FIN seen both ways, or a RST: a new SYN on this 4-tuple is a new connection.
    var closed: Bool { rstSeen || (c2s.finOffset >= 0 && s2c.finOffset >= 0) }
    var fullyEnded: Bool { c2s.ended && s2c.ended }
}

enum LimitKind: UInt8 {
    case perDirection = 1, total = 2, holes = 4, pieces = 8, liveStreams = 16, idle = 32
}

/// A slot's place in the least-recently-active list, and its stream's last capture time
/// (seconds). Kept beside the slots, not in them: the list's upkeep on every segment touches
/// two or three neighbours, here 16 bytes each instead of a whole `Conn` (32-bit slot numbers:
/// four links a cache line, not two and a half).
struct LRULink {
    var prev: Int32 = -1
    var next: Int32 = -1
    var lastSeen: Int64
}

/// The connection table: streams by key, in slots linked in least-recently-active order.
struct ConnectionTable {
    var table = FlowIndex()
    var slots: [Conn] = []
    /// `links[i]` is slot i's.
    var links: [LRULink] = []
    var freeSlots: [Int] = []
    var lruHead = -1
    var lruTail = -1
    var nextIndex = 0
    /// Latest capture time seen (seconds).
    var now: Int64 = .min
    var out: DirectionReassembly

    var limits: ReassemblyLimits { out.limits }

    init(limits: ReassemblyLimits) {
        out = DirectionReassembly(limits: limits)
    }

    /// What `process` found out about a segment: `SessionInfo` without its array (which only a
    /// caller that wants the facts builds).
    struct Facts {
        var stream: Int
        var direction: Direction
        var relativeSequence: UInt32
        var relativeAcknowledgment: UInt32?
        var analysis: AnalysisSet
    }

    mutating func process(_ seg: TCPSegment) -> Facts {
        if seg.timestamp.seconds > now { now = seg.timestamp.seconds }
        expireIdle()

        var flags = AnalysisSet()
        let src = Endpoint(address: seg.source, port: seg.sourcePort)
        let dst = Endpoint(address: seg.destination, port: seg.destinationPort)
        let key = FlowKey(src, dst)
        let synOnly = seg.flags.contains(.syn) && !seg.flags.contains(.ack)

        var slot: Int
        if let found = table.slot(of: key, keyOf: { slots[$0].key }), slots[found].live {
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
        touch(slot)

        let dir: Direction = src == slots[slot].client ? .clientToServer : .serverToClient
        let rel = out.handle(seg, &slots[slot], dir: dir, flags: &flags)
        if seg.flags.contains(.rst) {
            slots[slot].rstSeen = true
            out.closeDirections(&slots[slot], reason: .rst)
        }
        return Facts(
            stream: slots[slot].index, direction: dir,
            relativeSequence: rel.0, relativeAcknowledgment: rel.1, analysis: flags
        )
    }

    mutating func finish() -> [StreamEvent] {
        let live = slots.indices.filter { slots[$0].live }.sorted { slots[$0].index < slots[$1].index }
        for slot in live { out.closeDirections(&slots[slot], reason: .endOfCapture) }
        table.removeAll()
        slots.removeAll()
        links.removeAll()
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
        let conn = Conn(index: nextIndex, key: key, client: client)
        nextIndex += 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[free] = conn
            links[free] = LRULink(lastSeen: now)
        } else {
            slot = slots.count
            // Slot numbers fit the links' 32 bits (a Conn is 280 bytes: memory runs out first).
            precondition(slot < Int(Int32.max), "more TCP streams than 32-bit slot numbers")
            slots.append(conn)
            links.append(LRULink(lastSeen: now))
        }
        table.insert(key, slot: slot)
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
            if DirectionReassembly.firstHit(&ctx, limit) { out.pending.append(.warning(warning(ctx.index))) }
            slots[slot].warned = ctx.warned
        }
        retire(slot, reason: reason)
    }

    mutating func retire(_ slot: Int, reason: EndReason) {
        out.closeDirections(&slots[slot], reason: reason)
        lruUnlink(slot)
        table.remove(slots[slot].key, slot: slot)
        // Free the slot's memory; keep a cheap placeholder.
        slots[slot].live = false
        slots[slot].c2s = HalfStream()
        slots[slot].s2c = HalfStream()
        freeSlots.append(slot)
    }

    /// Ends streams without a segment for `idleTimeoutSeconds` (the LRU list is in last-seen order).
    /// The check is inline: on nearly every segment there is nothing to end.
    @inline(__always)
    mutating func expireIdle() {
        while lruHead >= 0 && headIsIdle() { expireHead() }
    }

    @inline(__always)
    func headIsIdle() -> Bool {
        let (idle, overflow) = now.subtractingReportingOverflow(links[lruHead].lastSeen)
        return overflow || idle > limits.idleTimeoutSeconds
    }

    mutating func expireHead() {
        retire(lruHead, reason: .idle, limit: .idle) { [t = limits.idleTimeoutSeconds] index in
            "stream \(index): idle for more than \(t) s of capture time: "
                + "its buffered data was flushed and its open directions ended"
        }
    }

    /// Marks `slot` seen now: the tail of the list.
    mutating func touch(_ slot: Int) {
        let t = now
        var head = lruHead, tail = lruTail
        // One uniqueness check for the whole update, not one per link written.
        links.withUnsafeMutableBufferPointer { l in
            l[slot].lastSeen = t
            if tail == slot { return }
            Self.unlink(l, slot, &head, &tail)
            Self.append(l, slot, &head, &tail)
        }
        lruHead = head
        lruTail = tail
    }

    mutating func lruUnlink(_ slot: Int) {
        var head = lruHead, tail = lruTail
        links.withUnsafeMutableBufferPointer { Self.unlink($0, slot, &head, &tail) }
        lruHead = head
        lruTail = tail
    }

    mutating func lruAppend(_ slot: Int) {
        var head = lruHead, tail = lruTail
        links.withUnsafeMutableBufferPointer { Self.append($0, slot, &head, &tail) }
        lruHead = head
        lruTail = tail
    }

    @inline(__always)
    static func unlink(_ l: UnsafeMutableBufferPointer<LRULink>, _ slot: Int, _ head: inout Int, _ tail: inout Int) {
        let prev = Int(l[slot].prev), next = Int(l[slot].next)
        if prev >= 0 { l[prev].next = Int32(truncatingIfNeeded: next) } else if head == slot { head = next }
        if next >= 0 { l[next].prev = Int32(truncatingIfNeeded: prev) } else if tail == slot { tail = prev }
        l[slot].prev = -1
        l[slot].next = -1
    }

    @inline(__always)
    static func append(_ l: UnsafeMutableBufferPointer<LRULink>, _ slot: Int, _ head: inout Int, _ tail: inout Int) {
        l[slot].prev = Int32(truncatingIfNeeded: tail)
        l[slot].next = -1
        if tail >= 0 { l[tail].next = Int32(truncatingIfNeeded: slot) } else { head = slot }
        tail = slot
    }
}
