import Framing
import Streams

// A message's way out of the stage: as the direction's framer cuts it (the framer hands each one
// over as it goes, no list per delivery), it is told its frames and sticky frames, shown in the
// view of the frame in hand, and completed — to the receiver at once, or to `completed`.
extension MessageStage {
    /// After the direction's framer was fed: the bytes a mid-stream start skipped, once the
    /// first boundary is found.
    @inline(__always)
    func framed(_ key: DirectionKey, _ st: DirectionState) {
        if st.startsMidStream && !st.skipReported { reportMidStreamSkip(key, st, ended: false) }
    }

    /// A message the direction's framer just cut, told its frames: into the frame view and to
    /// `complete`. Called from inside the framer's feed: it reads none of the framer.
    func emit(_ key: DirectionKey, _ st: DirectionState, _ m: consuming FramedMessage) {
        // Under `raw`, what was already emitted as provisional messages is not emitted again.
        let keepsIt = keeps.contains(.messages) && m.end > st.provisionalEnd
        // The message's frames (and its sticky ones) are gathered only when it is kept; the
        // frame view needs only how many there are and where the frame in hand falls among
        // them in ascending order (its first index there: how many are below it).
        // (Inline for the first frame: a message of one frame allocates no list.)
        var frames = FrameList()
        var sticky = FrameList()
        var lastFrame: Int? = nil
        var lastSticky: Int? = nil
        var count = 0, below = 0
        var hasCurrent = false
        var i = st.chunkHead
        while i < st.chunks.count {
            let c = st.chunks[i]
            if c.offset >= m.end { break }
            if c.end > m.start {
                if lastFrame != c.frame {
                    lastFrame = c.frame
                    count += 1
                    if c.frame < current { below += 1 } else if c.frame == current { hasCurrent = true }
                    if keepsIt { frames.append(c.frame) }
                }
                // Sticky: the segment also holds another message — the previous one ending in
                // it, or the next one starting after this one's end (bytes a bad header made
                // the framer skip are no message, hence the clean-message condition).
                let before = c.offset < m.start && st.lastMessageEnd > c.offset
                let after = c.end > m.end && m.problems.isEmpty
                if keepsIt, before || after, lastSticky != c.frame {
                    lastSticky = c.frame
                    sticky.append(c.frame)
                }
            }
            i += 1
        }
        st.lastMessageEnd = m.end
        // Chunks wholly before the end of this message are used up.
        while st.chunkHead < st.chunks.count, st.chunks[st.chunkHead].end <= m.end { st.chunkHead += 1 }
        if st.countedNotes != 0 { recount(st) }
        if st.chunkHead == st.chunks.count, st.chunkHead >= 4 {
            // All used up (the usual case: a message ends with its segment): the list starts
            // again in its own storage — every fourth time, as emptying it costs more than
            // the walk past a few used chunks.
            st.chunks.removeAll(keepingCapacity: true)
            st.chunkHead = 0
        } else if st.chunkHead > 64, st.chunkHead * 2 > st.chunks.count {
            st.chunks.removeFirst(st.chunkHead)
            st.chunkHead = 0
        }
        // The frame view holds the body too: it is not given back for another message.
        let lent = current != 0 && hasCurrent
        if lent {
            let n = count, k = below
            if view.format == nil, st.spec != nil {
                view.format = st.formatText
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
        guard keepsIt else { return }
        frames.sortAscending()
        sticky.sortAscending()
        complete(ChatMessage(transport: key.udp ? .udp : .tcp, stream: key.stream, direction: key.direction,
                             message: consume m, frames: consume frames, format: st.formatText,
                             guessed: st.guessed, stickyFrames: consume sticky), recycles: !lent)
    }

    /// The direction's notes past its first `freeNotes`, told to `pendingNotes` again.
    func recount(_ st: DirectionState) {
        let counted = max(0, st.chunks.count - st.chunkHead - Self.freeNotes)
        pendingNotes += counted - st.countedNotes
        st.countedNotes = counted
    }

    /// A delivery's note when the direction has `freeNotes` already (used or not): added, or
    /// past the limits on segment notes (`maxMessageNotes`, `maxPendingNotesTotal`) merged into
    /// the direction's last note, which takes its frame, so the message in progress lists its
    /// first frames and its last (the one its ordering and its frame view go by).
    func addNote(_ key: DirectionKey, _ st: DirectionState, _ c: Chunk) {
        let noted = st.chunks.count - st.chunkHead
        if noted < Self.freeNotes || noted < maxMessageNotes && pendingNotes < maxPendingNotesTotal {
            st.chunks.append(c)
            recount(st)
            return
        }
        let last = st.chunks.count - 1
        st.chunks[last].end = max(st.chunks[last].end, c.end)
        st.chunks[last].frame = c.frame
        guard !st.notesCapped else { return }
        st.notesCapped = true
        let limit = noted >= maxMessageNotes
            ? "the limit is \(maxMessageNotes) for a message"
            : "the limit is \(maxPendingNotesTotal) for messages in progress, all streams together"
        note("stream \(key.stream) \(key.direction == .clientToServer ? "client→server" : "server→client"): a message came in more segments than are noted (\(limit)); its frames list names the first \(noted - 1) and the last")
    }

    func currentChunk(_ key: DirectionKey) -> (key: DirectionKey, offset: UInt64, end: UInt64, payloadStart: Int)? {
        for c in currentChunks where c.key == key { return c }
        return nil
    }

    /// A message is complete: to the receiver at once when nothing is waiting before it and it
    /// needs no ordering, else to `completed`, in completion order either way. `recycles`: its
    /// body is the framer's cut and nothing else holds it, so once received its storage goes
    /// back to `bodies` (messages in `completed` give theirs back in `drainMessages`).
    @inline(__always)
    func complete(_ m: consuming ChatMessage, recycles: Bool = false) {
        if let r = receiver, ordering == 0, completed.isEmpty {
            r._withUnsafeGuaranteedRef { $0.receive(m) }
            if recycles {
                var done = consume m
                bodies.recycle(&done.message.body)
            }
        } else {
            completed.append(m)
        }
    }
}
