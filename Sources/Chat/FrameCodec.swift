// The servers' wire format in a NIO pipeline: a `ByteToMessageDecoder` and a writer, both built
// on Framing's `FrameSpec`, so the servers, the decoder of captures and the fuzzer share one
// definition of the format (docs/DESIGN.md "Framing specs").

import Framing
import NIOCore

/// What the decoder hands to a server's handler: a whole message, or the reason the connection
/// must end.
enum ChatInbound {
    /// `body` without its header or line terminator; `frame` the message as it came on the
    /// wire, header included, when that is exactly what `FrameWriter` makes of `body` (a length
    /// format whose header declared the body's length — not a naive negative one): an echo or a
    /// relay can then send it as it is, without a copy.
    case message(body: ByteBuffer, frame: ByteBuffer?)
    case violation(ChatViolation)
}

/// Cuts a TCP byte stream into messages by a length format (`!I`, `<i`, `H`, …) or `line`.
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
        self.spec = spec
        self.naive = naive
        self.readTimeout = naive ? nil : readTimeout
    }

    private enum Step {
        case message(body: ByteBuffer, frame: ByteBuffer?)
        case needMore
        case violation(ChatViolation)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if failed {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let step: Step
        if let width = spec.headerWidth {
            step = nextLengthFramed(&buffer, width: width)
        } else {
            step = nextLine(&buffer)
        }
        switch step {
        case let .message(body, frame):
            cancelTimer()
            context.fireChannelRead(Self.wrapInboundOut(.message(body: body, frame: frame)))
            return .continue
        case .needMore:
            if buffer.readableBytes > 0 { armTimer(context) }
            return .needMoreData
        case let .violation(v):
            failed = true
            cancelTimer()
            buffer.moveReaderIndex(to: buffer.writerIndex)
            context.fireChannelRead(Self.wrapInboundOut(.violation(v)))
            return .needMoreData
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        let state = try decode(context: context, buffer: &buffer)
        cancelTimer()
        if state == .continue { return .continue }
        let left = buffer.readableBytes
        guard left > 0, !failed else { return .needMoreData }
        failed = true
        let v: ChatViolation
        if let width = spec.headerWidth {
            if left < width {
                v = .truncatedHeader(got: left, of: width)
            } else {
                let declared = buffer.withUnsafeReadableBytes { spec.declaredLength(header: $0) } ?? 0
                v = .truncatedBody(got: left - width, of: declared)
            }
        } else {
            v = .truncatedBody(got: left, of: -1)
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        context.fireChannelRead(Self.wrapInboundOut(.violation(v)))
        return .needMoreData
    }

    mutating func decoderRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    // MARK: - framing

    private mutating func nextLengthFramed(_ buffer: inout ByteBuffer, width: Int) -> Step {
        let readable = buffer.readableBytes
        guard readable >= width,
              let declared = buffer.withUnsafeReadableBytes({ spec.declaredLength(header: $0) })
        else { return .needMore }
        let length: Int
        if naive {
            length = declared < 0 ? 0 : Int(clamping: declared)
        } else {
            if declared < 0 { return .violation(.negativeLength(declared)) }
            if declared > Int64(spec.maxMessage) { return .violation(.lengthOverLimit(declared, limit: spec.maxMessage)) }
            length = Int(declared)
        }
        guard readable - width >= length,
              let frame = buffer.readSlice(length: width + length),
              let body = frame.getSlice(at: frame.readerIndex + width, length: length)
        else { return .needMore }
        return .message(body: body, frame: declared == Int64(length) ? frame : nil)
    }

    private mutating func nextLine(_ buffer: inout ByteBuffer) -> Step {
        let view = buffer.readableBytesView
        let from = view.index(view.startIndex, offsetBy: min(scanned, view.count))
        guard let newline = view[from...].firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = view.count
            // maxMessage + 1: room for the "\r" of a CRLF after a body of exactly maxMessage.
            if !naive, view.count > spec.maxMessage &+ 1 {
                return .violation(.lengthOverLimit(Int64(view.count), limit: spec.maxMessage))
            }
            return .needMore
        }
        scanned = 0
        var length = newline - view.startIndex
        if length > 0, view[newline - 1] == UInt8(ascii: "\r") { length -= 1 }
        if !naive, length > spec.maxMessage {
            return .violation(.lengthOverLimit(Int64(length), limit: spec.maxMessage))
        }
        guard let body = buffer.getSlice(at: buffer.readerIndex, length: length),
              buffer.readSlice(length: newline + 1 - buffer.readerIndex) != nil
        else { return .needMore }
        return .message(body: body, frame: nil)  // written anew: "\n" whether "\r\n" came or not
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
