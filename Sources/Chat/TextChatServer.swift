// `serve text`: the lesson's TCP chat done right — many clients at once, each conversation on
// its own, several turns each, `Q` ends it from either side — and, with `--naive`, done the way
// the lesson first does it.

import Framing
import NIOConcurrencyHelpers
import NIOCore

enum TextChatServer {
    /// Adds the text server's decoder and handler to an accepted connection.
    static func configure(_ channel: Channel, config: ChatServerConfig, mode: ChatServerConfig.TextMode,
                          textOperator: TextOperator?) throws {
        let ops = channel.pipeline.syncOperations
        let line = FrameSpec(.line, maxMessage: config.limits.maxMessage)
        if config.naive {
            try ops.addHandler(NaiveTextHandler(mode: mode, textOperator: textOperator, readDelay: config.readDelay))
            return
        }
        try ops.addHandler(ByteToMessageHandler(
            FrameDecoder(spec: line, naive: false, readTimeout: config.limits.readTimeout),
            maximumBufferSize: config.limits.maxMessage + 2))
        try ops.addHandler(TextChatHandler(mode: mode, limits: config.limits, log: config.log, textOperator: textOperator))
    }
}

/// One conversation of the robust text server. Every line is one message:
/// - `Q`/`q` → the reply `bye`, then the server closes;
/// - not UTF-8 → `error: invalid_utf8`, then close;
/// - otherwise `echo: <line>` (mode echo) or shown to the operator (mode interactive).
final class TextChatHandler: RobustChatHandler, OperatedConversation {
    typealias InboundIn = ChatInbound
    typealias OutboundOut = ByteBuffer

    let mode: ChatServerConfig.TextMode
    let limits: ServerLimits
    let log: ServerLog
    let textOperator: TextOperator?
    var closing = false
    var clientID = 0

    init(mode: ChatServerConfig.TextMode, limits: ServerLimits, log: @escaping ServerLog, textOperator: TextOperator?) {
        self.mode = mode
        self.limits = limits
        self.log = log
        self.textOperator = textOperator
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case let .violation(v):
            fail(context, v)
        case let .message(body, _):
            guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
                fail(context, .framing(.invalidUTF8))
                return
            }
            if isQuit(body) {
                closing = true
                textOperator?.heard("[#\(clientID) \(context.peerName)] Q (the client ended the conversation)")
                endConversation(context: context, last: context.channel.allocator.buffer(string: "bye\n"), linger: limits.lingerAfterError)
                return
            }
            switch mode {
            case .echo:
                var reply = context.channel.allocator.buffer(capacity: body.readableBytes + 7)
                reply.writeString("echo: ")
                var b = body
                reply.writeBuffer(&b)
                reply.writeInteger(UInt8(ascii: "\n"))
                context.write(wrapOutboundOut(reply), promise: nil)
            case .interactive:
                textOperator?.heard("[#\(clientID) \(context.peerName)] \(text)")
            }
        }
    }

    func errorMessage(_ text: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var message = allocator.buffer(capacity: text.utf8.count + 1)
        message.writeString(text)
        message.writeInteger(UInt8(ascii: "\n"))
        return message
    }
}

/// `serve text --naive`: the lesson's first server, bugs included, on purpose.
///
/// **One read is one message.** Every `channelRead` (one `recv` of at most 1024 bytes — the
/// server is bootstrapped with a fixed 1024-byte receive buffer and one read per wake-up) is
/// taken for one whole message. So lines that arrive together (sticky packets, 粘包) are answered
/// as ONE merged message, and a line longer than 1024 bytes as several. In the echo reply the
/// line breaks inside the merged message are shown as the two characters `\n`, so that the one
/// reply stays one line: a burst of `a`, `b`, `c` gets `echo: a\nb\nc`. A `Q` that arrives
/// stuck to another line is not seen as `Q`. No UTF-8 check, no read timeout.
///
/// **`readDelay`** (`--read-delay MS`): the server waits that long before each read, as a busy
/// server would; lines the client wrote one by one, which left in separate segments, pile up in
/// the socket meanwhile and the next read returns them all — sticky packets made on the
/// receiver's side, which no capture shows. (The channel has autoRead off; this handler asks for
/// every read.)
final class NaiveTextHandler: OperatedConversation {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let mode: ChatServerConfig.TextMode
    let textOperator: TextOperator?
    let readDelay: TimeAmount?
    var clientID = 0
    private var closing = false

    init(mode: ChatServerConfig.TextMode, textOperator: TextOperator?, readDelay: TimeAmount? = nil) {
        self.mode = mode
        self.textOperator = textOperator
        self.readDelay = readDelay
    }

    func channelActive(context: ChannelHandlerContext) {
        if let op = textOperator { clientID = op.attach(context.channel) }
        context.fireChannelActive()
        readLater(context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
        readLater(context)
    }

    /// With a read delay: the next read, after it (one read at most: maxMessagesPerRead is 1).
    private func readLater(_ context: ChannelHandlerContext) {
        guard let delay = readDelay, !closing else { return }
        context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            if context.channel.isActive { context.read() }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let chunk = unwrapInboundIn(data)
        if isQuit(chunk) {
            closing = true
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "bye\n")), promise: nil)
            context.close(promise: nil)
            return
        }
        var bytes = Array(chunk.readableBytesView)
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        let text = String(decoding: bytes, as: UTF8.self)
            .replacingAll("\r\n", with: "\\n").replacingAll("\n", with: "\\n")
        switch mode {
        case .echo:
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "echo: \(text)\n")), promise: nil)
        case .interactive:
            textOperator?.heard("[#\(clientID) \(context.peerName)] \(text)")
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            closing = true
            context.close(promise: nil)
        }
        // The naive server ignores its idle timeout like it ignores everything else.
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation in this module).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}

/// A text conversation the operator of `--mode interactive` can take part in: it is on the
/// operator's list while connected (robust and naive handlers alike).
protocol OperatedConversation: AnyObject, ChannelInboundHandler {
    var textOperator: TextOperator? { get }
    var clientID: Int { get set }
}

extension OperatedConversation {
    func channelActive(context: ChannelHandlerContext) {
        if let op = textOperator { clientID = op.attach(context.channel) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        textOperator?.detach(context.channel)
        context.fireChannelInactive()
    }
}

/// The operator of `serve text --mode interactive`, like the lesson's server where a person
/// types each reply. What clients say goes to `heard` (the CLI prints it on standard output as
/// `[#N 127.0.0.1:40000] text`).
///
/// **Who gets a reply:** the most recently connected client that is still connected. When it
/// leaves, replies go to the one connected before it, and so on. A reply typed while no client is
/// connected is dropped with a note. Typing `Q` sends `Q` to that client and ends its conversation.
public final class TextOperator: Sendable {
    let heard: ServerLog
    let log: ServerLog
    private struct State {
        var nextID = 1
        var clients: [(id: Int, channel: Channel)] = []
        var stopped = false
    }
    private let state = NIOLockedValueBox(State())

    init(heard: @escaping ServerLog, log: @escaping ServerLog) {
        self.heard = heard
        self.log = log
    }

    func attach(_ channel: Channel) -> Int {
        let id = state.withLockedValue { s -> Int in
            defer { s.nextID += 1 }
            s.clients.append((s.nextID, channel))
            return s.nextID
        }
        log("client #\(id) connected from \(describe(channel.remoteAddress)); your replies go to it")
        return id
    }

    func detach(_ channel: Channel) {
        let left = state.withLockedValue { s -> (Int, Int?)? in
            guard let i = s.clients.firstIndex(where: { $0.channel === channel }) else { return nil }
            let id = s.clients.remove(at: i).id
            return (id, s.clients.last?.id)
        }
        guard let (id, next) = left else { return }
        log("client #\(id) left" + (next.map { "; your replies go to client #\($0)" } ?? "; no client connected"))
    }

    /// The client replies go to now, if any.
    public var currentClient: Int? { state.withLockedValue { $0.clients.last?.id } }

    /// Sends one line typed by the operator; false when no client is connected.
    @discardableResult
    public func say(_ line: String) -> Bool {
        guard let target = state.withLockedValue({ $0.stopped ? nil : $0.clients.last?.channel }) else {
            log("no client is connected; '\(line)' was not sent")
            return false
        }
        var buffer = target.allocator.buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        let quit = isQuit(buffer)
        let written = target.writeAndFlush(buffer)
        if quit { written.whenComplete { _ in target.close(promise: nil) } }
        return true
    }

    func stop() { state.withLockedValue { $0.stopped = true } }
}
