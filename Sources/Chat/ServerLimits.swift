// The limits every reference server enforces, and the one error message a client gets when it
// breaks one (docs/DESIGN.md "Safety": bound every read, write, buffer and wait).

import Framing
import NIOConcurrencyHelpers
import NIOCore

/// What a server accepts before it gives up on a connection. The defaults are the robust
/// server's; `naive` switches the framing checks off on purpose (see `ChatServerConfig.naive`).
public struct ServerLimits: Sendable, Hashable {
    /// The largest message body (bytes, header excluded). A larger declared length — or a line
    /// that runs past it without `\n` — gets `error: length_over_limit …` and the connection ends.
    public var maxMessage: Int = 65536
    /// A message that has started (a header byte, or part of a line) must be complete within
    /// this time, or the client gets `error: read_timeout …`.
    public var readTimeout: TimeAmount = .seconds(10)
    /// A connection that sends nothing for this long gets `error: idle_timeout …`.
    public var idleTimeout: TimeAmount = .seconds(300)
    /// Connections served at once; one more gets `error: too_many_connections …` and is closed.
    public var maxConnections: Int = 256
    /// After an error message the server stops reading, half-closes (FIN after the error), and
    /// waits at most this long for the client to close before it closes itself. Closing at once
    /// while the client's bytes are still unread would make the kernel send RST, which can
    /// destroy the error message before the client reads it.
    public var lingerAfterError: TimeAmount = .seconds(2)
    /// Naive mode only: the one backstop left, so that a lying header cannot take the machine
    /// down — the connection is dropped (no message) when this much is buffered.
    public var naiveBackstop: Int = 64 << 20

    public init() {}
}

/// Why a server ends a connection. `message` is the body of the error message the client gets,
/// framed like every other message of that server (a line for `serve text`, a length-prefixed
/// body for `serve framed`, a datagram for `serve udp`).
public enum ChatViolation: Sendable, Hashable, CustomStringConvertible {
    /// A framing rule broken, named by Framing's `FrameProblem` (the `issues` names of
    /// `framescope messages --json`), with its numbers: for `negativeLength` the declared length
    /// (`bound` unused); for `lengthOverLimit` the declared length (or the line's bytes so far)
    /// and the limit; for `truncatedHeader`/`truncatedBody` the bytes that came and the bytes
    /// expected (-1 for a line) — those two are only logged, the client is gone; for
    /// `invalidUTF8` (text mode, UDP) none.
    case framing(FrameProblem, value: Int64 = 0, bound: Int64 = 0)
    /// A message started and did not complete in time.
    case readTimeout(TimeAmount)
    /// Nothing arrived for this long.
    case idleTimeout(TimeAmount)
    /// Past `--max-connections`.
    case tooManyConnections(Int)

    /// `error: negative_length -5`, `error: length_over_limit 70000 > 65536`, … — the issue
    /// names of `framescope messages --json`, then the numbers.
    public var message: String {
        switch self {
        case let .framing(problem, value, bound):
            let name = "error: \(problem.rawValue)"
            switch problem {
            case .negativeLength: return "\(name) \(value)"
            case .lengthOverLimit: return "\(name) \(value) > \(bound)"
            case .truncatedHeader, .truncatedBody: return "\(name) \(value) of \(bound) bytes"
            case .invalidUTF8, .gap, .lengthMismatch: return name
            }
        case let .readTimeout(t): return "error: read_timeout message not complete after \(seconds(t)) s"
        case let .idleTimeout(t): return "error: idle_timeout nothing received for \(seconds(t)) s"
        case let .tooManyConnections(n): return "error: too_many_connections \(n) already connected"
        }
    }

    public var description: String { message }
}

/// `0.5`, `10`: a time amount in seconds as a person writes it.
func seconds(_ t: TimeAmount) -> String {
    let ns = t.nanoseconds
    if ns % 1_000_000_000 == 0 { return String(ns / 1_000_000_000) }
    let ms = ns / 1_000_000
    var s = String(Double(ms) / 1000)
    if s.hasSuffix(".0") { s.removeLast(2) }
    return s
}

/// Counts the connections a server holds, across its event loops.
final class ConnectionGate: Sendable {
    let limit: Int
    private let count = NIOLockedValueBox(0)

    init(limit: Int) { self.limit = limit }

    /// Takes a place; false (and nothing taken) when all `limit` places are taken.
    func enter() -> Bool {
        count.withLockedValue { n in
            guard n < limit else { return false }
            n += 1
            return true
        }
    }

    func leave() { count.withLockedValue { $0 -= 1 } }

    var current: Int { count.withLockedValue { $0 } }
}

/// Where a server reports what it did about a client (one human line each); the CLI sends them
/// to standard error, tests collect or drop them.
public typealias ServerLog = @Sendable (String) -> Void

extension ChannelHandlerContext {
    /// The peer as `127.0.0.1:40000` / `[::1]:40000`, for log lines.
    var peerName: String { describe(remoteAddress) }
}

func describe(_ address: SocketAddress?) -> String {
    guard let a = address, let ip = a.ipAddress, let port = a.port else { return "?" }
    if case .v6 = a { return "[\(ip)]:\(port)" }
    return "\(ip):\(port)"
}

/// The way every TCP server ends a conversation (an error, or `bye` after `Q`): write the last message, stop
/// reading, half-close (FIN follows the message), and close for good when the client closes or
/// `linger` has passed. Must run on the channel's event loop.
func endConversation(context: ChannelHandlerContext, last message: ByteBuffer, linger: TimeAmount) {
    let channel = context.channel
    context.writeAndFlush(NIOAny(message)).assumeIsolated().whenComplete { _ in
        channel.close(mode: .output, promise: nil)
    }
    channel.eventLoop.assumeIsolated().scheduleTask(in: linger) {
        channel.close(promise: nil)
    }
}

/// Refuses a connection past `--max-connections`: one error message, then close.
final class RefuseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let message: ByteBuffer
    let linger: TimeAmount

    init(message: ByteBuffer, linger: TimeAmount) {
        self.message = message
        self.linger = linger
    }

    func channelActive(context: ChannelHandlerContext) {
        endConversation(context: context, last: message, linger: linger)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}  // discarded while lingering
}
