// One direction of a TCP connection: where its numbers start, what has been delivered, what is
// held out of order, and what the analysis needs to remember.
//
// Offsets. Inside the reassembler a byte is addressed by its 64-bit stream offset: 0 is the first
// byte after the SYN (or the first byte seen, mid-stream). A 32-bit sequence number is turned into
// an offset by its wrapping distance from the sequence number of `cursor`, so the 2^32 wrap never
// shows up in the bookkeeping (gopacket does the same with `Sequence.Difference`).
//
//        SYN    data ...                                     FIN
//   seq: ISN    ISN+1                                        ISN+1+F
//   off: -1     0      ... cursor ... pieces ... highest     F (finOffset)
//
// Invariants (kept by TCPReassembler):
// - `pieces` is sorted by `start`, pieces do not overlap, and every piece starts after `cursor`
//   (a piece that reaches the cursor is delivered at once);
// - `bufferedCost` is the sum of the pieces' costs;
// - `cursor <= highest` once data was seen; nothing below `cursor` is ever delivered again.

/// A buffered range of one direction: captured bytes (a copy) or bytes known to be missing
/// (the part of a segment cut by the snaplen).
struct Piece {
    var start: Int64
    var end: Int64
    /// The bytes [start, end) in a chunk of their own (exactly their size, never the arena's:
    /// held long, they would keep a shared chunk alive), delivered as they are when the hole
    /// before them fills; nil when `missing`.
    var chunk: SegmentChunk?
    var frame: Int
    var missing: Bool
    /// Where `start` lies in the payload of the segment `frame` carried.
    var segmentOffset: Int

    /// A copy of `bytes`, captured at [start, start + bytes.count).
    init(start: Int64, bytes: UnsafeRawBufferPointer, frame: Int, segmentOffset: Int) {
        self.start = start
        end = start + Int64(bytes.count)
        chunk = SegmentBytes(bytes).owner
        self.frame = frame
        missing = false
        self.segmentOffset = segmentOffset
    }

    /// Bytes [start, end) known to be missing.
    init(missingFrom start: Int64, to end: Int64, frame: Int, segmentOffset: Int) {
        self.start = start
        self.end = end
        chunk = nil
        self.frame = frame
        missing = true
        self.segmentOffset = segmentOffset
    }

    /// The captured bytes (the first `end - start` of the chunk), as an event carries them.
    var bytes: SegmentBytes {
        guard let chunk else { return SegmentBytes() }
        return SegmentBytes(owner: chunk, base: chunk.base, count: Int(end - start))
    }

    @inline(__always) var cost: Int { (chunk == nil ? 0 : Int(end - start)) + ReassemblyLimits.pieceOverhead }
}

struct HalfStream {
    /// A segment of this direction has been seen.
    var started = false
    /// The direction began with a SYN (its ISN is known exactly).
    var synSeen = false
    /// `isn` is set (from the SYN, from the first segment, or seeded by the peer's ACK).
    var baseKnown = false
    /// Base of the relative numbers: relative seq = seq - isn.
    var isn: UInt32 = 0
    /// Sequence number of stream offset 0.
    var origin: UInt32 = 0
    /// Next offset to deliver; everything below it was delivered or declared a gap.
    var cursor: Int64 = 0
    /// One past the highest offset seen (FIN included): Wireshark's "next expected sequence".
    var highest: Int64 = 0
    /// Offset of the FIN, -1 until one is seen.
    var finOffset: Int64 = -1
    /// Highest offset the peer acknowledged (offset of the first byte it still wants).
    var ackedByPeer: Int64 = .min
    /// Acknowledgment number and window of this direction's previous ACK (for dup_ack).
    var lastAck: UInt32 = 0
    var lastWindow: UInt16 = 0
    var hasLastAck = false
    /// This direction's previous segment was a keep-alive (the peer's answer is no dup_ack).
    var lastWasKeepAlive = false
    /// `.ended` was emitted.
    var ended = false
    /// Bytes of `tail` (below) that hold the last delivered bytes. Declared here, where the
    /// fields before leave room for it: this struct is in every stream's entry, twice.
    var tailCount: UInt32 = 0
    /// Out-of-order data and known-missing ranges after `cursor`.
    var pieces: [Piece] = []
    var bufferedCost = 0
    /// The last delivered bytes, to detect overlap_conflict: the first `tailCount` bytes of
    /// `tail`, storage reused from segment to segment (its other bytes mean nothing; its size
    /// is its header). The direction's own: never handed out.
    var tail: SegmentChunk?
    var tailStart: Int64 = 0

    /// Stream offset of a sequence number (wrap-aware, relative to the cursor).
    @inline(__always) func offset(of seq: UInt32) -> Int64 {
        let ref = SequenceNumber(origin &+ UInt32(truncatingIfNeeded: cursor))
        return cursor + ref.distance(to: SequenceNumber(seq))
    }

    /// Index of the first piece whose end is after `pos` (binary search).
    func firstPiece(endingAfter pos: Int64) -> Int {
        var lo = 0, hi = pieces.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pieces[mid].end <= pos { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// How many bytes of [start, end) were already seen: below the cursor or in a piece.
    func seenCount(_ start: Int64, _ end: Int64) -> Int64 {
        var seen: Int64 = 0
        var pos = start
        if pos < cursor {
            seen += min(end, cursor) - pos
            pos = cursor
        }
        var i = firstPiece(endingAfter: pos)
        while pos < end, i < pieces.count, pieces[i].start < end {
            let a = max(pos, pieces[i].start), b = min(end, pieces[i].end)
            if b > a { seen += b - a }
            pos = b
            i += 1
        }
        return seen
    }

    /// Missing ranges before buffered data: the one at the cursor plus one per discontinuity.
    func holeCount() -> Int {
        guard let first = pieces.first else { return 0 }
        var holes = first.start > cursor ? 1 : 0
        var prevEnd = first.end
        for p in pieces.dropFirst() {
            if p.start > prevEnd { holes += 1 }
            prevEnd = p.end
        }
        return holes
    }
}
