// What the robust TCP handlers (`serve text`, `serve framed`) share: replies go out once per
// read, and a connection ends the same way on every violation — one error message framed like
// the server's other messages, then a half-close (`endConversation`) — or at once when the client
// already closed mid-message.

import Framing
import NIOCore

protocol RobustChatHandler: AnyObject, ChannelInboundHandler where OutboundOut == ByteBuffer {
    var limits: ServerLimits { get }
    var log: ServerLog { get }
    /// Set once the conversation is ending: nothing more is read or answered.
    var closing: Bool { get set }
    /// `text` as one message of this server's format (a line, or a length-framed body).
    func errorMessage(_ text: String, allocator: ByteBufferAllocator) -> ByteBuffer
    /// Called once when a violation ends the connection, before the error goes out.
    func willEnd(_ context: ChannelHandlerContext)
}

extension RobustChatHandler {
    func willEnd(_ context: ChannelHandlerContext) {}

    /// Replies are written as messages are read and flushed once per read: several messages
    /// that came in one segment are answered in one write.
    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? IdleStateHandler.IdleStateEvent, e == .read {
            fail(context, .idleTimeout(limits.idleTimeout))
        } else if event is ChannelShouldQuiesceEvent {
            closing = true
            context.flush()
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is ByteToMessageDecoderError.PayloadTooLargeError {
            log("\(context.peerName): naive backstop hit (\(limits.naiveBackstop) bytes buffered for one message); connection dropped")
        } else {
            log("\(context.peerName): \(error); connection closed")
        }
        closing = true
        context.close(promise: nil)
    }

    func fail(_ context: ChannelHandlerContext, _ v: ChatViolation) {
        guard !closing else { return }
        closing = true
        willEnd(context)
        switch v {
        case .framing(.truncatedBody, _, _), .framing(.truncatedHeader, _, _):
            log("\(context.peerName): \(v.message) (the client closed mid-message)")
            context.close(promise: nil)
        default:
            log("\(context.peerName): \(v.message); connection closed")
            endConversation(context: context, last: errorMessage(v.message, allocator: context.channel.allocator),
                            linger: limits.lingerAfterError)
        }
    }
}
