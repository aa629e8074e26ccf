import Framing
import Streams
import Wire

// The analysis pipeline of layers 5–7, free of I/O: decoded frames in (Wire), TCP streams
// reassembled (Streams), each direction split into application messages (Framing), and every
// message told the frames that carried it.
//
//   frame ──► Dissector ──► TCPSegment ──► TCPReassembler ──► data events ──► MessageFramer ──► ChatMessage
//                    └────► UDP datagram ─────────────────────────────────────► frameDatagram ─┘

/// One application message with everything `framescope messages` prints about it.
/// A class: messages are passed through ordering buffers and printers, and a reference is one
/// retain where a struct of five arrays and strings was five. Immutable, hence Sendable.
public final class ChatMessage: Sendable, Hashable {
    public enum Transport: String, Sendable, Hashable { case tcp, udp }
    public let transport: Transport
    /// TCP stream index, or the UDP flow's index.
    public let stream: Int
    public let direction: Direction
    public let message: FramedMessage
    /// Frames whose bytes were used (first copies of retransmitted bytes), ascending.
    public let frames: [Int]
    /// The framing spec that split it (`!I`, `line`, …).
    public let format: String
    /// True when `auto` chose the format.
    public let guessed: Bool
    /// Frames of this message whose segment also carries bytes of another message of the same
    /// direction (sticky packets, 粘包).
    public let stickyFrames: [Int]

    public init(transport: Transport, stream: Int, direction: Direction, message: FramedMessage, frames: [Int],
                format: String, guessed: Bool, stickyFrames: [Int] = []) {
        self.transport = transport
        self.stream = stream
        self.direction = direction
        self.message = message
        self.frames = frames
        self.format = format
        self.guessed = guessed
        self.stickyFrames = stickyFrames
    }

    public static func == (a: ChatMessage, b: ChatMessage) -> Bool {
        a.transport == b.transport && a.stream == b.stream && a.direction == b.direction && a.message == b.message
            && a.frames == b.frames && a.format == b.format && a.guessed == b.guessed && a.stickyFrames == b.stickyFrames
    }

    public func hash(into h: inout Hasher) {
        h.combine(transport)
        h.combine(stream)
        h.combine(direction)
        h.combine(message.index)
        h.combine(message.start)
    }
}

/// Layers 5–7 of one frame: its TCP session facts, the length headers found in its payload, and
/// the application messages it carries — as known when the frame was processed (a message split
/// over several segments is complete on the frame that brings its last byte, as in Wireshark).
public struct FrameView: Sendable, Hashable {
    public var session: SessionInfo?
    public var transport: ChatMessage.Transport = .tcp
    /// The framing in force for this frame's direction (`!I`, `line`, …), and whether `auto` chose it.
    public var format: String?
    public var guessed = false
    /// Length headers that begin in this frame: offset in the transport payload, value as declared.
    public var headers: [Header] = []
    public var messages: [Piece] = []

    public struct Header: Sendable, Hashable {
        public var offset: Int
        public var value: String
    }

    /// What this frame holds of one message.
    public struct Piece: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable { case whole, starts, continues, ends }
        public var index: Int
        public var kind: Kind
        /// The body when it is valid UTF-8 (the text), else nil; bytes, so no String is built
        /// unless a renderer wants one (`text`).
        public var textBytes: [UInt8]?
        public var text: String? { textBytes.map { String(decoding: $0, as: UTF8.self) } }
        /// Declared length (length framing) or body length so far.
        public var length: Int
        public var complete: Bool
        /// k of n when the message spans several frames (n unknown while it is in progress).
        public var part: Int?
        public var parts: Int?
        public var problems: [FrameProblem]
        /// For a message whose length header is itself cut across segments: header bytes so far.
        public var headerBytes: Int? = nil
    }

    public init() {}

    public var isEmpty: Bool { session == nil && format == nil && messages.isEmpty }
}

@inline(__always)
func isAscending(_ a: [Int]) -> Bool {
    var i = 1
    while i < a.count { if a[i - 1] > a[i] { return false }; i += 1 }
    return true
}

/// What the reassembling half of a split pipeline hands to the framing half.
public enum PipelineEvent: Sendable {
    case stream(StreamEvent)
    case datagram(frame: Int, frames: [Int], source: IPAddress, sourcePort: UInt16, destination: IPAddress,
                  destinationPort: UInt16, payload: [UInt8], claimedLength: Int)
}

/// What is known about one stream (for `stats` and headers of `follow`).
public struct StreamSummary: Sendable, Hashable {
    public var stream: Int
    public var transport: ChatMessage.Transport
    public var endpoints: StreamEndpoints
    public var format: String?
    public var guess: FramingGuess?
    /// The spec `format` names, for the stream's other direction (no re-parsing).
    var spec: FrameSpec? = nil
}

/// Not thread-safe: one pipeline belongs to one reading loop. Its stored properties skip the
/// runtime exclusivity checks, which cost more than the work they guarded on the per-frame path.
public final class MessagePipeline {
    let choice: FramingChoice
    let reassembler: TCPReassembler
    let fragments = FragmentReassembler()
    @exclusivity(unchecked) var directions: [DirectionKey: DirectionState] = [:]
    @exclusivity(unchecked) var streams: [Int: StreamSummary] = [:]
    @exclusivity(unchecked) var completed: [ChatMessage] = []
    @exclusivity(unchecked) var endedDirections: [Int: Int] = [:]
    // The frame being processed and what it delivered, for its FrameView.
    @exclusivity(unchecked) var current = 0
    @exclusivity(unchecked) var view = FrameView()
    /// False inside `process`, whose caller wants the session only.
    @exclusivity(unchecked) var buildsView = true
    /// The framer's output for one delivery, reused from one to the next.
    @exclusivity(unchecked) var scratch: [FramedMessage] = []
    // The direction the last event was for: consecutive events are nearly always for the same one.
    @exclusivity(unchecked) var lastKey: DirectionKey? = nil
    @exclusivity(unchecked) var lastState: DirectionState? = nil
    // Usually one entry: a small array beats hashing the key for every frame.
    @exclusivity(unchecked) var currentChunks: [(key: DirectionKey, offset: UInt64, end: UInt64, payloadStart: Int)] = []
    /// When false, completed messages are not kept for `takeMessages()` (per-frame views only).
    @exclusivity(unchecked) public var collectsMessages = true
    @exclusivity(unchecked) var currentPayloadCount = 0
    @exclusivity(unchecked) var finishedStreams: [Int] = []
    @exclusivity(unchecked) var warnings: [String] = []
    /// Warnings not kept (past the first 256 since the last `takeWarnings()`).
    @exclusivity(unchecked) public private(set) var warningsDropped = 0
    // UDP flows: index by normalised 4-tuple, in order of first datagram.
    @exclusivity(unchecked) var udpFlows: [UDPFlowKey: (index: Int, client: IPAddress, clientPort: UInt16, last: Int)] = [:]
    @exclusivity(unchecked) var udpNextIndex = 0
    /// UDP flows remembered at once; past it the least recently seen tenth is forgotten (a flow
    /// seen again later gets a new index).
    @exclusivity(unchecked) public var maxUDPFlows = 20_000
    /// When false, a TCP stream's summary is dropped once it has ended (`messages`, `read`), so
    /// memory follows the open streams; `stats` and `follow` keep them.
    @exclusivity(unchecked) public var keepsSummaries = true
    @exclusivity(unchecked) var udpMessageIndex: [DirectionKey: Int] = [:]
    @exclusivity(unchecked) var udpSpecs: [Int: (spec: FrameSpec, guessed: Bool)] = [:]
    /// Auto-detection looks at up to this many bytes of a direction before it decides.
    @exclusivity(unchecked) public var autoSampleBytes = 512

    public init(framing: FramingChoice, limits: ReassemblyLimits = .init()) {
        self.choice = framing
        self.reassembler = TCPReassembler(limits: limits)
    }

    struct DirectionKey: Hashable {
        var stream: Int
        var direction: Direction
        var udp: Bool

        /// One word: `Direction`'s own hash goes through its String raw value.
        func hash(into h: inout Hasher) {
            h.combine(stream &* 4 | (direction == .clientToServer ? 0 : 2) | (udp ? 1 : 0))
        }

        static func == (a: DirectionKey, b: DirectionKey) -> Bool {
            a.stream == b.stream && a.direction == b.direction && a.udp == b.udp
        }
    }

    struct UDPFlowKey: Hashable {
        var a: IPAddress, aPort: UInt16, b: IPAddress, bPort: UInt16
        init(_ s: IPAddress, _ sp: UInt16, _ d: IPAddress, _ dp: UInt16) {
            if (s, sp) < (d, dp) { (a, aPort, b, bPort) = (s, sp, d, dp) } else { (a, aPort, b, bPort) = (d, dp, s, sp) }
        }
    }

    struct Chunk {
        var offset: UInt64
        var end: UInt64
        var frame: Int
    }

    /// A class, so updating it in the dictionary never copies its arrays. Used by one pipeline
    /// only (no dynamic exclusivity checks, as for the pipeline).
    final class DirectionState {
        @exclusivity(unchecked) var framer: MessageFramer?
        @exclusivity(unchecked) var spec: FrameSpec? { didSet { formatText = spec?.description ?? "?" } }
        /// `spec`'s description, made once (every message carries it).
        @exclusivity(unchecked) private(set) var formatText = "?"
        @exclusivity(unchecked) var guessed = false
        // Auto: events held until the format is chosen.
        @exclusivity(unchecked) var held: [(offset: UInt64, bytes: [UInt8], frame: Int, segmentStart: Bool, gap: UInt64?)] = []
        @exclusivity(unchecked) var heldBytes = 0
        // Delivered byte ranges not yet wholly used by completed messages, in stream order.
        @exclusivity(unchecked) var chunks: [Chunk] = []
        @exclusivity(unchecked) var chunkHead = 0
        /// Stream offset where the last emitted message ended.
        @exclusivity(unchecked) var lastMessageEnd: UInt64 = 0
        /// The capture began inside this direction: its framer starts resynchronising, and the
        /// bytes skipped before the first boundary are reported once (`skipReported`).
        @exclusivity(unchecked) var startsMidStream = false
        @exclusivity(unchecked) var skipReported = false
    }

    func state(_ key: DirectionKey) -> DirectionState {
        if let s = existing(key) { return s }
        let s = DirectionState()
        directions[key] = s
        lastKey = key
        lastState = s
        return s
    }

    /// The direction's state if it has one; remembers the last one looked up.
    @inline(__always)
    func existing(_ key: DirectionKey) -> DirectionState? {
        if lastKey == key { return lastState }
        let s = directions[key]
        if s != nil { lastKey = key; lastState = s }
        return s
    }

    /// Forgets a direction (it ended).
    func remove(_ key: DirectionKey) {
        directions[key] = nil
        if lastKey == key { lastKey = nil; lastState = nil }
    }

    /// Feeds one decoded frame. `bytes` are the frame's captured bytes (for the payload).
    public func process(number: Int, timestamp: Timestamp, frame: inout DecodedFrame, bytes: UnsafeRawBufferPointer,
                        dissector: inout Dissector) -> SessionInfo? {
        // No FrameView is wanted: skip building one (the per-frame pieces, headers and texts).
        buildsView = false
        defer { buildsView = true }
        return annotate(number: number, timestamp: timestamp, frame: &frame, bytes: bytes, dissector: &dissector).session
    }

    /// Feeds one decoded frame and returns its layers 5–7. An IP fragment is kept until its
    /// datagram is whole; the frame that completes it gets the datagram's layer 4 appended
    /// (marked with the fragments' frames), which is why the frame is `inout`.
    public func annotate(number: Int, timestamp: Timestamp, frame: inout DecodedFrame, bytes: UnsafeRawBufferPointer,
                         dissector: inout Dissector) -> FrameView {
        defragment(number: number, timestamp: timestamp, frame: &frame, bytes: bytes, dissector: &dissector)
        current = number
        view = FrameView()
        if !currentChunks.isEmpty { currentChunks.removeAll(keepingCapacity: true) }
        var src: IPAddress? = nil, dst: IPAddress? = nil
        var session: SessionInfo? = nil
        // By index, not `for l in frame.layers`: copying a layer (its error text, its arrays) for
        // every layer of every frame was a good part of the per-frame cost.
        for i in frame.layers.indices {
            switch frame.layers[i].proto {
            case .ipv4, .ipv6, .tcp, .udp: break
            default: continue
            }
            switch frame.layers[i].header {
            case .ipv4(let h): src = .v4(h.source); dst = .v4(h.destination)
            case .ipv6(let h): src = .v6(h.source); dst = .v6(h.destination)
            case .tcp(let h) where !frame.layers[i].firstFragment
                    && (frame.layers[i].error == nil || frame.layers[i].error?.isTruncation == true || frame.payloadRange != nil):
                // A header cut by the snaplen after its fixed 20 bytes still feeds the reassembler: its
                // payload is then all missing, which the reassembler reports as a gap. A header with a
                // bad option whose length still delimits it feeds it too (its payload range is set).
                guard let s = src, let d = dst, h.capturedHeaderLength >= 20, h.headerLength >= 20 else { break }
                let reassembled = frame.reassembledPayload
                let feed = { (payload: UnsafeRawBufferPointer) -> SessionInfo in
                    self.currentPayloadCount = payload.count
                    let seg = TCPSegment(frame: number, timestamp: timestamp, source: s, sourcePort: h.sourcePort,
                                         destination: d, destinationPort: h.destinationPort, sequence: h.sequence,
                                         acknowledgment: h.acknowledgment, flags: h.flags, window: h.window,
                                         payloadLength: h.payloadLength, payload: payload)
                    return self.reassembler.process(seg)
                }
                if let r = reassembled {
                    session = r.withUnsafeBytes(feed)
                } else {
                    session = feed(frame.payloadRange.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) } ?? UnsafeRawBufferPointer(start: nil, count: 0))
                }
                view.session = session
                if exportsEvents {
                    reassembler.drainEvents { export(.stream($0)) }
                } else {
                    reassembler.drainEvents { handle($0) }
                }
                if buildsView, let s = session { pendingPiece(DirectionKey(stream: s.stream, direction: s.direction, udp: false)) }
            case .udp(let h) where frame.layers[i].error == nil && !frame.layers[i].firstFragment:
                guard let s = src, let d = dst else { break }
                let payload = frame.reassembledPayload ?? frame.payloadRange.map { Array(bytes[$0]) } ?? []
                if exportsEvents {
                    export(.datagram(frame: number, frames: frame.layers[i].reassembledFrom ?? [number], source: s,
                                     sourcePort: h.sourcePort, destination: d, destinationPort: h.destinationPort,
                                     payload: payload, claimedLength: h.payloadLength))
                    break
                }
                datagram(number: number, frames: frame.layers[i].reassembledFrom ?? [number], src: s, sp: h.sourcePort, dst: d,
                         dp: h.destinationPort, payload: payload, claimed: h.payloadLength)
            default:
                break
            }
        }
        _ = session
        return view
    }

    /// IP fragments: collected per datagram (bounded, timed out by capture time); the one that
    /// completes a datagram gets its transport layer.
    func defragment(number: Int, timestamp: Timestamp, frame: inout DecodedFrame, bytes: UnsafeRawBufferPointer,
                    dissector: inout Dissector) {
        // A fragment's last layer is its data, or the transport header of a first fragment; the
        // IP layer is the one before it.
        guard let range = frame.fragmentRange, range.upperBound <= bytes.count,
              let dataIndex = frame.layers.indices.last, dataIndex > 0 else { return }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[range])
        var key: FragmentKey
        var offset: Int, more: Bool
        var pseudo: TransportContext.Pseudo
        switch frame.layers[dataIndex - 1].header {
        case .ipv4(let h) where h.isFragment:
            key = FragmentKey(source: .v4(h.source), destination: .v4(h.destination), protocolNumber: h.protocolNumber,
                              identification: UInt32(h.identification))
            offset = h.fragmentOffset
            more = h.moreFragments
            pseudo = .v4(h.source, h.destination)
        case .ipv6(let h):
            guard let f = h.fragment else { return }
            key = FragmentKey(source: .v6(h.source), destination: .v6(h.destination), protocolNumber: h.upperProtocol,
                              identification: f.fragmentID)
            offset = f.fragmentOffset
            more = f.moreFragments
            pseudo = .v6(h.source, h.destination)
        default:
            return
        }
        let completed = fragments.add(key: key, offset: offset, more: more, bytes: payload, frame: number, time: timestamp)
        noteFragmentDrops()
        guard let whole = completed else { return }
        // The data (or first-fragment header) of this last fragment makes way for the
        // datagram's transport layer.
        frame.layers.remove(at: dataIndex)
        dissector.appendReassembled(whole.bytes, protocol: key.protocolNumber, pseudo: pseudo, frames: whole.frames, into: &frame)
    }

    /// At the end of the capture: datagrams whose fragments never all came.
    func noteUnfinishedFragments() {
        noteFragmentDrops()
        let n = fragments.pendingDatagrams
        guard n > 0 else { return }
        note("\(n) IP datagram\(n == 1 ? "" : "s") still missing fragments at the end of the capture: \(n == 1 ? "its" : "their") layer 4 was never decoded")
    }

    /// Datagrams the fragment reassembler gave up on (its limits, timeouts, inconsistent
    /// fragments), as warnings like the reassembler's.
    func noteFragmentDrops() {
        for d in fragments.takeDrops() {
            let frames = d.frames.prefix(8).map(String.init).joined(separator: ", ") + (d.frames.count > 8 ? ", …" : "")
            note("IP datagram id \(d.key.identification) \(d.key.source) → \(d.key.destination) (frame\(d.frames.count == 1 ? "" : "s") \(frames)) dropped: \(d.reason)")
        }
    }

    /// The message this frame's bytes started or continue, still in progress after it.
    func pendingPiece(_ key: DirectionKey) {
        guard let chunk = currentChunk(key), let st = existing(key) else { return }
        if view.format == nil, let spec = st.spec {
            view.format = spec.description
            view.guessed = st.guessed
        }
        guard let p = st.framer?.pending, p.start < chunk.end else { return }
        // Which segment of the message this frame is: count the distinct frames that delivered
        // its bytes, in stream order, up to this frame's chunk.
        var part = 0
        var i = st.chunkHead
        var lastFrame = -1
        while i < st.chunks.count {
            let c = st.chunks[i]
            if c.end > p.start, c.frame != lastFrame {
                part += 1
                lastFrame = c.frame
                if c.frame == current { break }
            }
            i += 1
        }
        let startsHere = p.start >= chunk.offset
        if startsHere, let v = p.headerValue {
            view.headers.append(.init(offset: chunk.payloadStart + Int(p.start - chunk.offset), value: String(v)))
        }
        view.messages.append(.init(index: p.index, kind: startsHere ? .starts : .continues, textBytes: nil,
                                   length: p.declaredLength ?? p.received, complete: false,
                                   part: max(part, 1), parts: nil, problems: [],
                                   headerBytes: p.headerValue == nil && st.spec?.headerWidth != nil ? p.received : nil))
    }

    /// End of input: every direction is finished and its last partial message reported.
    ///
    /// The end of a capture can release a lot at once (everything still buffered out of order):
    /// `drain` is called with completed messages every so often, so they need not all be held.
    public func finish(drain: ([ChatMessage]) -> Void = { _ in }) {
        noteUnfinishedFragments()
        for e in reassembler.finish() {
            handle(e)
            if completed.count >= 1024 { drain(takeMessages()) }
        }
        finishFraming(drain: drain)
    }

    /// End of input for a pipeline that exports its events: the reassembler's last events are
    /// exported, and `hand` is called whenever a batch is worth handing over.
    public func finishExport(hand: () -> Void) {
        noteUnfinishedFragments()
        for e in reassembler.finish() {
            export(.stream(e))
            if exportedCount >= Self.exportBatch { hand() }
        }
        hand()
    }

    /// Every direction is finished and its last partial message reported.
    func finishFraming(drain: ([ChatMessage]) -> Void) {
        for key in directions.keys.sorted(by: { ($0.stream, $0.direction.rawValue) < ($1.stream, $1.direction.rawValue) }) {
            resolveAuto(key, force: true)
            finishDirection(key)
            if completed.count >= 1024 { drain(takeMessages()) }
        }
    }

    // MARK: Split in two

    /// When true, this pipeline only decodes and reassembles: the TCP stream events and UDP
    /// datagrams it would frame are kept for `takeExported()`, and a second pipeline (on another
    /// thread) frames them with `consume(_:)`. Both halves together give exactly the messages one
    /// pipeline gives.
    @exclusivity(unchecked) public var exportsEvents = false
    @exclusivity(unchecked) var exported: [PipelineEvent] = []
    /// Payload bytes in the exported events not yet taken.
    @exclusivity(unchecked) public private(set) var exportedBytes = 0
    public var exportedCount: Int { exported.count }
    /// Events per batch a caller should aim for (a batch is also due past 1 MB of payload).
    public static let exportBatch = 2048

    @inline(__always)
    func export(_ e: PipelineEvent) {
        switch e {
        case .stream(.data(_, _, _, let bytes, _, _)): exportedBytes += bytes.count
        case .datagram(_, _, _, _, _, _, let payload, _): exportedBytes += payload.count
        default: break
        }
        exported.append(e)
    }

    /// True when enough was exported to be worth handing to the other half.
    public var exportBatchDue: Bool { exported.count >= Self.exportBatch || exportedBytes >= 1 << 20 }

    /// The events exported since the last call.
    public func takeExported() -> [PipelineEvent] {
        var out: [PipelineEvent] = []
        out.reserveCapacity(Self.exportBatch)
        swap(&out, &exported)
        exportedBytes = 0
        return out
    }

    /// Frames events exported by another pipeline, in their order; messages then wait in
    /// `takeMessages()`/`drainMessages(_:)` as usual.
    public func consume(_ events: some Sequence<PipelineEvent>) {
        for e in events { consume(e) }
    }

    /// The same for one event.
    public func consume(_ e: PipelineEvent) {
        buildsView = false
        switch e {
        case .stream(let s):
            handle(s)
        case let .datagram(frame, frames, source, sourcePort, destination, destinationPort, payload, claimedLength):
            datagram(number: frame, frames: frames, src: source, sp: sourcePort, dst: destination, dp: destinationPort,
                     payload: payload, claimed: claimedLength)
        }
    }

    /// A warning of this pipeline's own (fragments, UDP flows, mid-stream starts): kept for
    /// `takeWarnings()`, or, when the events are exported, handed on with them so the framing
    /// half says every warning in one place.
    func note(_ text: String) {
        if exportsEvents {
            export(.stream(.warning(text)))
        } else if warnings.count < 256 {
            warnings.append(text)
        } else {
            warningsDropped += 1
        }
    }

    /// Limit warnings since the last call (which limit, what was dropped).
    public func takeWarnings() -> [String] {
        guard !warnings.isEmpty else { return [] }
        var out: [String] = []
        swap(&out, &warnings)
        return out
    }

    /// TCP streams whose both directions ended since the last call (their last messages are
    /// already in `takeMessages()`).
    public func takeFinishedStreams() -> [Int] {
        // (Checked first: clearing a list whose copy was just returned would allocate anew.)
        guard !finishedStreams.isEmpty else { return [] }
        defer { finishedStreams.removeAll(keepingCapacity: true) }
        return finishedStreams
    }

    /// Messages completed since the last call, in completion order.
    public func takeMessages() -> [ChatMessage] {
        guard !completed.isEmpty else { return [] }
        var out: [ChatMessage] = []
        swap(&out, &completed)
        return out
    }

    /// Hands each message completed since the last call to `body`, in completion order, and
    /// keeps the list's storage for the next ones (no array is made per call).
    public func drainMessages(_ body: (ChatMessage) -> Void) {
        guard !completed.isEmpty else { return }
        for m in completed { body(m) }
        completed.removeAll(keepingCapacity: true)
    }

    public var summaries: [StreamSummary] { streams.values.sorted { $0.stream < $1.stream } }

    // MARK: TCP

    func handle(_ events: [StreamEvent]) {
        for e in events { handle(e) }
    }

    func handle(_ e: StreamEvent) {
        do {
            switch e {
            case .opened(let stream, let endpoints):
                streams[stream] = StreamSummary(stream: stream, transport: .tcp, endpoints: endpoints, format: nil, guess: nil)
            case .midStream(let stream, let direction):
                state(DirectionKey(stream: stream, direction: direction, udp: false)).startsMidStream = true
            case .data(let stream, let direction, let offset, let bytes, let frame, let segmentStart):
                let key = DirectionKey(stream: stream, direction: direction, udp: false)
                deliver(key, offset: offset, bytes: bytes, frame: frame, segmentStart: segmentStart)
            case .gap(let stream, let direction, let offset, let length):
                let key = DirectionKey(stream: stream, direction: direction, udp: false)
                gap(key, offset: offset, length: length ?? 0)
            case .ended(let stream, let direction, _):
                let key = DirectionKey(stream: stream, direction: direction, udp: false)
                resolveAuto(key, force: true)
                finishDirection(key)
                remove(key)
                endedDirections[stream, default: 0] += 1
                if endedDirections[stream] == 2 {
                    endedDirections[stream] = nil
                    finishedStreams.append(stream)
                    if !keepsSummaries { streams[stream] = nil }
                }
            case .warning(let w):
                // A limit was hit (the reassembler says which, once per stream): keep the first
                // few hundred for the caller to show, count the rest.
                if warnings.count < 256 { warnings.append(w) } else { warningsDropped += 1 }
            }
        }
    }

    func deliver(_ key: DirectionKey, offset: UInt64, bytes: [UInt8], frame: Int, segmentStart: Bool) {
        let st = state(key)
        st.chunks.append(Chunk(offset: offset, end: offset + UInt64(bytes.count), frame: frame))
        if frame == current {
            // Delivered bytes are the segment's payload, or (when part of it was seen before) its tail.
            currentChunks.append((key, offset, offset + UInt64(bytes.count), segmentStart ? 0 : max(currentPayloadCount - bytes.count, 0)))
        }
        if !prepareFramer(st, key) {
            st.held.append((offset, bytes, frame, segmentStart, nil))
            st.heldBytes += bytes.count
            resolveAuto(key, force: false)
            return
        }
        scratch.removeAll(keepingCapacity: true)
        bytes.withUnsafeBytes { st.framer!.feed($0, at: offset, segmentStart: segmentStart, into: &scratch) }
        // `raw`: every segment is a message, complete at the segment's end (a data event is the
        // rest of one segment), not at the next one's start.
        if st.spec?.kind == .raw { scratch += st.framer!.endOfSegment() }
        emit(key, scratch)
    }

    func currentChunk(_ key: DirectionKey) -> (key: DirectionKey, offset: UInt64, end: UInt64, payloadStart: Int)? {
        for c in currentChunks where c.key == key { return c }
        return nil
    }

    /// Bytes of a direction that were on the wire but not captured.
    func gap(_ key: DirectionKey, offset: UInt64, length: UInt64) {
        let st = state(key)
        if !prepareFramer(st, key) {
            // auto and undecided: the gap waits with the held bytes, in stream order.
            st.held.append((offset, [], 0, true, length))
            return
        }
        emit(key, st.framer!.gap(at: offset, length: length))
    }

    /// Makes the direction's framer when its spec is given; false while `auto` has not decided.
    func prepareFramer(_ st: DirectionState, _ key: DirectionKey) -> Bool {
        if st.framer != nil { return true }
        let port = streams[key.stream].map { $0.endpoints.serverPort }
        let client = streams[key.stream].map { $0.endpoints.clientPort }
        let spec = choice.spec(serverPort: port, clientPort: client)
        if case .auto = spec.kind { return false }
        st.spec = spec
        st.framer = MessageFramer(spec: spec, startsMidStream: st.startsMidStream)
        return true
    }

    /// Chooses the format of an `auto` direction once enough bytes were seen (or now, if forced),
    /// then replays what was held. Both directions of a stream share the guess.
    func resolveAuto(_ key: DirectionKey, force: Bool) {
        guard let st = existing(key), st.framer == nil, !st.held.isEmpty || force else { return }
        let spec: FrameSpec
        if let known = streams[key.stream]?.spec {
            spec = known
        } else {
            if st.startsMidStream {
                // Its first bytes are the middle of a message: no guess from a running sample.
                guard let g = midStreamGuess(key, st, force: force) else { return }
                adopt(g, for: key, st)
                return
            }
            var sample: [UInt8] = []
            for h in st.held { sample += h.bytes }
            let g = AutoFraming.guess(sample, maxMessage: choice.defaultSpec.maxMessage)
            // Decide as soon as the evidence is good (a header chain or text lines), else wait
            // for more bytes, up to autoSampleBytes, or the end of the direction.
            // A lone length header announcing more bytes than have come (the first piece of a split
            // message) is a weak guess but a telling one: such values start with zero bytes,
            // which text does not. Deciding there lets that first piece show its message.
            let convincing: Bool
            switch g.spec.kind {
            case .raw: convincing = false
            case .length: convincing = g.confidence >= 0.35
            default: convincing = g.confidence >= 0.7
            }
            guard force || convincing || st.heldBytes >= autoSampleBytes else { return }
            spec = FrameSpec(g.spec.kind, maxMessage: choice.defaultSpec.maxMessage,
                             lengthIncludesHeader: choice.defaultSpec.lengthIncludesHeader)
            if var summary = streams[key.stream] {
                summary.format = spec.description
                summary.guess = g
                summary.spec = spec
                streams[key.stream] = summary
            }
        }
        start(key, st, spec)
    }

    /// Takes a guess for the stream (both directions share it), then frames the direction.
    func adopt(_ g: FramingGuess, for key: DirectionKey, _ st: DirectionState) {
        let spec = FrameSpec(g.spec.kind, maxMessage: choice.defaultSpec.maxMessage,
                             lengthIncludesHeader: choice.defaultSpec.lengthIncludesHeader)
        if var summary = streams[key.stream] {
            summary.format = spec.description
            summary.guess = g
            summary.spec = spec
            streams[key.stream] = summary
        }
        start(key, st, spec)
    }

    /// The format of a stream the capture began inside, by votes: each segment (its start is
    /// the only place a message may begin) of both directions is guessed on its own, and a
    /// length format of 2 bytes or more, or text lines, counts when its chain is convincing (a
    /// 1-byte format chains through nearly anything): 3 votes for a 4- or 8-byte header, 1 for
    /// the others. Decided at 3 votes for one format, or, forced (the direction ended, or 2 KiB
    /// held), on the most votes — raw when none.
    func midStreamGuess(_ key: DirectionKey, _ st: DirectionState, force: Bool) -> FramingGuess? {
        let other = DirectionKey(stream: key.stream, direction: key.direction == .clientToServer ? .serverToClient : .clientToServer, udp: key.udp)
        var segments: [[UInt8]] = []
        for state in [st, existing(other)].compactMap({ $0 }) where state.framer == nil {
            for h in state.held where h.gap == nil {
                if h.segmentStart || segments.isEmpty { segments.append(h.bytes) } else { segments[segments.count - 1] += h.bytes }
            }
        }
        var votes: [String: (guess: FramingGuess, count: Int, order: Int)] = [:]
        for seg in segments {
            let g = AutoFraming.guess(seg, maxMessage: choice.defaultSpec.maxMessage)
            let counts: Bool
            switch g.spec.kind {
            case .length: counts = (g.spec.headerWidth ?? 0) >= 2 && g.confidence >= 0.7
            case .line: counts = g.confidence >= 0.7
            default: counts = false
            }
            guard counts else { continue }
            // A 4- or 8-byte header chaining exactly through a segment is strong evidence (a
            // body's bytes rarely start with zeros and land on the end); 2-byte headers and text
            // lines need more segments.
            let weight = (g.spec.headerWidth ?? 0) >= 4 ? 3 : 1
            let k = g.spec.description
            votes[k] = (votes[k]?.guess ?? g, (votes[k]?.count ?? 0) + weight, votes[k]?.order ?? votes.count)
        }
        let best = votes.values.max { ($0.count, -$0.order) < ($1.count, -$1.order) }
        let forced = force || st.heldBytes >= 4 * autoSampleBytes
        if let b = best, b.count >= 3 || forced {
            return FramingGuess(spec: b.guess.spec, confidence: b.guess.confidence,
                                evidence: "the capture began mid-stream; segments that start messages frame exactly as \(b.guess.spec) (\(b.guess.evidence))")
        }
        guard forced else { return nil }
        return FramingGuess(spec: FrameSpec(.raw), confidence: 0.2,
                            evidence: "the capture began mid-stream and no segment frames as a length format or text lines: raw")
    }

    /// Frames the direction with `spec` from now on: its held bytes first, then the other
    /// direction if it waits for the same guess.
    func start(_ key: DirectionKey, _ st: DirectionState, _ spec: FrameSpec) {
        st.spec = spec
        st.guessed = true
        st.framer = MessageFramer(spec: spec, startsMidStream: st.startsMidStream)
        let held = st.held
        st.held = []
        st.heldBytes = 0
        for h in held {
            if let g = h.gap {
                emit(key, st.framer!.gap(at: h.offset, length: g))
            } else {
                var out = st.framer!.feed(h.bytes, at: h.offset, segmentStart: h.segmentStart)
                if spec.kind == .raw { out += st.framer!.endOfSegment() }
                emit(key, out)
            }
        }
        // The other direction follows the same guess.
        let other = DirectionKey(stream: key.stream, direction: key.direction == .clientToServer ? .serverToClient : .clientToServer, udp: key.udp)
        if let o = existing(other), o.framer == nil, !o.held.isEmpty { resolveAuto(other, force: true) }
    }

    func finishDirection(_ key: DirectionKey) {
        guard let st = existing(key), st.framer != nil else { return }
        reportMidStreamSkip(key, st, ended: true)  // before finish() resets the framer
        let msgs = st.framer!.finish()
        emit(key, msgs)
    }

    /// Once per direction the capture began inside: how many bytes were skipped before the first
    /// message boundary (no message: its start was not captured), or that none was found.
    func reportMidStreamSkip(_ key: DirectionKey, _ st: DirectionState, ended: Bool) {
        guard st.startsMidStream, !st.skipReported, let f = st.framer, ended || !f.isResynchronising else { return }
        st.skipReported = true
        let n = f.skippedBytes
        let what = "stream \(key.stream) \(key.direction == .clientToServer ? "client→server" : "server→client")"
        let text: String
        if f.isResynchronising {
            text = "\(what): the capture began inside it; no message boundary was found in its \(n) byte\(n == 1 ? "" : "s")"
        } else if n > 0 {
            text = "\(what): the capture began inside it; \(n) byte\(n == 1 ? "" : "s") before the first message boundary \(n == 1 ? "was" : "were") skipped (the start of that message was not captured)"
        } else {
            return  // it began at a boundary
        }
        note(text)
    }

    func emit(_ key: DirectionKey, _ messages: [FramedMessage]) {
        guard let st = existing(key) else { return }
        if st.startsMidStream && !st.skipReported { reportMidStreamSkip(key, st, ended: false) }
        guard !messages.isEmpty else { return }
        for m in messages {
            var frames: [Int] = []
            var sticky: [Int] = []
            var i = st.chunkHead
            while i < st.chunks.count {
                let c = st.chunks[i]
                if c.offset >= m.end { break }
                if c.end > m.start {
                    if frames.last != c.frame { frames.append(c.frame) }
                    // Sticky: the segment also holds another message — the previous one ending in
                    // it, or the next one starting after this one's end (bytes a bad header made
                    // the framer skip are no message, hence the clean-message condition).
                    let before = c.offset < m.start && st.lastMessageEnd > c.offset
                    let after = c.end > m.end && m.problems.isEmpty
                    if before || after, sticky.last != c.frame { sticky.append(c.frame) }
                }
                i += 1
            }
            st.lastMessageEnd = m.end
            // Chunks wholly before the end of this message are used up.
            while st.chunkHead < st.chunks.count, st.chunks[st.chunkHead].end <= m.end { st.chunkHead += 1 }
            if st.chunkHead > 64, st.chunkHead * 2 > st.chunks.count {
                st.chunks.removeFirst(st.chunkHead)
                st.chunkHead = 0
            }
            var sortedFrames = frames
            if !isAscending(sortedFrames) { sortedFrames.sort() }
            if buildsView, let k = sortedFrames.firstIndex(of: current) {
                let n = sortedFrames.count
                if view.format == nil, let spec = st.spec {
                    view.format = spec.description
                    view.guessed = st.guessed
                }
                if let chunk = currentChunk(key), m.headerLength > 0, m.start >= chunk.offset, m.start < chunk.end,
                   let v = m.headerValueText {
                    view.headers.append(.init(offset: chunk.payloadStart + Int(m.start - chunk.offset), value: v))
                }
                view.messages.append(.init(index: m.index, kind: n == 1 ? .whole : (k == n - 1 ? .ends : .continues),
                                           textBytes: m.isValidUTF8 ? m.body : nil, length: m.declaredLength ?? m.body.count, complete: m.complete,
                                           part: n > 1 ? k + 1 : nil, parts: n > 1 ? n : nil, problems: m.problems))
            }
            guard collectsMessages else { continue }
            completed.append(ChatMessage(transport: key.udp ? .udp : .tcp, stream: key.stream, direction: key.direction,
                                         message: m, frames: sortedFrames, format: st.formatText,
                                         guessed: st.guessed, stickyFrames: isAscending(sticky) ? sticky : sticky.sorted()))
        }
    }

    // MARK: UDP

    func forgetOldUDPFlows() {
        let byAge = udpFlows.sorted { $0.value.last < $1.value.last }
        for (key, f) in byAge.prefix(max(1, udpFlows.count / 10)) {
            udpFlows[key] = nil
            udpSpecs[f.index] = nil
            udpMessageIndex[DirectionKey(stream: f.index, direction: .clientToServer, udp: true)] = nil
            udpMessageIndex[DirectionKey(stream: f.index, direction: .serverToClient, udp: true)] = nil
        }
        note("limit on UDP flows (\(maxUDPFlows)) hit: the least recently seen tenth was forgotten; a flow seen again gets a new index")
    }

    func datagram(number: Int, frames: [Int], src: IPAddress, sp: UInt16, dst: IPAddress, dp: UInt16, payload: [UInt8], claimed: Int) {
        let flowKey = UDPFlowKey(src, sp, dst, dp)
        var flow: (index: Int, client: IPAddress, clientPort: UInt16, last: Int)
        if let f = udpFlows[flowKey] {
            flow = f
        } else {
            // The first sender is the client of a UDP "conversation".
            if udpFlows.count >= maxUDPFlows { forgetOldUDPFlows() }
            flow = (udpNextIndex, src, sp, number)
            udpNextIndex += 1
        }
        flow.last = number
        udpFlows[flowKey] = flow
        let direction: Direction = (src == flow.client && sp == flow.clientPort) ? .clientToServer : .serverToClient
        let key = DirectionKey(stream: flow.index, direction: direction, udp: true)
        let index = (udpMessageIndex[key] ?? 0) + 1
        udpMessageIndex[key] = index
        // One spec per flow: given, or guessed from its first datagram.
        let chosen: (spec: FrameSpec, guessed: Bool)
        if let known = udpSpecs[flow.index] {
            chosen = known
        } else {
            let spec = choice.spec(serverPort: direction == .clientToServer ? dp : sp, clientPort: direction == .clientToServer ? sp : dp)
            if case .auto = spec.kind {
                chosen = (AutoFraming.guess(payload, maxMessage: spec.maxMessage).spec, true)
            } else {
                chosen = (spec, false)
            }
            udpSpecs[flow.index] = chosen
        }
        let (spec, guessed) = chosen
        var m = frameDatagram(payload, spec: spec, index: index, offset: 0)
        if claimed > payload.count, !m.problems.contains(.gap) {
            m.complete = false
            m.problems.append(.gap)
        }
        if buildsView {
            view.transport = .udp
            view.format = spec.description
            view.guessed = guessed
            if let v = m.headerValueText { view.headers.append(.init(offset: 0, value: v)) }
            view.messages.append(.init(index: m.index, kind: .whole, textBytes: m.isValidUTF8 ? m.body : nil, length: m.declaredLength ?? m.body.count,
                                       complete: m.complete, part: nil, parts: nil, problems: m.problems))
        }
        if collectsMessages {
            completed.append(ChatMessage(transport: .udp, stream: flow.index, direction: direction, message: m,
                                         frames: frames, format: spec.description, guessed: guessed))
        }
    }
}
