// The servers' wire format in a NIO pipeline: a `ByteToMessageDecoder` and a writer, both built
// on Framing's `FrameSpec`, so the servers, the decoder of captures and the fuzzer share one
// definition of the format (docs/DESIGN.md "Framing specs"). The decoder is a thin adapter: every
// framing decision is `FrameSpec.step` / `FrameSpec.unfinished`, the ones `MessageFramer` takes.

import Framing
import NIOCore

/// What the decoder hands to a server's handler: a whole message, or the reason the connection
/// must end.
enum ChatInbound: Equatable {
    /// `body` without its header or line terminator; `frame` the message as it came on the
    /// wire, header included, when that is exactly what `FrameWriter` makes of `body` (a length
    /// format whose header declared the body's length — not a naive negative one): an echo or a
    /// relay can then send it as it is, without a copy.
    case message(body: ByteBuffer, frame: ByteBuffer?)
    case violation(ChatViolation)
}

/// Cuts a TCP byte stream into messages by a length format (`!I`, `<i`, `H`, …) or `line`, with
/// Framing's rules (`FrameSpec.step`), on the bytes NIO has buffered.
///
/// Robust (the default), the read-exactly contract of the lesson's fix, with limits:
/// - a length header is read from its `width` bytes only; a negative value or one above
///   `spec.maxMessage` is a violation at once — nothing of that size is awaited or allocated;
/// - a line longer than `spec.maxMessage` (no `\n` within `maxMessage + 1` bytes, the `+ 1` for a
///   `\r`) is a violation; `\r\n` is tolerated, the `\r` is not part of the body;
/// - so what the handler buffers while `.needMoreData` is at most header + `maxMessage` bytes;
/// - a message that has started must be complete within `readTimeout`: the timer is armed when
///   bytes of an unfinished message are left over, and cancelled when it completes;
/// - after a violation everything else the peer sends is dropped unread.
///
/// Naive (`--naive`), the lesson's first fix without its guards: the header is trusted. No limit
/// and no read timeout; a negative signed length reads as an empty message (what the lesson's
/// `while len(data) < n` loop does when n < 0), and the next bytes are taken for a header.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ChatInbound

    /// The server's spec; naive: with no limit (`maxMessage` = `Int.max`).
    let spec: FrameSpec
    let naive: Bool
    let readTimeout: TimeAmount?
    private var failed = false
    /// `line`: readable bytes already searched for `\n` (so a long line is scanned once).
    private var scanned = 0
    private var timer: Scheduled<Void>?

    /// - Precondition: `spec` is a length format or `line` (the CLI refuses `raw` and `auto`).
    init(spec: FrameSpec, naive: Bool, readTimeout: TimeAmount?) {
        precondition(spec.headerWidth != nil || spec.kind == .line, "FrameDecoder needs a length format or line")
        var s = spec
        if naive { s.maxMessage = Int.max }
        self.spec = s
        self.naive = naive
        self.readTimeout = naive ? nil : readTimeout
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if failed {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let scanned = self.scanned
        switch buffer.withUnsafeReadableBytes({ spec.step($0, scanned: scanned) }) {
        case let .message(cut):
            self.scanned = 0
            guard let frame = buffer.readSlice(length: cut.length ?? 0),
                  let body = frame.getSlice(at: frame.readerIndex + cut.headerLength, length: cut.bodyLength)
            else { return .needMoreData }  // unreachable: the step saw these bytes
            // A line is written anew ("\n" whether "\r\n" came or not); a length message as it came.
            deliver(context, body: body, frame: cut.headerLength > 0 ? frame : nil)
            return .continue
        case let .problem(.negativeLength, cut) where naive:
            // The lesson's loop: a negative length reads nothing; the next bytes are a header.
            buffer.moveReaderIndex(forwardBy: cut.headerLength)
            deliver(context, body: buffer.getSlice(at: buffer.readerIndex, length: 0) ?? ByteBuffer(), frame: nil)
            return .continue
        case let .problem(problem, cut):
            violation(context, .framing(problem, value: cut.declared, bound: Int64(spec.maxMessage)), buffer: &buffer)
            return .needMoreData
        case .needMore:
            self.scanned = buffer.readableBytes
            if buffer.readableBytes > 0 { armTimer(context) }
            return .needMoreData
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        let state = try decode(context: context, buffer: &buffer)
        cancelTimer()
        if state == .continue { return .continue }
        guard buffer.readableBytes > 0, !failed else { return .needMoreData }
        // The stream ended inside a message: how many of its bytes came, of how many.
        let v: ChatViolation = buffer.withUnsafeReadableBytes { p in
            let missing = spec.unfinished(count: p.count, last: p.last, missing: .truncatedBody).last ?? .truncatedBody
            guard let width = spec.headerWidth else { return .framing(missing, value: Int64(p.count), bound: -1) }
            if missing == .truncatedHeader { return .framing(missing, value: Int64(p.count), bound: Int64(width)) }
            return .framing(missing, value: Int64(p.count - width), bound: spec.declaredLength(header: p) ?? 0)
        }
        violation(context, v, buffer: &buffer)
        return .needMoreData
    }

    mutating func decoderRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    private mutating func deliver(_ context: ChannelHandlerContext, body: ByteBuffer, frame: ByteBuffer?) {
        cancelTimer()
        context.fireChannelRead(Self.wrapInboundOut(.message(body: body, frame: frame)))
    }

    /// The connection must end: everything else the peer sends is dropped unread.
    private mutating func violation(_ context: ChannelHandlerContext, _ v: ChatViolation, buffer: inout ByteBuffer) {
        failed = true
        cancelTimer()
        buffer.moveReaderIndex(to: buffer.writerIndex)
        context.fireChannelRead(Self.wrapInboundOut(.violation(v)))
    }

    // MARK: - read timeout

    private mutating func armTimer(_ context: ChannelHandlerContext) {
        guard timer == nil, let t = readTimeout else { return }
        // The task runs on this channel's event loop, where the context lives; it is cancelled in
        // decoderRemoved, before the context goes away.
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: t) {
            context.fireChannelRead(Self.wrapInboundOut(.violation(.readTimeout(t))))
        }
    }

    private mutating func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

/// Frames outgoing messages with the server's spec. Outgoing bodies are limited only by what the
/// length field can hold (an echo is never longer than what was accepted), so an error message
/// fits even under a tiny `--max-message`.
struct FrameWriter {
    let spec: FrameSpec

    init(spec: FrameSpec) {
        var s = spec
        s.maxMessage = Int.max
        self.spec = s
    }

    /// `body` framed: header + body, or body + `\n` for `line`.
    func frame(_ body: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        if spec.kind == .line {
            var out = allocator.buffer(capacity: body.readableBytes + 1)
            var b = body
            out.writeBuffer(&b)
            out.writeInteger(UInt8(ascii: "\n"))
            return out
        }
        // The field may be narrower than the body only for error texts under `B`/`b`; cut them.
        let fits = min(body.readableBytes, max(spec.largestBody ?? 0, 0))
        let header = (try? spec.lengthHeader(bodyLength: fits)) ?? []
        var out = allocator.buffer(capacity: header.count + fits)
        out.writeBytes(header)
        if let slice = body.getSlice(at: body.readerIndex, length: fits) {
            var s = slice
            out.writeBuffer(&s)
        }
        return out
    }

    func frame(_ text: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        frame(allocator.buffer(string: text), allocator: allocator)
    }
}

/// True for a body that is the quit command: exactly `Q` or `q` once `\r`/`\n` are trimmed.
func isQuit(_ body: ByteBuffer) -> Bool {
    var view = body.readableBytesView[...]
    while let last = view.last, last == 0x0A || last == 0x0D { view = view.dropLast() }
    while let first = view.first, first == 0x0A || first == 0x0D { view = view.dropFirst() }
    return view.count == 1 && (view.first == UInt8(ascii: "Q") || view.first == UInt8(ascii: "q"))
}
