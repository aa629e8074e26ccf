import Framing
import Streams

// `auto`: a direction's format chosen from its bytes (AutoFraming), and what its frames show
// meanwhile. Until the bytes support a format, each segment is one provisional `raw` message —
// what one `recv()` would have read — so no frame shows nothing; when a format is chosen the
// held bytes are framed again under it and the switch is said once (`takeNotices()`, and the
// view of the frame where it takes effect). Both directions of a stream share the choice, and the
// messages a choice releases come in conversation order (by the frame of their last byte).
extension MessageStage {
    /// An undecided direction's delivery: held until the format is chosen, shown meanwhile.
    /// The bytes are copied: held, they would keep the reassembler's whole chunk alive.
    func hold(_ key: DirectionKey, _ st: DirectionState, offset: UInt64, bytes: SegmentBytes, frame: Int, segmentStart: Bool) {
        // (The first as an array of its own size: most directions decide on their first.)
        if st.heldData.isEmpty { st.heldData = bytes.array } else { bytes.withUnsafeBytes { st.heldData.append(contentsOf: $0) } }
        st.held.append(HeldPiece(offset: offset, count: UInt32(bytes.count), segmentStart: segmentStart, isGap: false))
        st.heldBytes += bytes.count
        let cost = bytes.count + Self.heldPieceCost
        st.heldCost += cost
        heldTotal += cost
        if let t = turns[key.stream] {
            if t.last != key.direction { turns[key.stream] = (key.direction, t.count + 1) }
        } else {
            turns[key.stream] = (key.direction, 0)
        }
        resolveAuto(key, force: false)
        if st.framer == nil, heldTotal > maxHeldBytesTotal {
            note("stream \(key.stream): \(heldTotal) bytes of streams whose framing was not yet clear were held, counting \(Self.heldPieceCost) a segment besides its bytes (the limit is \(maxHeldBytesTotal)); auto decided with what came")
            resolveAuto(key, force: true)
        }
        if st.framer == nil { provisional(key, st, offset: offset, bytes: bytes, frame: frame) }
    }

    /// One segment of an undecided direction as a provisional `raw` message: in the view of the
    /// frame that brought it, and (`emitsProvisional`) as a message.
    func provisional(_ key: DirectionKey, _ st: DirectionState, offset: UInt64, bytes segment: SegmentBytes, frame: Int) {
        st.provisionalCount += 1
        let inView = current != 0 && frame == current
        let emits = emitsProvisional && keeps.contains(.messages)
        guard inView || emits else { return }
        st.provisionalShown = true
        let bytes = segment.array
        let spec = FrameSpec(.raw, maxMessage: choice.defaultSpec.maxMessage)
        let m = frameDatagram(bytes, spec: spec, index: st.provisionalCount, offset: offset)
        if inView {
            view.format = "raw"
            view.guessed = true
            view.provisional = true
            view.messages.append(.init(index: m.index, kind: .whole, textBytes: m.isValidUTF8 ? m.body : nil, length: m.body.count,
                                       complete: m.complete, part: nil, parts: nil, problems: m.problems))
        }
        if emits {
            st.provisionalEnd = offset + UInt64(bytes.count)
            complete(ChatMessage(transport: .tcp, stream: key.stream, direction: key.direction, message: m,
                                 frames: [frame], format: "raw", guessed: true, provisional: true))
        }
    }

    /// Chooses the format of an `auto` direction once enough bytes were seen (or now, if forced),
    /// then replays what was held. Both directions of a stream share the guess.
    func resolveAuto(_ key: DirectionKey, force: Bool) {
        guard let st = existing(key), st.framer == nil, !st.held.isEmpty || force else { return }
        // What the choice releases, both directions, in conversation order (waiting in
        // `completed` until then, even with a receiver).
        let mark = completed.count
        ordering += 1
        defer {
            ordering -= 1
            orderByLastFrame(from: mark)
        }
        if let summary = streams[key.stream], let known = summary.spec {
            start(key, st, known, text: summary.format)
            return
        }
        if st.startsMidStream {
            // Its first bytes are the middle of a message: no guess from a running sample.
            guard let g = midStreamGuess(key, st, force: force) else { return }
            adopt(g, for: key, st)
            return
        }
        let mine = sample(st)
        let g = AutoFraming.guess(mine, maxMessage: choice.defaultSpec.maxMessage)
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
        if !convincing, let turn = turnTaking(key, mine: mine) {
            adopt(turn, for: key, st)
            return
        }
        guard force || convincing || st.heldBytes >= autoSampleBytes else { return }
        adopt(g, for: key, st)
    }

    /// The held bytes of a direction, joined (as they are kept: not a copy).
    func sample(_ st: DirectionState) -> [UInt8] { st.heldData }

    /// The lesson's bare-text chat: both directions spoke, in turns, and nothing else tells the
    /// messages apart (AutoFraming.turnTaking).
    /// `mine`: the direction's held bytes, joined (the caller has them already).
    func turnTaking(_ key: DirectionKey, mine: [UInt8]) -> FramingGuess? {
        guard let t = turns[key.stream], t.count >= 1, let o = existing(otherDirection(key)), o.framer == nil else { return nil }
        return AutoFraming.turnTaking([mine, sample(o)], maxMessage: choice.defaultSpec.maxMessage)
    }

    func otherDirection(_ key: DirectionKey) -> DirectionKey {
        DirectionKey(stream: key.stream, direction: key.direction.opposite, udp: key.udp)
    }

    /// Takes a guess for the stream (both directions share it), then frames the direction.
    func adopt(_ g: FramingGuess, for key: DirectionKey, _ st: DirectionState) {
        let spec = FrameSpec(g.spec.kind, maxMessage: choice.defaultSpec.maxMessage,
                             lengthIncludesHeader: choice.defaultSpec.lengthIncludesHeader)
        let text = spec.description
        // In place: the summary is not copied out and back.
        if let i = streams.index(forKey: key.stream) {
            streams.values[i].decide(format: text, guess: g, spec: spec)
        }
        turns[key.stream] = nil
        // The switch from what was shown provisionally, said once for the stream.
        let other = existing(otherDirection(key))
        let shownProvisionally = st.provisionalShown || other?.provisionalShown == true
        if spec.kind == .raw, shownProvisionally {
            // What was shown stays right; why, in one line.
            notices.append("stream \(key.stream): framing raw (guessed): \(g.evidence)")
        }
        if spec.kind != .raw, shownProvisionally {
            let shown = st.provisionalCount + (other?.provisionalCount ?? 0)
            let at = current != 0 ? " at frame \(current)" : ""
            notices.append("stream \(key.stream): auto switched from raw (provisional, \(shown) segment\(shown == 1 ? "" : "s") shown as one message each) to \(spec)\(at): \(g.evidence); message numbers restart under \(spec)")
            if current != 0 { view.switched = .init(from: "raw", to: spec.description, reason: g.evidence) }
            // The held bytes are framed again under the new format: every message is news.
            st.provisionalEnd = 0
            other?.provisionalEnd = 0
        }
        start(key, st, spec, text: text)
    }

    /// The format of a stream the capture began inside, by votes: each segment (its start is
    /// the only place a message may begin) of both directions is guessed on its own, and a
    /// length format of 2 bytes or more, or text lines, counts when its chain is convincing (a
    /// 1-byte format chains through nearly anything): 3 votes for a 4- or 8-byte header, 1 for
    /// the others. A message split over segments counts too: a 4- or 8-byte header whose
    /// following segments of its direction add up to exactly the length it announces gets 3
    /// votes (AutoFraming.continuation), and while such a header still waits for the rest, the
    /// direction keeps holding (up to the message limit). Decided at 3 votes for one format, or,
    /// forced (the direction ended, or 2 KiB held with nothing pending), on the most votes; the
    /// lesson's turn-taking text is raw; a header still waiting at the end gives its format; raw
    /// when nothing counts.
    func midStreamGuess(_ key: DirectionKey, _ st: DirectionState, force: Bool) -> FramingGuess? {
        var votes: [String: (guess: FramingGuess, count: Int, order: Int)] = [:]
        func vote(_ g: FramingGuess, _ weight: Int) {
            let k = g.spec.description
            votes[k] = (votes[k]?.guess ?? g, (votes[k]?.count ?? 0) + weight, votes[k]?.order ?? votes.count)
        }
        var pending: FrameSpec?
        for state in [st, existing(otherDirection(key))].compactMap({ $0 }) where state.framer == nil {
            // This direction's segments, each from its start; a gap ends what can be added up.
            var segments: [[UInt8]] = []
            var runs: [[[UInt8]]] = []
            var at = 0
            for h in state.held {
                let bytes = state.heldData[at..<at + Int(h.count)]
                at += Int(h.count)
                if h.isGap {
                    if !segments.isEmpty { runs.append(segments); segments = [] }
                } else if h.segmentStart || segments.isEmpty {
                    segments.append(Array(bytes))
                } else {
                    segments[segments.count - 1] += bytes
                }
            }
            if !segments.isEmpty { runs.append(segments) }
            for run in runs {
                for seg in run {
                    let g = AutoFraming.guess(seg, maxMessage: choice.defaultSpec.maxMessage)
                    switch g.spec.kind {
                    // A 4- or 8-byte header chaining exactly through a segment is strong evidence
                    // (a body's bytes rarely start with zeros and land on the end); 2-byte
                    // headers and text lines need more segments.
                    case .length where (g.spec.headerWidth ?? 0) >= 2 && g.confidence >= 0.7:
                        vote(g, (g.spec.headerWidth ?? 0) >= 4 ? 3 : 1)
                    case .line where g.confidence >= 0.7:
                        vote(g, 1)
                    default: break
                    }
                }
                let c = AutoFraming.continuation(run, maxMessage: choice.defaultSpec.maxMessage)
                if let g = c.proved { vote(g, 3) }
                if let p = c.pending, state === st { pending = p }
            }
        }
        let best = votes.values.max { ($0.count, -$0.order) < ($1.count, -$1.order) }
        let cap = pending != nil ? choice.defaultSpec.maxMessage + 16 : 4 * autoSampleBytes
        let forced = force || st.heldBytes >= cap
        if let b = best, b.count >= 3 || forced {
            return FramingGuess(spec: b.guess.spec, confidence: b.guess.confidence,
                                evidence: "the capture began mid-stream; segments that start messages frame exactly as \(b.guess.spec) (\(b.guess.evidence))")
        }
        if best == nil, let turn = turnTaking(key, mine: sample(st)) { return turn }
        guard forced else { return nil }
        if let p = pending {
            // A header still waiting for the rest of its message when the direction ended: its
            // format frames what came (resynchronising, so nothing unconfirmed is invented).
            return FramingGuess(spec: p, confidence: 0.3,
                                evidence: "the capture began mid-stream; a header of \(p) announces more bytes than came before the end")
        }
        return FramingGuess(spec: FrameSpec(.raw), confidence: 0.2,
                            evidence: "the capture began mid-stream and no segment frames as a length format or text lines: raw")
    }

    /// Frames the direction with `spec` from now on: its held bytes first, then the other
    /// direction if it waits for the same guess.
    func start(_ key: DirectionKey, _ st: DirectionState, _ spec: FrameSpec, text: String? = nil) {
        st.setSpec(spec, text: text)
        st.guessed = true
        st.framer = MessageFramer(spec: spec, startsMidStream: st.startsMidStream)
        let held = st.held, data = st.heldData, gaps = st.heldGaps
        st.held = []
        st.heldData = []
        st.heldGaps = []
        heldTotal -= st.heldCost
        st.heldBytes = 0
        st.heldCost = 0
        var at = 0, nextGap = 0
        data.withUnsafeBytes { all in
            for h in held {
                if h.isGap {
                    st.framer!.gap(at: h.offset, length: gaps[nextGap]) { emit(key, st, $0) }
                    nextGap += 1
                } else {
                    let p = UnsafeRawBufferPointer(rebasing: all[at..<at + Int(h.count)])
                    at += Int(h.count)
                    st.framer!.feed(p, at: h.offset, segmentStart: h.segmentStart, bodies: bodies) { emit(key, st, $0) }
                    if st.isRaw { st.framer!.endOfSegment { emit(key, st, $0) } }
                }
                framed(key, st)
            }
        }
        // The other direction follows the same guess.
        let other = otherDirection(key)
        if let o = existing(other), o.framer == nil, !o.held.isEmpty { resolveAuto(other, force: true) }
    }

    /// Puts the messages completed since `mark` in conversation order: by the frame that
    /// brought each one's last byte, never moving a message before an earlier one of its own
    /// direction (byte order within a direction is kept: the key is the running maximum per
    /// direction, so a message with no captured frame stays after the one before it).
    func orderByLastFrame(from mark: Int) {
        guard completed.count - mark > 1 else { return }
        // One direction only (a direction deciding alone): its messages are in order already.
        let stream = completed[mark].stream, direction = completed[mark].direction, transport = completed[mark].transport
        var i = mark + 1
        while i < completed.count, completed[i].direction == direction, completed[i].stream == stream,
              completed[i].transport == transport { i += 1 }
        if i == completed.count { return }
        var keyed: [(frame: Int, position: Int)] = []
        keyed.reserveCapacity(completed.count - mark)
        var running: [DirectionKey: Int] = [:]
        var sorted = true
        for i in mark..<completed.count {
            let k = DirectionKey(stream: completed[i].stream, direction: completed[i].direction, udp: completed[i].transport == .udp)
            let frame = max(running[k] ?? 0, completed[i].frames.last ?? 0)
            running[k] = frame
            if let prev = keyed.last, prev.frame > frame { sorted = false }
            keyed.append((frame, i))
        }
        if sorted { return }
        keyed.sort { ($0.frame, $0.position) < ($1.frame, $1.position) }
        let messages = keyed.map { completed[$0.position] }
        completed.replaceSubrange(mark..., with: messages)
    }
}
