// Starting and stopping the reference servers: one event-loop group, one listening (or datagram)
// channel, graceful shutdown. What each server says lives in its own file: TextChatServer,
// UDPChatServer, FramedChatServer.

import Dispatch
import Framing
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOPosix

/// Which server, and how it behaves.
public struct ChatServerConfig: Sendable {
    public enum Kind: Sendable {
        /// The lesson's TCP chat, line by line (`\n`, CRLF tolerated).
        case text(TextMode)
        /// Datagram chat: one datagram is one message.
        case udp
        /// Length-framed (or `line`) messages, echoed or relayed to the room.
        case framed(FrameSpec, FramedMode)
    }

    public enum TextMode: String, Sendable, CaseIterable {
        /// Reply `echo: <line>` to every line.
        case echo
        /// An operator types the replies (see `TextOperator`).
        case interactive
    }

    public enum FramedMode: String, Sendable, CaseIterable {
        /// Reply with the same body, framed the same way.
        case echo
        /// Relay each message to every *other* connected client, byte for byte.
        case room
    }

    public var kind: Kind
    public var host = "127.0.0.1"
    public var port = 0
    public var limits = ServerLimits()
    /// The lesson's mistakes on purpose (TextChatServer and FrameDecoder say which).
    public var naive = false
    /// Naive text server only: waits this long before each read, as a busy server would, so
    /// lines that left in separate segments pile up in the socket and one read takes them all
    /// (sticky packets on the receiver's side). Nil: reads as soon as bytes arrive.
    public var readDelay: TimeAmount? = nil
    /// Event-loop threads.
    public var threads = System.coreCount
    public var log: ServerLog = { _ in }
    /// `serve text --mode interactive`: what the clients say, one line each, for the operator.
    public var heard: ServerLog = { _ in }

    public init(kind: Kind) { self.kind = kind }
}

/// A running server. `shutdown()` stops it; it is also stopped when the process exits.
public final class ChatServer: Sendable {
    /// The bound port (the free one picked for port 0).
    public let port: Int
    /// `127.0.0.1:9000` or `[::1]:9000`.
    public let address: String
    /// The operator's side of `serve text --mode interactive`; nil otherwise.
    public let textOperator: TextOperator?
    let group: MultiThreadedEventLoopGroup
    let channel: Channel
    /// Let go of before the event loops stop: its deinit completes a promise on one of them.
    private let quiesce: NIOLockedValueBox<ServerQuiescingHelper?>
    private let stopped = NIOLockedValueBox(false)
    private let gate: ConnectionGate?

    private init(group: MultiThreadedEventLoopGroup, channel: Channel, quiesce: ServerQuiescingHelper?,
                 textOperator: TextOperator?, gate: ConnectionGate?) {
        self.gate = gate
        self.group = group
        self.channel = channel
        self.quiesce = NIOLockedValueBox(quiesce)
        self.textOperator = textOperator
        self.port = channel.localAddress?.port ?? 0
        self.address = describe(channel.localAddress)
    }

    /// Binds and starts serving; throws when the address cannot be bound.
    public static func start(_ config: ChatServerConfig) throws -> ChatServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, config.threads))
        do {
            switch config.kind {
            case .udp:
                let channel = try UDPChatServer.bind(config, group: group)
                return ChatServer(group: group, channel: channel, quiesce: nil, textOperator: nil, gate: nil)
            case let .text(mode):
                let op = mode == .interactive ? TextOperator(heard: config.heard, log: config.log) : nil
                let quiesce = ServerQuiescingHelper(group: group)
                let gate = ConnectionGate(limit: config.limits.maxConnections)
                let channel = try bindTCP(config, group: group, quiesce: quiesce, gate: gate) { channel in
                    try TextChatServer.configure(channel, config: config, mode: mode, textOperator: op)
                }
                return ChatServer(group: group, channel: channel, quiesce: quiesce, textOperator: op, gate: gate)
            case let .framed(spec, mode):
                let quiesce = ServerQuiescingHelper(group: group)
                let room = mode == .room ? Room() : nil
                let gate = ConnectionGate(limit: config.limits.maxConnections)
                let channel = try bindTCP(config, group: group, quiesce: quiesce, gate: gate) { channel in
                    try FramedChatServer.configure(channel, config: config, spec: spec, room: room)
                }
                return ChatServer(group: group, channel: channel, quiesce: quiesce, textOperator: nil, gate: gate)
            }
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    /// The TCP part every stream server shares: the connection limit, the idle timeout,
    /// backpressure (stop reading while the peer does not take our writes), then `configure`
    /// adds the server's own decoder and handler.
    private static func bindTCP(
        _ config: ChatServerConfig, group: MultiThreadedEventLoopGroup, quiesce: ServerQuiescingHelper,
        gate: ConnectionGate, configure: @escaping @Sendable (Channel) throws -> Void
    ) throws -> Channel {
        let limits = config.limits
        let log = config.log
        let refusal: String = ChatViolation.tooManyConnections(limits.maxConnections).message
        let writer: FrameWriter
        switch config.kind {
        case let .framed(spec, _): writer = FrameWriter(spec: spec)
        default: writer = FrameWriter(spec: FrameSpec(.line))
        }
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // Outbound bytes queued per connection before the channel reports "not writable"
            // (and BackPressureHandler stops reading from that client).
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 << 10, high: 256 << 10))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    guard gate.enter() else {
                        log("\(describe(channel.remoteAddress)): refused, \(refusal)")
                        try ops.addHandler(RefuseHandler(message: writer.frame(refusal, allocator: channel.allocator),
                                                         linger: limits.lingerAfterError))
                        return
                    }
                    channel.closeFuture.whenComplete { _ in gate.leave() }
                    try ops.addHandler(IdleStateHandler(readTimeout: limits.idleTimeout))
                    try ops.addHandler(BackPressureHandler())
                    try configure(channel)
                }
            }
        if config.naive, case .text = config.kind {
            // One read is at most 1024 bytes and is taken for one message: the lesson's recv(1024).
            bootstrap = bootstrap
                .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 1024))
                .childChannelOption(.maxMessagesPerRead, value: 1)
            if config.readDelay != nil {
                // NaiveTextHandler asks for each read itself, after the delay.
                bootstrap = bootstrap.childChannelOption(.autoRead, value: false)
            }
        }
        return try bootstrap.bind(host: config.host, port: config.port).wait()
    }

    /// Stops accepting, asks every connection to finish (each closes once what it was sending
    /// is written), waits for them at most `grace`, then stops the event loops. Safe to call
    /// twice; must not be called from an event loop.
    public func shutdown(grace: TimeAmount = .seconds(2)) {
        let first = stopped.withLockedValue { s -> Bool in
            defer { s = true }
            return !s
        }
        guard first else { return }
        if let quiesce = quiesce.withLockedValue({ q in defer { q = nil }; return q }) {
            let done = group.next().makePromise(of: Void.self)
            let finished = DispatchSemaphore(value: 0)
            done.futureResult.whenComplete { _ in finished.signal() }
            quiesce.initiateShutdown(promise: done)
            _ = finished.wait(timeout: .now() + .nanoseconds(Int(grace.nanoseconds)))
        } else {
            try? channel.close().wait()
        }
        textOperator?.stop()
        try? group.syncShutdownGracefully()
    }

    /// TCP connections being served now (refused ones not counted); 0 for UDP.
    public var connections: Int { gate?.current ?? 0 }

}
