import Framing
import Streams
import Wire

/// The one entry point for frames: decodes each (Wire), runs it through the stream stage
/// (defragmentation, reassembly, UDP flows) and the message stage (framing), and gives back the
/// decoded frame with its layers 5–7 view. `read`, `live`, `messages`, `stats`, `follow` and
/// `demo` all go through it.
///
///   bytes ──► Dissector ──► StreamStage ──PipelineEvent──► MessageStage ──► ChatMessage, FrameView
///
/// A frame that completes a fragmented IP datagram gets the datagram's transport layer here: the
/// inspector decodes it into the frame (the stages only read frames).
///
/// Built with `messages: nil` it is the reading half of `messages` on two threads: the events
/// wait in `streams` for another thread's `MessageStage`.
public final class Inspector {
    // Used by one thread: no runtime exclusivity checks on the per-frame path.
    @exclusivity(unchecked) public var dissector = Dissector()
    public let streams: StreamStage
    public let messages: MessageStage?

    /// False: frames are only decoded (`read --no-messages`): no defragmentation, no
    /// reassembly, no framing.
    public let reassembles: Bool

    public init(framing: FramingChoice?, limits: ReassemblyLimits = .init(), verifiesTransportChecksums: Bool = true,
                reassembles: Bool = true, keeps: MessageStage.Keeps = .all) {
        streams = StreamStage(limits: limits)
        messages = reassembles ? framing.map { MessageStage(framing: $0, keeps: keeps) } : nil
        self.reassembles = reassembles
        dissector.verifiesTransportChecksums = verifiesTransportChecksums
        // One thread: the events go straight to the message stage, never through a buffer.
        if let m = messages { streams.sink = { m.consume($0) } }
    }

    /// Decodes one captured frame into `frame` (the caller's, reused from frame to frame so its
    /// storage is) and runs it through the stages. Returns its TCP session facts, and when `view`
    /// is true (and there is a message stage) its layers 5–7.
    @discardableResult
    public func inspect(_ bytes: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int?, number: Int,
                        timestamp: Timestamp, into frame: inout DecodedFrame,
                        view wantsView: Bool = false) -> (session: SessionInfo?, view: FrameView?) {
        let wantsView = wantsView && reassembles
        if wantsView { messages?.beginFrame(number) }
        let session = run(bytes, linkType: linkType, wireLength: wireLength, number: number, timestamp: timestamp, into: &frame)
        guard wantsView, let m = messages else { return (session, nil) }
        return (session, m.endFrame(session: session))
    }

    /// `inspect` for a caller that wants nothing back (`messages`: the stages' events are what
    /// it reads). No view, and no result tuple to let go of per frame (which the runtime did
    /// generically, at a cost of more than a hundred instructions a frame).
    public func feed(_ bytes: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int?, number: Int,
                     timestamp: Timestamp, into frame: inout DecodedFrame) {
        // The usual frame is read for its transport facts alone (`frame` is then left as it
        // was: nothing reads it after this call).
        if reassembles, let p = Dissector.peek(bytes, linkType: linkType) {
            streams.transport(number: number, timestamp: timestamp, peek: p, bytes: bytes)
            return
        }
        _ = run(bytes, linkType: linkType, wireLength: wireLength, number: number, timestamp: timestamp, into: &frame,
                wantsSession: false)
    }

    /// Decodes the frame and runs it through the stream stage (whose events go on to the
    /// message stage, if any); its TCP session facts (when wanted: else nil).
    @inline(__always)
    func run(_ bytes: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int?, number: Int,
             timestamp: Timestamp, into frame: inout DecodedFrame, wantsSession: Bool = true) -> SessionInfo? {
        dissector.decode(bytes, linkType: linkType, wireLength: wireLength, into: &frame)
        guard reassembles else { return nil }
        // Only a fragment can complete a datagram: the common frame skips the call (and the
        // frame handed to it), some sixty instructions a frame.
        if frame.fragmentRange != nil,
           let r = streams.defragment(number: number, timestamp: timestamp, frame: frame, bytes: bytes) {
            // The data (or first-fragment header) of this last fragment makes way for the
            // datagram's transport layer.
            frame.layers.removeLast()
            dissector.appendReassembled(r.datagram.bytes, protocol: r.protocolNumber, pseudo: r.pseudo,
                                        frames: r.datagram.frames, into: &frame)
        }
        return streams.transport(number: number, timestamp: timestamp, frame: &frame, bytes: bytes, wantsSession: wantsSession)
    }

    /// End of input: the stream stage's last events framed (with a message stage), every
    /// direction finished; `drain` gets completed messages every so often.
    public func finish(drain: ([ChatMessage]) -> Void = { _ in }) {
        streams.finish()
        messages?.finish(drain: drain)
    }
}
