// TCP connection table, per-direction reassembly and Wireshark-like analysis.
//
// Per segment (`process`):
//   1. expire streams idle for `idleTimeoutSeconds` of capture time (the LRU head is the oldest);
//   2. find the stream by its normalised 4-tuple, or open one (evicting the least recently active
//      when `maxLiveStreams` is reached); a SYN that starts a new connection on a known 4-tuple
//      retires the old stream and opens a new one (`port_reuse`);
//   3. analyse the segment against its direction's state (`analyse`);
//   4. deliver its payload: in order and with nothing buffered it goes straight out as one
//      `.data` event, copied into the chunk the events share (SegmentBytes.swift: no allocation
//      per segment) and into the direction's retained tail; otherwise the parts not seen before
//      are copied into sorted pieces and delivered as soon as the hole before them fills;
//   5. apply its ACK to the other direction: bytes the peer acknowledged but that were never
//      captured are declared a gap, and what follows is delivered;
//   6. a RST ends both directions.
// Event order and memory bounds: see the contract in Streams.swift.
//
// Layout, one file each: this facade (the public class) holds one `ConnectionTable` struct
// (TCPConnectionTable.swift: the table and LRU list of `Conn` structs), which holds one
// `DirectionReassembly` struct (TCPDirectionReassembly.swift: pending events, the shared budget,
// and the per-direction delivery), whose analysis rules are in TCPAnalysis.swift. Being
// structs, their accesses are checked at compile time; the class pays one runtime exclusivity
// check per call instead of one per field touched.

import Wire

/// What the per-direction code needs of its stream besides the direction itself.
struct StreamCtx {
    let index: Int
    var warned: UInt8
}

public final class TCPReassembler {
    public let limits: ReassemblyLimits
    /// All state lives in one struct. Not thread-safe (one reassembler belongs to one reading
    /// loop), so the runtime exclusivity check each call paid is skipped.
    @exclusivity(unchecked) private var engine: ConnectionTable

    public init(limits: ReassemblyLimits = .init()) {
        self.limits = limits
        engine = ConnectionTable(limits: limits)
    }

    /// Out-of-order bytes currently held, all streams (payload plus `pieceOverhead` per piece).
    public var bufferedBytes: Int { engine.out.totalBuffered }
    /// Streams in the table (open, or closed but not yet retired).
    public var liveStreams: Int { engine.table.count }

    /// Processes one segment: returns its layer-5 facts; the events it produced wait in
    /// `takeEvents()` / `drainEvents(_:)`.
    public func process(_ seg: TCPSegment) -> SessionInfo {
        let f = engine.process(seg)
        return SessionInfo(
            stream: f.stream, direction: f.direction, relativeSequence: f.relativeSequence,
            relativeAcknowledgment: f.relativeAcknowledgment, analysis: f.analysis.list)
    }

    /// `process` for a caller that wants only the events (no `SessionInfo`, whose analysis
    /// array was an allocation on many segments).
    public func feed(_ seg: TCPSegment) {
        _ = engine.process(seg)
    }

    /// `feed` then `sealEvents`, in one call (a caller that takes events every so often makes
    /// both on every segment).
    public func feedAndSeal(_ seg: TCPSegment) -> (count: Int, bytes: Int) {
        _ = engine.process(seg)
        return sealEvents()
    }

    /// Events waiting, and the payload bytes of their `.data` events.
    public var pendingEventCount: Int { engine.out.pending.count }
    public var pendingEventBytes: Int { engine.out.pendingDataBytes }

    /// Marks the events waiting as handed over, though they stay until taken: a later segment's
    /// gap is not merged into them. A caller that takes events every so often rather than after
    /// every segment calls this after every segment, and gets the events one draining after every
    /// segment gets. Returns what `pendingEventCount` and `pendingEventBytes` say.
    @discardableResult
    public func sealEvents() -> (count: Int, bytes: Int) {
        engine.out.mergeFloor = engine.out.pending.count
        return (engine.out.mergeFloor, engine.out.pendingDataBytes)
    }

    /// Exchanges the events waiting for `buffer`'s contents, which must be empty (so its
    /// capacity is reused, and nothing is copied).
    public func swapEvents(_ buffer: inout [StreamEvent]) {
        precondition(buffer.isEmpty, "TCPReassembler.swapEvents: the buffer given must be empty")
        swap(&buffer, &engine.out.pending)
        engine.out.mergeFloor = 0
        engine.out.pendingDataBytes = 0
    }

    /// Events produced since the last call.
    public func takeEvents() -> [StreamEvent] {
        engine.out.take()
    }

    /// Hands each pending event to `body`, then clears them, reusing the buffer (no allocation).
    /// `body` must not call back into this reassembler.
    public func drainEvents(_ body: (StreamEvent) throws -> Void) rethrows {
        // Most segments produce no event, and most others one: nothing is copied or cleared for
        // nothing, and each event is moved out (no retain and release of its bytes).
        if engine.out.pending.isEmpty { return }
        var events: [StreamEvent] = []
        swap(&events, &engine.out.pending)
        engine.out.mergeFloor = 0
        engine.out.pendingDataBytes = 0
        defer {
            // `events` is empty and unique again here: its capacity serves the next segment.
            swap(&events, &engine.out.pending)
        }
        if events.count > 1 { events.reverse() }
        while let e = events.popLast() { try body(e) }
    }

    /// End of capture: delivers whatever can be delivered, reports the remaining holes as gaps,
    /// ends every open direction with `.endOfCapture` (streams in index order), and empties the
    /// table. Returns every pending event.
    public func finish() -> [StreamEvent] {
        engine.finish()
    }
}
