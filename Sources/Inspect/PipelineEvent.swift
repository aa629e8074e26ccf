import Framing
import Streams
import Wire

/// What the stream stage (layer 3 defragmentation, TCP reassembly, UDP flows) hands to the
/// message stage (framing, messages, per-frame pieces): the seam of the pipeline. On one thread
/// the pipeline passes them on at once; `messages` on a file passes them in batches to a second
/// thread.
public enum PipelineEvent: Sendable {
    /// TCP: a stream opened, began mid-stream, delivered bytes, lost bytes, ended; a limit's
    /// warning (also the stream stage's own warnings: fragments, UDP flows).
    case stream(StreamEvent)
    /// One UDP datagram of flow `flow` (flows are numbered in order of their first datagram;
    /// the first sender is the client), with the frames that carried it.
    case datagram(UDPDatagram)
    /// UDP flows the flow table forgot (its limit): their state can go.
    case forgotFlows([Int])
}

public struct UDPDatagram: Sendable {
    /// The frame that brought it (the last fragment's, when reassembled).
    public var frame: Int
    /// All its frames when it was reassembled from fragments, else empty (its one frame is
    /// `frame`: an array of one cost an allocation per datagram).
    public var fragmentFrames: [Int]
    public var flow: Int
    public var direction: Direction
    public var clientPort: UInt16
    public var serverPort: UInt16
    public var payload: [UInt8]
    /// What the UDP header claims (more than `payload` when the capture cut it).
    public var claimedLength: Int

    /// All the frames that carried it.
    public var frames: FrameList {
        if !fragmentFrames.isEmpty { return FrameList(fragmentFrames) }
        var one = FrameList()
        one.append(frame)
        return one
    }
}

/// What is known about one stream (for `stats` and headers of `follow`). The message stage keeps
/// one for every open stream, so what is known only once the framing is decided (a few hundred
/// bytes: two specs and the guess) is boxed, and an undecided stream's summary stays small.
public struct StreamSummary: Sendable, Hashable {
    public var stream: Int
    public var transport: ChatMessage.Transport
    public var endpoints: StreamEndpoints
    private var decided: Boxed<Decided>?

    struct Decided: Sendable, Hashable {
        var format: String?
        var guess: FramingGuess?
        var spec: FrameSpec?
    }

    /// Storage of its own for a value (an indirect case), with a value's semantics.
    enum Boxed<Value: Sendable & Hashable>: Sendable, Hashable {
        indirect case box(Value)

        var value: Value {
            get { switch self { case .box(let v): v } }
            set { self = .box(newValue) }
        }
    }

    public init(stream: Int, transport: ChatMessage.Transport, endpoints: StreamEndpoints, format: String?, guess: FramingGuess?) {
        self.stream = stream
        self.transport = transport
        self.endpoints = endpoints
        known = Decided(format: format, guess: guess, spec: nil)
    }

    private var known: Decided {
        get { decided?.value ?? Decided() }
        set { decided = newValue == Decided() ? nil : .box(newValue) }
    }

    /// The stream's framing, decided: its text, the guess that chose it, and the spec (one box).
    mutating func decide(format: String, guess: FramingGuess?, spec: FrameSpec) {
        known = Decided(format: format, guess: guess, spec: spec)
    }

    public var format: String? {
        get { decided?.value.format }
        set { known.format = newValue }
    }

    public var guess: FramingGuess? {
        get { decided?.value.guess }
        set { known.guess = newValue }
    }

    /// The spec `format` names, for the stream's other direction (no re-parsing).
    var spec: FrameSpec? {
        get { decided?.value.spec }
        set { known.spec = newValue }
    }
}

extension Array where Element == PipelineEvent {
    /// Hands the events at `range` to `body` one by one, each moved out of the array with an
    /// empty placeholder left in its slot: an event read from an array it stays in is copied,
    /// a retain and a release of its bytes. For a batch its reader has to itself.
    @inlinable
    public mutating func moveOut(_ range: Range<Int>, _ body: (PipelineEvent) -> Void) {
        withUnsafeMutableBufferPointer { slots in
            guard let first = slots.baseAddress else { return }
            for i in range.clamped(to: 0 ..< slots.count) {
                let e = (first + i).move()
                (first + i).initialize(to: .forgotFlows([]))
                body(e)
            }
        }
    }

    /// Hands each event to `body` borrowed, in order, and leaves the array as it was: each is
    /// moved out of its slot for the call and moved back after it. Read from an array in place
    /// (by index, or through its buffer), an event is copied for the call and the copy destroyed
    /// after it — a retain and a release of its bytes, and a switch over its cases for each —
    /// as the compiler cannot tell that the call leaves the array alone. `body` is also shown
    /// the events after its own, in place, to look at during the call (not to keep).
    @inlinable
    public mutating func lend(_ body: (PipelineEvent, _ ahead: UnsafeBufferPointer<PipelineEvent>) -> Void) {
        withUnsafeMutableBufferPointer { slots in
            guard let first = slots.baseAddress else { return }
            let n = slots.count
            for i in 0 ..< n {
                let e = (first + i).move()
                body(e, UnsafeBufferPointer(start: first + i + 1, count: n - i - 1))
                (first + i).initialize(to: e)
            }
        }
    }
}
