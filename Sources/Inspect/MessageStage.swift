import Framing
import Streams
import Wire

/// The second half of the pipeline, free of I/O: the stream stage's events framed into
/// application messages (Framing), each told the frames that carried it, and for the frame in
/// hand its layers 5–7 pieces (`beginFrame` … `endFrame`, a returned `FrameView`).
///
///   events ──► per-direction MessageFramer (auto: guessed first) ──► ChatMessage
///          └─► per-frame pieces (whole / starts / continues / ends) ──► FrameView
///
/// Not thread-safe: one stage belongs to one thread at a time. Its stored properties skip the
/// runtime exclusivity checks, which cost more than the work they guarded on the per-frame path.
public final class MessageStage {
    let choice: FramingChoice
    /// The TCP directions with state, by `DirectionKey.code`.
    @exclusivity(unchecked) var directions = IntMap<DirectionState>()
    @exclusivity(unchecked) var streams: [Int: StreamSummary] = [:]
    @exclusivity(unchecked) var completed: [ChatMessage] = []
    /// Streams with one direction ended, by stream index (IntMap, as for every per-event lookup).
    @exclusivity(unchecked) var endedDirections = IntMap<Int>()
    // The frame in hand (between `beginFrame` and `endFrame`) and what it delivered, for its
    // FrameView; 0 when no view is being built.
    @exclusivity(unchecked) var current = 0
    @exclusivity(unchecked) var view = FrameView()
    /// `pendingPiece`'s count of a message's frames up to a direction's last note (at `next`).
    @exclusivity(unchecked) var partCount: (code: Int, start: UInt64, head: Int, next: Int, part: Int, lastFrame: Int)?
    /// Takes each completed message as it is made, instead of `completed` (see `MessageReceiver`).
    @exclusivity(unchecked) public var receiver: Unmanaged<MessageReceiver>?
    /// Inside a stretch whose messages are put in order before they go (`resolveAuto`,
    /// `finish`): they wait in `completed`, receiver or not.
    @exclusivity(unchecked) var ordering = 0
    // Usually one entry: a small array beats hashing the key for every frame.
    @exclusivity(unchecked) var currentChunks: [(key: DirectionKey, offset: UInt64, end: UInt64, payloadStart: Int)] = []
    /// What is kept besides the per-frame views: completed messages for `takeMessages()` (not
    /// when only views are printed), and the summaries of ended streams (`stats`, `follow`).
    public let keeps: Keeps
    @exclusivity(unchecked) var finishedStreams: [Int] = []
    @exclusivity(unchecked) var warnings: [String] = []
    /// Warnings not kept (past the first 256 since the last `takeWarnings()`).
    @exclusivity(unchecked) public private(set) var warningsDropped = 0
    /// UDP flows seen (and not forgotten), by flow index.
    @exclusivity(unchecked) var udpFlows = IntMap<UDPFlow>()
    /// Auto-detection looks at up to this many bytes of a direction before it decides.
    @exclusivity(unchecked) public var autoSampleBytes = 512
    /// Bytes held by undecided `auto` directions, all streams together; past
    /// `maxHeldBytesTotal` (24 MiB, as the other memory budgets) the direction that grew
    /// decides with what came, and says so. A held segment counts its bytes plus
    /// `heldPieceCost`: its entry, its frame note, and the room their lists keep to grow (a
    /// flood of one-byte segments was measured at about 90 bytes each, all costs in) — so such
    /// a flood meets the limit too.
    @exclusivity(unchecked) public internal(set) var heldTotal = 0
    @exclusivity(unchecked) public var maxHeldBytesTotal = 24 << 20
    static let heldPieceCost = 96
    /// Segment notes (`DirectionState.chunks`) of messages not yet complete: at most
    /// `maxMessageNotes` for one direction, `maxPendingNotesTotal` for all together (besides
    /// each direction's first `freeNotes`, which are not counted: the usual few cost no
    /// bookkeeping). Past either, a direction's new note is merged into its last one (the
    /// message's frame list then names its first frames and its last), and a warning says so
    /// once per direction.
    static let freeNotes = 8
    @exclusivity(unchecked) var pendingNotes = 0
    @exclusivity(unchecked) public var maxMessageNotes = 1 << 16
    @exclusivity(unchecked) public var maxPendingNotesTotal = 1 << 18
    /// Direction changes of each undecided stream's data (the lesson's turn-taking).
    @exclusivity(unchecked) var turns = IntMap<(last: Direction, count: Int)>()
    @exclusivity(unchecked) var notices: [String] = []
    /// Spare storage for the bodies the framers cut: a message handed to the receiver, or
    /// drained, gives its body back once handled, so printing a message and letting it go
    /// costs no allocation and free of its body (see `BodyPool`).
    let bodies = BodyPool()
    /// Undecided segments become provisional `raw` messages in `takeMessages()` too
    /// (`messages --live`); otherwise they show only in the frame views.
    public let emitsProvisional: Bool

    public struct Keeps: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Completed messages, for `takeMessages()`.
        public static let messages = Keeps(rawValue: 1)
        /// Summaries of streams that ended (without it memory follows the open streams).
        public static let endedStreams = Keeps(rawValue: 2)
        public static let all: Keeps = [.messages, .endedStreams]
    }

    public init(framing: FramingChoice, keeps: Keeps = .all, emitsProvisional: Bool = false) {
        self.choice = framing
        self.keeps = keeps
        self.emitsProvisional = emitsProvisional
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

        /// A TCP direction as one number, ordered by stream then client→server first: the key
        /// of `directions`.
        var code: Int { stream &* 2 | (direction == .clientToServer ? 0 : 1) }

        init(stream: Int, direction: Direction, udp: Bool) {
            self.stream = stream
            self.direction = direction
            self.udp = udp
        }

        init(code: Int) {
            self.init(stream: code >> 1, direction: code & 1 == 0 ? .clientToServer : .serverToClient, udp: false)
        }
    }

    struct Chunk {
        var offset: UInt64
        var end: UInt64
        var frame: Int
    }

    /// One event of an undecided `auto` direction: a segment's `count` bytes (the next ones of
    /// `heldData`), or a gap (`count` 0; its length the next of `heldGaps`).
    struct HeldPiece {
        var offset: UInt64
        var count: UInt32
        var segmentStart: Bool
        var isGap: Bool
    }

    /// A class, so updating it in the dictionary never copies its arrays. Used by one pipeline
    /// only (no dynamic exclusivity checks, as for the pipeline).
    final class DirectionState {
        @exclusivity(unchecked) var framer: MessageFramer?
        @exclusivity(unchecked) private(set) var spec: FrameSpec?
        /// `spec`'s description, made once (every message carries it).
        @exclusivity(unchecked) private(set) var formatText = "?"
        /// `spec` is `raw` (every segment one message).
        @exclusivity(unchecked) private(set) var isRaw = false
        @exclusivity(unchecked) var guessed = false
        // Auto: events held until the format is chosen — one entry each (a segment's bytes lie
        // in `heldData`, one after another; a gap's length is the next of `heldGaps`), so a held
        // segment costs 16 bytes besides its own, not an array of its own.
        @exclusivity(unchecked) var held: [HeldPiece] = []
        @exclusivity(unchecked) var heldData: [UInt8] = []
        @exclusivity(unchecked) var heldGaps: [UInt64] = []
        /// Payload bytes held (the sample auto decides on).
        @exclusivity(unchecked) var heldBytes = 0
        /// What the held events count against `maxHeldBytesTotal` (bytes and per-entry cost).
        @exclusivity(unchecked) var heldCost = 0
        /// Its notes past the first `freeNotes`, counted in `pendingNotes`.
        @exclusivity(unchecked) var countedNotes = 0
        /// A message of this direction outgrew the segment notes kept for it (warned once).
        @exclusivity(unchecked) var notesCapped = false
        // Delivered byte ranges not yet wholly used by completed messages, in stream order.
        @exclusivity(unchecked) var chunks: [Chunk] = {
            // Room for the few used chunks `emit` lets wait, and the ones ahead: no regrowth.
            var list: [Chunk] = []
            list.reserveCapacity(8)
            return list
        }()
        @exclusivity(unchecked) var chunkHead = 0
        /// Stream offset where the last emitted message ended.
        @exclusivity(unchecked) var lastMessageEnd: UInt64 = 0
        /// The capture began inside this direction: its framer starts resynchronising, and the
        /// bytes skipped before the first boundary are reported once (`skipReported`).
        @exclusivity(unchecked) var startsMidStream = false
        @exclusivity(unchecked) var skipReported = false
        /// Auto, undecided: segments counted (and numbered) as provisional `raw` messages, and
        /// whether any was shown (a frame view, or `emitsProvisional`); the stream offset up
        /// to which provisional messages were emitted (not emitted again when `raw` is chosen).
        @exclusivity(unchecked) var provisionalCount = 0
        @exclusivity(unchecked) var provisionalShown = false
        @exclusivity(unchecked) var provisionalEnd: UInt64 = 0

        /// Sets `spec`, with its description when the caller made it already (`auto`'s guess).
        func setSpec(_ spec: FrameSpec, text: String? = nil) {
            self.spec = spec
            formatText = text ?? spec.description
            isRaw = spec.kind == .raw
        }
    }

    func state(_ key: DirectionKey) -> DirectionState {
        if let s = directions[key.code] { return s }
        let s = DirectionState()
        directions[key.code] = s
        return s
    }

    /// The direction's state if it has one.
    @inline(__always)
    func existing(_ key: DirectionKey) -> DirectionState? {
        directions[key.code]
    }

    /// Forgets a direction (it ended).
    func remove(_ key: DirectionKey) {
        if let st = directions.removeValue(forKey: key.code) { pendingNotes -= st.countedNotes }
    }

    /// End of input (after the stream stage's last events): every direction is finished and
    /// its last partial message reported. The end of a capture can release a lot at once:
    /// `drain` is called with completed messages every so often, so they need not all be held.
    public func finish(drain: ([ChatMessage]) -> Void = { _ in }) {
        ordering += 1
        defer { ordering -= 1 }
        // By stream, client→server first (the codes' order).
        let keys = directions.allKeys.sorted().map { DirectionKey(code: $0) }
        var i = 0
        while i < keys.count {
            // Both directions of a stream, then their last messages in conversation order.
            let mark = completed.count
            let stream = keys[i].stream
            while i < keys.count, keys[i].stream == stream {
                resolveAuto(keys[i], force: true)
                finishDirection(keys[i])
                i += 1
            }
            orderByLastFrame(from: mark)
            if completed.count >= 1024 { drain(takeMessages()) }
        }
    }

    // MARK: Events

    /// Frames events of the stream stage, in their order.
    public func consume(_ events: some Sequence<PipelineEvent>) {
        for e in events { consume(e) }
    }

    public func consume(_ e: PipelineEvent) {
        switch e {
        case .stream(let s): handle(s)
        case .datagram(let d): datagram(d)
        case .forgotFlows(let flows):
            for f in flows { udpFlows.removeValue(forKey: f) }
        }
    }

    /// A warning: the stream stage's (they come as events) and this stage's own (mid-stream
    /// starts); the first few hundred are kept for `takeWarnings()`, the rest counted.
    func note(_ text: String) {
        if warnings.count < 256 { warnings.append(text) } else { warningsDropped += 1 }
    }

    /// True when a `take…` or `drainMessages` call would give something: notices, warnings,
    /// completed messages or finished streams. One check per event for a caller that pumps
    /// after each (nearly always with nothing to take), instead of four calls and four arrays.
    public var hasNews: Bool {
        !completed.isEmpty || !finishedStreams.isEmpty || !notices.isEmpty || !warnings.isEmpty
    }

    /// Notes since the last call that are news, not trouble: `auto` switching from its
    /// provisional `raw` to a format.
    public func takeNotices() -> [String] {
        guard !notices.isEmpty else { return [] }
        var out: [String] = []
        swap(&out, &notices)
        return out
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
    /// keeps the list's storage for the next ones (no array is made per call). The messages are
    /// gone after the call, their framed bodies given back for later ones: `body` copies what
    /// it keeps (a kept body costs new storage there, not a wrong message).
    public func drainMessages(_ body: (ChatMessage) -> Void) {
        guard !completed.isEmpty else { return }
        // Moved out one by one (reversed first, so `popLast` takes them in order): each is
        // released by the loop, not by a generic destroy of the list's elements.
        if completed.count > 1 { completed.reverse() }
        while var m = completed.popLast() {
            body(m)
            // A framer cut its body (a datagram's is the reading thread's payload, still held by
            // its event; a provisional message's is a held segment).
            if m.transport == .tcp, !m.provisional { bodies.recycle(&m.message.body) }
        }
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
            case .data(let stream, let direction, let offset, let bytes, let frame, let segmentOffset):
                let key = DirectionKey(stream: stream, direction: direction, udp: false)
                deliver(key, offset: offset, bytes: bytes, frame: frame, segmentOffset: segmentOffset)
            case .gap(let stream, let direction, let offset, let length):
                let key = DirectionKey(stream: stream, direction: direction, udp: false)
                gap(key, offset: offset, length: length ?? 0)
            case .ended(let stream, let direction, _):
                let key = DirectionKey(stream: stream, direction: direction, udp: false)
                resolveAuto(key, force: true)
                finishDirection(key)
                remove(key)
                let ended = (endedDirections[stream] ?? 0) + 1
                endedDirections[stream] = ended == 2 ? nil : ended
                if ended == 2 {
                    turns[stream] = nil
                    finishedStreams.append(stream)
                    if !keeps.contains(.endedStreams) { streams[stream] = nil }
                }
            case .warning(let w):
                // A limit was hit (the reassembler says which, once per stream), or the stream
                // stage's own warning.
                note(w)
            }
        }
    }

    func deliver(_ key: DirectionKey, offset: UInt64, bytes: SegmentBytes, frame: Int, segmentOffset: Int) {
        let segmentStart = segmentOffset == 0
        let st = state(key)
        let segmentNote = Chunk(offset: offset, end: offset + UInt64(bytes.count), frame: frame)
        if st.chunks.count < MessageStage.freeNotes { st.chunks.append(segmentNote) } else { addNote(key, st, segmentNote) }
        if frame == current {
            // Where the delivered bytes lie in the frame's payload: the event says.
            currentChunks.append((key, offset, segmentNote.end, segmentOffset))
        }
        if st.framer == nil, !prepareFramer(st, key) {
            hold(key, st, offset: offset, bytes: bytes, frame: frame, segmentStart: segmentStart)
            return
        }
        // Each message goes from the framer to `emit` as it is cut. (`emit` leaves the framer be:
        // it is being fed.)
        bytes.withUnsafeBytes { p in st.framer!.feed(p, at: offset, segmentStart: segmentStart, bodies: bodies) { emit(key, st, $0) } }
        // `raw`: every segment is a message, complete at the segment's end (a data event is the
        // rest of one segment), not at the next one's start.
        if st.isRaw { st.framer!.endOfSegment { emit(key, st, $0) } }
        framed(key, st)
    }

    /// Bytes of a direction that were on the wire but not captured.
    func gap(_ key: DirectionKey, offset: UInt64, length: UInt64) {
        let st = state(key)
        if !prepareFramer(st, key) {
            // auto and undecided: the gap waits with the held bytes, in stream order.
            st.held.append(HeldPiece(offset: offset, count: 0, segmentStart: true, isGap: true))
            st.heldGaps.append(length)
            st.heldCost += Self.heldPieceCost
            heldTotal += Self.heldPieceCost
            return
        }
        st.framer!.gap(at: offset, length: length) { emit(key, st, $0) }
        framed(key, st)
    }

    /// Makes the direction's framer when its spec is given; false while `auto` has not decided.
    func prepareFramer(_ st: DirectionState, _ key: DirectionKey) -> Bool {
        if st.framer != nil { return true }
        let endpoints = streams[key.stream]?.endpoints
        let spec = choice.spec(serverPort: endpoints?.serverPort, clientPort: endpoints?.clientPort)
        if case .auto = spec.kind { return false }
        st.setSpec(spec)
        st.framer = MessageFramer(spec: spec, startsMidStream: st.startsMidStream)
        return true
    }

    func finishDirection(_ key: DirectionKey) {
        guard let st = existing(key), st.framer != nil else { return }
        reportMidStreamSkip(key, st, ended: true)  // before finish() resets the framer
        st.framer!.finish { emit(key, st, $0) }
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
}
