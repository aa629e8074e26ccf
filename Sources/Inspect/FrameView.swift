import Framing
import Streams

/// Layers 5–7 of one frame: its TCP session facts, the length headers found in its payload, and
/// the application messages it carries — as known when the frame was processed (a message split
/// over several segments is complete on the frame that brings its last byte, as in Wireshark).
public struct FrameView: Sendable, Hashable {
    public var session: SessionInfo?
    public var transport: ChatMessage.Transport = .tcp
    /// The framing in force for this frame's direction (`!I`, `line`, …), and whether `auto` chose it.
    public var format: String?
    public var guessed = false
    /// `auto` has not chosen a format for this direction yet: each segment is shown as one
    /// provisional `raw` message (what one `recv()` would have read), never nothing.
    public var provisional = false
    /// `auto` changed its choice on this frame (from the provisional `raw` to a format).
    public var switched: Switch?
    /// Length headers that begin in this frame: offset in the transport payload, value as declared.
    public var headers: [Header] = []
    public var messages: [Piece] = []

    public struct Switch: Sendable, Hashable {
        public var from: String
        public var to: String
        public var reason: String
    }

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

    /// Back to `FrameView()`, keeping the storage of its lists for the next frame.
    public mutating func reset() {
        session = nil
        transport = .tcp
        format = nil
        guessed = false
        provisional = false
        switched = nil
        if !headers.isEmpty { headers.removeAll(keepingCapacity: true) }
        if !messages.isEmpty { messages.removeAll(keepingCapacity: true) }
    }

    public var isEmpty: Bool { session == nil && format == nil && messages.isEmpty }
}
