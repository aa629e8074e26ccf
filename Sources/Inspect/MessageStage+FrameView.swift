// The frame in hand: between `beginFrame` and `endFrame` the events consumed are that frame's,
// and its layers 5–7 view (session, headers, the pieces of messages it holds) is built.

import Framing
import Streams
import Wire

extension MessageStage {
    // MARK: The frame in hand

    /// Starts the view of frame `number`: the events consumed until `endFrame` are its own.
    public func beginFrame(_ number: Int) {
        current = number
        // Cleared in place: the caller let go of the last frame's view, so its lists' storage
        // serves this frame's (no allocation per frame).
        view.reset()
        if !currentChunks.isEmpty { currentChunks.removeAll(keepingCapacity: true) }
    }

    /// The layers 5–7 view of the frame begun with `beginFrame`: its session facts, the headers
    /// and messages its bytes hold, and the message it starts or continues, still in progress.
    public func endFrame(session: SessionInfo?) -> FrameView {
        view.session = session
        if let s = session { pendingPiece(DirectionKey(stream: s.stream, direction: s.direction, udp: false)) }
        current = 0
        return view
    }

    /// The message this frame's bytes started or continue, still in progress after it.
    func pendingPiece(_ key: DirectionKey) {
        guard let chunk = currentChunk(key), let st = existing(key) else { return }
        if view.format == nil, st.spec != nil {
            view.format = st.formatText
            view.guessed = st.guessed
        }
        guard let p = st.framer?.pending, p.start < chunk.end else { return }
        // Which segment of the message this frame is: count the distinct frames that delivered
        // its bytes, in stream order, up to this frame's chunk. The count up to the direction's
        // last note is kept for the next frame of the same message (`partCount`), so a message
        // of many segments is not walked again for each.
        var part = 0
        var i = st.chunkHead
        var lastFrame = -1
        if let k = partCount, k.code == key.code, k.start == p.start, k.head == st.chunkHead, k.next < st.chunks.count {
            (i, part, lastFrame) = (k.next, k.part, k.lastFrame)
        }
        while i < st.chunks.count {
            // (The last note is counted anew each time: a merge may give it a later frame.)
            if i == st.chunks.count - 1 { partCount = (key.code, p.start, st.chunkHead, i, part, lastFrame) }
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
            view.headers.append(.init(offset: chunk.payloadStart + Int(p.start - chunk.offset), value: decimalText(v)))
        }
        view.messages.append(.init(index: p.index, kind: startsHere ? .starts : .continues, textBytes: nil,
                                   length: p.declaredLength ?? p.received, complete: false,
                                   part: max(part, 1), parts: nil, problems: [],
                                   headerBytes: p.headerValue == nil && st.spec?.headerWidth != nil ? p.received : nil))
    }
}
