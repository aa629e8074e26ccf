// Streams: framescope's layer 5. TCP connection table, per-direction reassembly with Wireshark-like
// analysis, IPv4/IPv6 fragment reassembly, and the UDP flow table (datagrams grouped into flows
// by the same `FlowKey` as TCP's connections). Segments in, facts and in-order bytes out.
//
// The contract every file in this module keeps (after smoltcp's src/wire/mod.rs and gopacket's
// tcpassembly/assembly.go):
//
// 1. Every input is hostile. Any sequence of segments or fragments yields facts and events, never a
//    trap: no `!`, `precondition` or trapping conversion on a value that came from a packet.
//    Sequence arithmetic wraps (`SequenceNumber`); stream offsets are 64-bit and never overflow.
// 2. Memory is bounded by `ReassemblyLimits` (TCP) and the `FragmentReassembler` limits, all with
//    finite defaults. Everything held between calls — out-of-order pieces, known-missing ranges,
//    the tail kept to detect conflicting retransmissions, streams, fragments — is charged against
//    one of them. A limit that is hit produces a `.gap` (bytes skipped, never silently lost) and a
//    `.warning` naming the limit, once per stream and limit. The UDP flow table holds no bytes;
//    past `maxFlows` it forgets the least recently seen flows and says which.
// 3. Event order (gopacket's documented callback order): per stream, `.opened` comes first; then
//    per direction `.data` and `.gap` strictly in stream order, offsets contiguous (each event
//    starts where the previous one of that direction ended); then `.ended` exactly once per
//    direction. `.warning` may come anywhere.
// 4. Nothing is shared with the caller: payload bytes are copied out of the caller's buffer during
//    the call; a `.data` event's bytes are a read-only slice of a chunk the reassembler shares
//    among the events it delivers (SegmentBytes.swift), and what it keeps itself (the tail,
//    out-of-order pieces) is its own copy.
// 5. No I/O, no Foundation, no clocks: time is the capture's timestamps only.

import Wire

/// One TCP segment as the decoder saw it (the caller fills it from Wire's layers).
public struct TCPSegment {
    /// 1-based frame number.
    public var frame: Int
    public var timestamp: Timestamp
    public var source: IPAddress
    public var sourcePort: UInt16
    public var destination: IPAddress
    public var destinationPort: UInt16
    public var sequence: UInt32
    public var acknowledgment: UInt32
    public var flags: TCPFlags
    /// The raw window field (not scaled).
    public var window: UInt16
    /// What the headers claim.
    public var payloadLength: Int
    /// What was captured of the payload (may be shorter: snaplen). Not owned, valid during the
    /// call only; the reassembler copies what it keeps.
    public var payload: UnsafeRawBufferPointer

    public init(
        frame: Int, timestamp: Timestamp,
        source: IPAddress, sourcePort: UInt16,
        destination: IPAddress, destinationPort: UInt16,
        sequence: UInt32, acknowledgment: UInt32,
        flags: TCPFlags, window: UInt16,
        payloadLength: Int, payload: UnsafeRawBufferPointer
    ) {
        self.frame = frame
        self.timestamp = timestamp
        self.source = source
        self.sourcePort = sourcePort
        self.destination = destination
        self.destinationPort = destinationPort
        self.sequence = sequence
        self.acknowledgment = acknowledgment
        self.flags = flags
        self.window = window
        self.payloadLength = payloadLength
        self.payload = payload
    }
}

public enum Direction: String, Sendable, Hashable {
    case clientToServer = "client_to_server"
    case serverToClient = "server_to_client"

    public var opposite: Direction { self == .clientToServer ? .serverToClient : .clientToServer }
}

/// Per-frame analysis flags; raw values are the `analysis` names of docs/DESIGN.md "Streams". The rules are
/// documented where they are computed (`TCPReassembler.analyse`).
public enum Analysis: String, Sendable, Hashable, CaseIterable {
    case retransmission
    case spuriousRetransmission = "spurious_retransmission"
    case outOfOrder = "out_of_order"
    case overlap
    case overlapConflict = "overlap_conflict"
    case gap
    case dupAck = "dup_ack"
    case zeroWindow = "zero_window"
    case keepAlive = "keep_alive"
    case fin
    case rst
    case midStream = "mid_stream"
    case portReuse = "port_reuse"

    /// Bit of this flag in `AnalysisSet`.
    @inline(__always) var bit: UInt16 {
        switch self {
        case .retransmission: 1 << 0
        case .spuriousRetransmission: 1 << 1
        case .outOfOrder: 1 << 2
        case .overlap: 1 << 3
        case .overlapConflict: 1 << 4
        case .gap: 1 << 5
        case .dupAck: 1 << 6
        case .zeroWindow: 1 << 7
        case .keepAlive: 1 << 8
        case .fin: 1 << 9
        case .rst: 1 << 10
        case .midStream: 1 << 11
        case .portReuse: 1 << 12
        }
    }
}

/// Flags gathered while analysing one segment, without allocating; turned into the public array
/// (in `Analysis.allCases` order) once at the end.
struct AnalysisSet {
    var bits: UInt16 = 0
    @inline(__always) mutating func insert(_ a: Analysis) { bits |= a.bit }
    @inline(__always) func contains(_ a: Analysis) -> Bool { bits & a.bit != 0 }
    var list: [Analysis] {
        if bits == 0 { return [] }
        var out: [Analysis] = []
        out.reserveCapacity(bits.nonzeroBitCount)
        for a in Analysis.allCases where bits & a.bit != 0 { out.append(a) }
        return out
    }
}

/// Layer 5 facts for one frame.
public struct SessionInfo: Sendable, Hashable {
    /// 0-based, in order of each stream's first frame.
    public var stream: Int
    public var direction: Direction
    /// `sequence - ISN` of this direction (the SYN is 0, the first data byte 1; mid-stream, the
    /// first sequence number seen is 1).
    public var relativeSequence: UInt32
    /// `acknowledgment - ISN` of the other direction; nil when the ACK flag is unset.
    public var relativeAcknowledgment: UInt32?
    public var analysis: [Analysis]

    public init(
        stream: Int, direction: Direction, relativeSequence: UInt32,
        relativeAcknowledgment: UInt32?, analysis: [Analysis]
    ) {
        self.stream = stream
        self.direction = direction
        self.relativeSequence = relativeSequence
        self.relativeAcknowledgment = relativeAcknowledgment
        self.analysis = analysis
    }
}

public struct StreamEndpoints: Sendable, Hashable {
    public var client: IPAddress
    public var clientPort: UInt16
    public var server: IPAddress
    public var serverPort: UInt16
    /// Why `client` is the client, in words: "sent the SYN", "received the SYN-ACK", or the
    /// heuristic used when the handshake was not captured.
    public var roleReason: String

    public init(client: IPAddress, clientPort: UInt16, server: IPAddress, serverPort: UInt16, roleReason: String) {
        self.client = client
        self.clientPort = clientPort
        self.server = server
        self.serverPort = serverPort
        self.roleReason = roleReason
    }
}

/// Reassembled, in-order stream data, with the frame that carried each byte range.
public enum StreamEvent: Sendable, Hashable {
    case opened(stream: Int, endpoints: StreamEndpoints)
    /// A direction's first segment had no SYN: the capture began inside it, so its offset 0 is
    /// no message boundary (a framer resynchronises). Before that direction's first `.data`.
    case midStream(stream: Int, direction: Direction)
    /// In-order bytes of one direction. `offset` is the stream offset of bytes[0] (0 = first byte
    /// after the SYN, or first byte seen when mid-stream). `frame` carried them (the FIRST copy
    /// when retransmitted). `segmentOffset` is where these bytes begin in that segment's payload
    /// (0: at its start, where a framer may resynchronise; more when an earlier copy covered
    /// the segment's first bytes), so a per-frame view places headers exactly.
    case data(stream: Int, direction: Direction, offset: UInt64, bytes: SegmentBytes, frame: Int, segmentOffset: Int)
    /// Bytes that were on the wire but will never be delivered (not captured, snaplen cut, or a
    /// limit forced a skip). `length` is nil when unknown. Adjacent gaps are merged.
    case gap(stream: Int, direction: Direction, offset: UInt64, length: UInt64?)
    /// A direction ended (FIN seen and all bytes before it delivered, RST, idle timeout, limit
    /// eviction, port reuse, end of capture) — exactly once per direction.
    case ended(stream: Int, direction: Direction, reason: EndReason)
    /// A limit was hit: says which, on which stream, and what was dropped.
    case warning(String)
}

public enum EndReason: String, Sendable, Hashable {
    case fin, rst, idle, evicted
    case endOfCapture = "end_of_capture"
}

/// Hard limits of `TCPReassembler`; all finite. Sizes are charged as payload bytes plus
/// `ReassemblyLimits.pieceOverhead` per buffered piece, so many tiny pieces cannot exceed the
/// budget through bookkeeping.
public struct ReassemblyLimits: Sendable {
    /// Out-of-order bytes held per direction; when exceeded the first hole becomes a gap.
    public var maxOutOfOrderBytesPerDirection: Int = 4 << 20
    /// Out-of-order bytes held across all streams; when exceeded the direction that just grew is
    /// flushed (its holes become gaps), as gopacket does with `MaxBufferedPagesTotal`. 24 MiB:
    /// with the rest of a run's memory, `messages` stays within 64 MB on the bench's hostile
    /// captures (issue 23; what else grows is in the README's "Speed").
    public var maxBufferedBytesTotal: Int = 24 << 20
    /// Streams in the table (open or recently closed); beyond it the least recently active one is
    /// evicted (its directions end with `.evicted`).
    public var maxLiveStreams: Int = 100_000
    /// Capture-time seconds without a segment after which a stream ends with `.idle`.
    public var idleTimeoutSeconds: Int64 = 600
    /// Holes (missing ranges before buffered data) per direction; beyond it the first becomes a gap.
    public var maxHolesPerDirection: Int = 64
    /// Buffered pieces per direction (bounds the cost of keeping them sorted on hostile input).
    public var maxPiecesPerDirection: Int = 2048
    /// The last delivered bytes of each direction are kept (copied into a buffer of the
    /// direction's, reused from segment to segment and at most four times their size) so a
    /// later overlapping copy can be compared (`overlap_conflict`). Total bytes kept across all
    /// streams; 0 disables the comparison against delivered bytes.
    public var maxRetainedTailBytesTotal: Int = 16 << 20
    /// At most this much of one direction's tail is kept.
    public var maxRetainedTailBytesPerDirection: Int = 64 << 10

    /// Bookkeeping charge per buffered piece, in bytes.
    public static let pieceOverhead = 64

    public init() {}
}
