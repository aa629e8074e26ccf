import Framing
import Streams

/// One application message with everything `framescope messages` prints about it.
/// A struct, moved (not copied) from the stage's list to the printer, which borrows it: no
/// allocation of its own per message (as a class it cost one, and freeing it as much again).
/// Code that keeps messages (stats, follow, demo) copies them: a retain per array and string.
public struct ChatMessage: Sendable, Hashable {
    public enum Transport: String, Sendable, Hashable { case tcp, udp }
    public let transport: Transport
    /// TCP stream index, or the UDP flow's index.
    public let stream: Int
    public let direction: Direction
    /// (Settable here only to give its body's storage back to the stage's `BodyPool`.)
    public internal(set) var message: FramedMessage
    /// Frames whose bytes were used (first copies of retransmitted bytes), ascending.
    public let frames: FrameList
    /// The framing spec that split it (`!I`, `line`, …).
    public let format: String
    /// True when `auto` chose the format.
    public let guessed: Bool
    /// Frames of this message whose segment also carries bytes of another message of the same
    /// direction (sticky packets, 粘包).
    public let stickyFrames: FrameList
    /// Shown before `auto` chose a format (`messages --live`): one segment taken as one `raw`
    /// message, as one `recv()` would read it; the choice may still change.
    public let provisional: Bool

    public init(transport: Transport, stream: Int, direction: Direction, message: consuming FramedMessage, frames: consuming FrameList,
                format: String, guessed: Bool, stickyFrames: consuming FrameList = [], provisional: Bool = false) {
        self.transport = transport
        self.stream = stream
        self.direction = direction
        self.message = message
        self.frames = frames
        self.format = format
        self.guessed = guessed
        self.stickyFrames = stickyFrames
        self.provisional = provisional
    }

    public static func == (a: ChatMessage, b: ChatMessage) -> Bool {
        a.transport == b.transport && a.stream == b.stream && a.direction == b.direction && a.message == b.message
            && a.frames == b.frames && a.format == b.format && a.guessed == b.guessed && a.stickyFrames == b.stickyFrames
            && a.provisional == b.provisional
    }

    public func hash(into h: inout Hasher) {
        h.combine(transport)
        h.combine(stream)
        h.combine(direction)
        h.combine(message.index)
        h.combine(message.start)
    }
}

/// Takes each message as soon as a `MessageStage` completes it, when set as the stage's
/// `receiver`: the message goes straight from the framer's cut to here, borrowed, without a stop
/// in the stage's list of completed messages (an append, and a move out again, per message).
/// A class rather than a protocol, so that the stage calls it without retaining it.
open class MessageReceiver {
    public init() {}

    /// One completed message, in completion order; it is gone after the call (copy what is kept).
    open func receive(_ m: ChatMessage) {
        preconditionFailure("MessageReceiver.receive: a receiver overrides it")
    }
}

/// Frame numbers, in the order appended (a message's: ascending). Most messages came in one
/// frame, nearly all in at most three, and most are not sticky: the first three numbers are held
/// inline and only the ones after them take an array, so a list of up to three costs no
/// allocation (an `[Int]` cost one per message, made on the framing side and freed after
/// printing; an array after the first number, one per message split over frames).
public struct FrameList: RandomAccessCollection, Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
    public private(set) var count = 0
    // The first three numbers (0 where the list is shorter: equal lists have equal fields).
    @usableFromInline var first0 = 0
    @usableFromInline var first1 = 0
    @usableFromInline var first2 = 0
    /// The numbers after the third.
    @usableFromInline var rest: [Int] = []

    public init() {}

    public init(_ frames: some Sequence<Int>) {
        for f in frames { append(f) }
    }

    public init(arrayLiteral frames: Int...) {
        self.init(frames)
    }

    // Inlinable: the renderers walk the list once per message.
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }

    @inlinable public subscript(i: Int) -> Int {
        precondition(i >= 0 && i < count, "FrameList index out of range")
        switch i {
        case 0: return first0
        case 1: return first1
        case 2: return first2
        default: return rest[i &- 3]
        }
    }

    public mutating func append(_ frame: Int) {
        switch count {
        case 0: first0 = frame
        case 1: first1 = frame
        case 2: first2 = frame
        default: rest.append(frame)
        }
        count += 1
    }

    /// Puts the numbers in ascending order (they nearly always are already).
    @inline(__always)
    mutating func sortAscending() {
        guard count > 1 else { return }
        var i = 1
        while i < count, self[i - 1] <= self[i] { i += 1 }
        if i == count { return }
        self = FrameList(Array(self).sorted())
    }

    /// As an array's: `[8, 9]`.
    public var description: String { Array(self).description }
}
