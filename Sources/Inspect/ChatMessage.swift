import Framing
import Streams

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
    /// Shown before `auto` chose a format (`messages --live`): one segment taken as one `raw`
    /// message, as one `recv()` would read it; the choice may still change.
    public let provisional: Bool

    public init(transport: Transport, stream: Int, direction: Direction, message: FramedMessage, frames: [Int],
                format: String, guessed: Bool, stickyFrames: [Int] = [], provisional: Bool = false) {
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
