// `serve framed`: every message carries a length header (`!I`, `<i`, `H`, … — any FrameSpec
// length format) or ends with `\n` (`line`). Echo, or a room that relays each message to the
// others. Bodies are bytes: they are echoed and relayed as they came, UTF-8 or not.

import Framing
import NIOConcurrencyHelpers
import NIOCore

enum FramedChatServer {
    static func configure(_ channel: Channel, config: ChatServerConfig, spec: FrameSpec, room: Room?) throws {
        var spec = spec
        spec.maxMessage = config.limits.maxMessage
        let ops = channel.pipeline.syncOperations
        let decoder = FrameDecoder(spec: spec, naive: config.naive, readTimeout: config.limits.readTimeout)
        // Robust: the decoder never waits on more than header + maxMessage (+ "\r\n" for line),
        // so this bound is never hit; naive: the backstop against a lying header.
        let bound = config.naive ? config.limits.naiveBackstop : config.limits.maxMessage + 8 + 2
        try ops.addHandler(ByteToMessageHandler(decoder, maximumBufferSize: bound))
        try ops.addHandler(FramedChatHandler(writer: FrameWriter(spec: spec), room: room, limits: config.limits, log: config.log))
    }
}

/// One connection of the framed server.
/// - echo: each body comes back framed the same way, byte for byte;
/// - room: each body goes, framed the same way, to every OTHER connected client (not back to
///   the sender), in the order this connection sent them;
/// - a body that is exactly `Q`/`q` gets the reply `bye` and the connection ends;
/// - a violation gets its one error message (`error: negative_length -5`, …), framed the same
///   way, and the connection ends.
final class FramedChatHandler: RobustChatHandler {
    typealias InboundIn = ChatInbound
    typealias OutboundOut = ByteBuffer

    let writer: FrameWriter
    let room: Room?
    let limits: ServerLimits
    let log: ServerLog
    var closing = false
    /// Echo mode: the small echoes of one read, gathered and written as one buffer when the read
    /// is over (one pending write and one iovec instead of one per message). Order is kept:
    /// anything else written first writes these.
    private var echoes: ByteBuffer? = nil
    static let gatherBelow = 4096

    init(writer: FrameWriter, room: Room?, limits: ServerLimits, log: @escaping ServerLog) {
        self.writer = writer
        self.room = room
        self.limits = limits
        self.log = log
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // In the member list from the moment the connection is accepted: a message relayed to it
        // is run on its event loop after its activation, which is already queued.
        room?.join(context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        room?.leave(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case let .violation(v):
            fail(context, v)
        case let .message(body, frame):
            if isQuit(body) {
                closing = true
                writeEchoes(context)
                room?.leave(context.channel)
                endConversation(context: context, last: writer.frame("bye", allocator: context.channel.allocator),
                                linger: limits.lingerAfterError)
                return
            }
            let framed = frame ?? writer.frame(body, allocator: context.channel.allocator)
            if let room {
                room.broadcast(framed, from: context.channel, log: log)
            } else if framed.readableBytes < Self.gatherBelow {
                var f = framed
                if echoes == nil { echoes = context.channel.allocator.buffer(capacity: 4 * Self.gatherBelow) }
                echoes!.writeBuffer(&f)
                if echoes!.readableBytes >= 16 * Self.gatherBelow { writeEchoes(context) }
            } else {
                writeEchoes(context)
                context.write(wrapOutboundOut(framed), promise: nil)
            }
        }
    }

    private func writeEchoes(_ context: ChannelHandlerContext) {
        guard let e = echoes else { return }
        echoes = nil
        context.write(wrapOutboundOut(e), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        writeEchoes(context)
        context.flush()
        context.fireChannelReadComplete()
    }

    func errorMessage(_ text: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        writer.frame(text, allocator: allocator)
    }

    func willEnd(_ context: ChannelHandlerContext) {
        writeEchoes(context)
        room?.leave(context.channel)
    }
}

/// The members of `serve framed --mode room`, across event loops.
final class Room: Sendable {
    private let members = NIOLockedValueBox([ObjectIdentifier: Channel]())

    func join(_ channel: Channel) {
        members.withLockedValue { $0[ObjectIdentifier(channel)] = channel }
    }

    func leave(_ channel: Channel) {
        _ = members.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var count: Int { members.withLockedValue { $0.count } }

    /// Sends `framed` to every member but `sender`. A member that does not take what it is sent
    /// (its outbound queue is over the high-water mark) is a slow reader: it is disconnected
    /// rather than let its queue grow without bound or hold the room back.
    func broadcast(_ framed: ByteBuffer, from sender: Channel, log: ServerLog) {
        let others = members.withLockedValue { $0.values.filter { $0 !== sender } }
        for member in others {
            if member.isWritable {
                member.writeAndFlush(framed, promise: nil)
            } else {
                leave(member)
                log("\(describe(member.remoteAddress)): too slow to read the room's messages; disconnected")
                member.close(promise: nil)
            }
        }
    }
}
