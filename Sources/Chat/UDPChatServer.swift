// `serve udp`: the lesson's datagram chat (recvfrom / sendto). No connection: each datagram is
// one message, and each reply goes back to the address that datagram came from.

import Framing
import NIOCore
import NIOPosix

enum UDPChatServer {
    static func bind(_ config: ChatServerConfig, group: EventLoopGroup) throws -> Channel {
        let limits = config.limits
        let log = config.log
        return try DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            // The largest UDP payload is 65,507 bytes (IPv4) / 65,527 (IPv6): one buffer holds any.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UDPChatHandler(limits: limits, log: log))
                }
            }
            .bind(host: config.host, port: config.port)
            .wait()
    }
}

/// Replies to each datagram, at the address it came from:
/// - `Q`/`q` → `bye` (the conversation with that sender is over; there is nothing to close);
/// - longer than `--max-message` → `error: length_over_limit N > MAX`;
/// - not UTF-8 → `error: invalid_utf8`;
/// - otherwise `echo: <text>`.
/// Replies that the socket cannot take right now (not writable) are dropped: UDP promises no
/// delivery, and the server must not queue without bound for a sender that floods it.
final class UDPChatHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let limits: ServerLimits
    let log: ServerLog
    private var dropped = 0

    init(limits: ServerLimits, log: @escaping ServerLog) {
        self.limits = limits
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let body = envelope.data
        let reply: String
        if isQuit(body) {
            reply = "bye"
        } else if body.readableBytes > limits.maxMessage {
            reply = ChatViolation.framing(.lengthOverLimit, value: Int64(body.readableBytes), bound: Int64(limits.maxMessage)).message
            log("\(describe(envelope.remoteAddress)): \(reply)")
        } else if let text = String(validating: body.readableBytesView, as: UTF8.self) {
            reply = "echo: " + text
        } else {
            reply = ChatViolation.framing(.invalidUTF8).message
            log("\(describe(envelope.remoteAddress)): \(reply)")
        }
        guard context.channel.isWritable else {
            dropped += 1
            return
        }
        let out = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: context.channel.allocator.buffer(string: reply))
        context.write(wrapOutboundOut(out), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A datagram socket reports ICMP errors (a peer that went away: ECONNREFUSED) here; they
        // concern one peer, not the server.
        log("udp: \(error)")
    }
}
