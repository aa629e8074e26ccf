import ArgumentParser
import Dispatch
import Synchronization
import Capture
import Framing
import Inspect
import Render
import Streams
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Decodes frames and renders them to standard output in the chosen mode. Rendering goes into a
/// byte buffer that is written out in large blocks (or after every frame when `interactive`).
///
/// Live capture (`interactive`) takes one thread: each frame goes through the whole inspector
/// and is rendered at once, so it shows as soon as it is seen. A file takes two, split at the
/// pipeline's seam (`PipelineEvent`, as `messages` splits it), where the work of a frame falls
/// about in half:
///
///   caller's thread:  read ─► decode (layers 1–4) ─► stream stage ──┐  FrameBatch
///   rendering queue:  ┌─────────────────────────────────────────────┘  (≤ batchesInFlight)
///                     └► message stage (framing, the frame's view) ─► render ─► write
///
/// A batch carries its frames, their session facts and the stream stage's events with the
/// frame each came from, so the message stage sees exactly the sequence it would see on one
/// thread (begin frame, its events, end frame) and the output is the same byte for byte. The
/// batches' storage (each frame's layers) is reused from round to round, so memory stays flat.
final class FramePrinter: @unchecked Sendable {
    enum Mode { case oneLine, tree, json }

    let mode: Mode
    let hex: Bool
    let style: TextStyle
    let interactive: Bool
    /// All stages when `interactive`; else the stream stage only, whose events wait for `stage`.
    private let inspector: Inspector
    /// The message stage on the rendering queue (a file, with layers 5–7).
    private let stage: MessageStage?
    // Not checked for exclusive access at run time: only `handle` uses it, on one thread, and
    // the checks cost more than the copying they guarded (four a frame).
    @exclusivity(unchecked) private var frame = DecodedFrame()
    /// Used by the rendering side only: the caller's thread when `interactive`, else the queue
    /// (and the caller once `finish` has waited for the queue).
    private let sink = ByteSink(capacity: 1 << 17)
    private let closed = Atomic<Bool>(false)
    /// Standard output's reader went away (`| head`): the caller stops reading.
    var outputClosed: Bool { closed.load(ordering: .relaxed) }

    // The two-thread hand-off (not `interactive`).
    static let framesPerBatch = 1024
    static let batchesInFlight = 4
    /// The batch being filled by the reading side.
    @exclusivity(unchecked) private var filling: FrameBatch?
    private let renderQueue = DispatchQueue(label: "framescope.read.render")
    private let slots = DispatchSemaphore(value: FramePrinter.batchesInFlight)
    private let spare = Mutex<[FrameBatch]>([])
    /// Whether rendering reads the captured bytes (the tree's payload, hex dumps): then each
    /// frame's bytes are copied into its batch.
    private let keepsBytes: Bool

    init(_ options: OutputOptions, interactive: Bool = false) {
        mode = options.json ? .json : options.verbose ? .tree : .oneLine
        hex = options.hex
        keepsBytes = mode == .tree || hex
        style = TextStyle(colour: Terminal.colourWanted(fd: 1))
        self.interactive = interactive
        let reassembles = !options.noMessages
        // Only the per-frame views are printed: no messages or ended streams kept.
        if interactive {
            inspector = (try? options.framing.inspector(verifiesChecksums: true, reassembles: reassembles, keeps: []))
                ?? Inspector(framing: nil, reassembles: false)
            stage = nil
        } else {
            let choice = reassembles ? try? options.framing.choice() : nil
            inspector = (try? options.framing.inspector(framed: false, verifiesChecksums: true, reassembles: choice != nil))
                ?? Inspector(framing: nil, reassembles: false)
            stage = choice.map { MessageStage(framing: $0, keeps: []) }
        }
    }

    func handle(_ raw: RawFrame, number: Int) {
        if interactive {
            let view = inspector.inspect(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: number,
                                         timestamp: raw.timestamp, into: &frame, view: true).view
            noteImpossibleFraction(raw, number: number, in: &frame)
            if let m = inspector.messages { Terminal.warnings(m) }
            render(info(raw, number), frame, view: view, bytes: raw.bytes)
            return
        }
        let batch: FrameBatch
        if let b = filling {
            batch = b
        } else {
            batch = emptyBatch()
            filling = batch
        }
        let i = batch.count
        batch.sessions[i] = inspector.inspect(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: number,
                                              timestamp: raw.timestamp, into: &batch.frames[i]).session
        noteImpossibleFraction(raw, number: number, in: &batch.frames[i])
        batch.infos[i] = info(raw, number)
        batch.eventEnds[i] = inspector.streams.eventCount
        if keepsBytes {
            let start = batch.bytes.count
            batch.bytes.append(contentsOf: raw.bytes)
            batch.ranges[i] = start..<batch.bytes.count
        }
        batch.count = i + 1
        if batch.count == Self.framesPerBatch { ship() }
    }

    @inline(__always)
    private func noteImpossibleFraction(_ raw: RawFrame, number: Int, in frame: inout DecodedFrame) {
        if raw.timestamp.fractionAsRead != nil, let w = raw.timestamp.impossibleFractionWarning(frame: number) {
            frame.warnings.append(w)
        }
    }

    @inline(__always)
    private func info(_ raw: RawFrame, _ number: Int) -> FrameInfo {
        FrameInfo(number: number, timestamp: raw.timestamp, capturedLength: raw.caplen,
                  wireLength: raw.len, linkType: raw.linkType, interfaceIndex: raw.interfaceIndex)
    }

    /// A batch to fill, once fewer than `batchesInFlight` are out: a spare one, or a new one
    /// while there are not yet that many.
    private func emptyBatch() -> FrameBatch {
        slots.wait()
        return spare.withLock { $0.popLast() } ?? FrameBatch(capacity: Self.framesPerBatch)
    }

    /// Hands the batch being filled, with the stream stage's events so far, to the rendering
    /// queue. `last`: the end of input (the stream stage's last events are in the batch; the
    /// message stage then finishes too).
    private func ship(last: Bool = false) {
        let batch: FrameBatch
        if let b = filling {
            batch = b
            filling = nil
        } else if last {
            batch = emptyBatch()
        } else {
            return
        }
        if inspector.streams.eventCount > 0 { batch.events = inspector.streams.takeEvents() }
        renderQueue.async { [self] in
            render(batch, last: last)
            batch.clear()
            spare.withLock { $0.append(batch) }
            slots.signal()
        }
    }

    /// Frames the batch's events and renders its frames in order, each after the notes and
    /// warnings its inspection gave, as the one-thread path does. Once the output is closed
    /// nothing more is said.
    private func render(_ batch: FrameBatch, last: Bool) {
        if outputClosed { return }
        // The events are this side's alone: each is moved out to the message stage, not copied.
        // The frames are borrowed where they lie, not copied out of their array (a copy retains
        // and releases every list in them).
        var events: [PipelineEvent] = []
        swap(&events, &batch.events)
        batch.frames.withUnsafeBufferPointer { frames in
            batch.bytes.withUnsafeBytes { bytes in
                var e = 0
                for i in 0..<batch.count {
                    var view: FrameView? = nil
                    if let m = stage {
                        m.beginFrame(batch.infos[i].number)
                        events.moveOut(e ..< batch.eventEnds[i]) { m.consume($0) }
                        e = batch.eventEnds[i]
                        view = m.endFrame(session: batch.sessions[i])
                        Terminal.warnings(m)
                    }
                    let payload = batch.ranges[i].map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
                        ?? UnsafeRawBufferPointer(start: nil, count: 0)
                    render(batch.infos[i], frames[i], view: view, bytes: payload)
                    if outputClosed { return }
                }
                guard last, let m = stage else { return }
                events.moveOut(e ..< events.count) { m.consume($0) }
                m.finish()
                Terminal.warnings(m)
            }
        }
    }

    private func render(_ info: FrameInfo, _ frame: DecodedFrame, view: FrameView?, bytes: UnsafeRawBufferPointer) {
        switch mode {
        case .oneLine: OneLine.render(info, frame, view: view, style: style, into: sink)
        case .tree: OSITree.render(info, frame, payload: bytes, view: view, style: style, into: sink)
        case .json: JSONLines.render(info, frame, view: view, into: sink)
        }
        if hex {
            HexDump.render(bytes, layers: frame.layers, payload: frame.payloadRange, style: style, into: sink)
        }
        if mode == .tree || hex { sink.byte(UInt8(ascii: "\n")) }
        if interactive || sink.count >= 1 << 16 { flush() }
    }

    /// End of input: every frame rendered, then the pipeline's last warnings (fragments never
    /// completed, …) and the buffered output.
    func finish() {
        inspector.finish()
        if interactive {
            if let m = inspector.messages { Terminal.warnings(m) }
        } else {
            ship(last: true)
            renderQueue.sync {}
        }
        flush()
    }

    /// Writes what is buffered; notes a closed pipe (`| head`) so the caller can stop early.
    func flush() {
        guard !outputClosed else { sink.removeAll(); return }
        if !sink.withBytes({ Terminal.writeAll(fd: 1, $0) }) { closed.store(true, ordering: .relaxed) }
        sink.removeAll()
    }
}

/// Frames taken by `FramePrinter`'s reading side and waiting for its rendering side. Its
/// arrays keep their slots (and each frame its layers' storage) from one round to the next.
private final class FrameBatch: @unchecked Sendable {
    // One side at a time uses a batch (the hand-off orders their accesses), so no access is
    // checked at run time: the checks cost more than the frame's hand-off itself.
    @exclusivity(unchecked) var count = 0
    @exclusivity(unchecked) var frames: [DecodedFrame]
    @exclusivity(unchecked) var infos: [FrameInfo]
    @exclusivity(unchecked) var sessions: [SessionInfo?]
    /// The stream stage's events while the batch was filled; frame `i`'s end at `eventEnds[i]`
    /// (the batch's first frame's begin at 0). Past the last frame's: the end of input's.
    @exclusivity(unchecked) var events: [PipelineEvent] = []
    @exclusivity(unchecked) var eventEnds: [Int]
    /// The captured bytes of each frame, when rendering reads them.
    @exclusivity(unchecked) var bytes: [UInt8] = []
    @exclusivity(unchecked) var ranges: [Range<Int>?]

    init(capacity: Int) {
        frames = Array(repeating: DecodedFrame(), count: capacity)
        infos = Array(repeating: FrameInfo(number: 0, timestamp: Timestamp(seconds: 0, nanoseconds: 0), capturedLength: 0,
                                           wireLength: 0, linkType: LinkType(rawValue: 1)), count: capacity)
        sessions = Array(repeating: nil, count: capacity)
        eventEnds = Array(repeating: 0, count: capacity)
        ranges = Array(repeating: nil, count: capacity)
    }

    /// Empty again for the next round; the frames keep their storage (the dissector resets each
    /// before decoding into it).
    func clear() {
        count = 0
        if !events.isEmpty { events = [] }  // (left only when the output closed)
        // (`ranges` need no clearing: when bytes are kept, every frame sets its own.)
        if !bytes.isEmpty { bytes.removeAll(keepingCapacity: true) }
    }
}
