// `framescope chat`: the lesson's client. Messages go out framed like the server expects (a
// line, a datagram, or a FrameSpec length header); replies are cut with Framing's MessageFramer,
// the same code that splits captured streams, and shown one per line as `< text`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Framing
import Sockets

public struct ChatClientOptions: Sendable {
    public enum Transport: Sendable {
        /// `serve text`: one line per message.
        case text
        /// `serve udp`: one datagram per message.
        case udp
        /// `serve framed`: a length header (or `line`) per message.
        case framed(FrameSpec)
    }

    public var address: ChatAddress
    public var transport: Transport
    /// Messages per write: N > 1 puts N framed messages into ONE write, to provoke sticky packets.
    public var burst = 1
    public var noDelay = true
    /// Seconds to wait for a reply (the clock restarts with every reply).
    public var timeout = 5.0
    public var allowRemote = false

    public init(address: ChatAddress, transport: Transport) {
        self.address = address
        self.transport = transport
    }
}

/// One reply as it arrived.
public struct ChatReply: Sendable, Hashable {
    public var body: [UInt8]
    /// The body as text: UTF-8 as it is, other bytes as `\xNN`.
    public var text: String { Self.show(body) }

    public static func show(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        var out = ""
        var i = 0
        while i < bytes.count {
            // The longest valid UTF-8 run from i, else one escaped byte.
            var end = min(bytes.count, i + 4)
            var shown = false
            while end > i {
                if let s = String(validating: bytes[i..<end], as: UTF8.self) {
                    out += s
                    i = end
                    shown = true
                    break
                }
                end -= 1
            }
            if !shown {
                let hex = Array("0123456789abcdef")
                out += "\\x" + String(hex[Int(bytes[i] >> 4)]) + String(hex[Int(bytes[i] & 15)])
                i += 1
            }
        }
        return out
    }
}

/// How a conversation ended.
public struct ChatOutcome: Sendable {
    public var sent = 0
    public var replies: [ChatReply] = []
    /// The server closed the connection (after `Q`, an error, or on its own).
    public var closedByServer = false
    /// The server's operator typed `Q`.
    public var serverQuit = false
    /// A wait for a reply ran out.
    public var timedOut = false
    /// Messages not sent because the conversation ended first (`Q` sent, server gone).
    public var unsent = 0
    /// A socket error that ended the conversation (over UDP, `Connection refused` when nothing
    /// listens on the port).
    public var failure: String?

    /// True when every message sent got its reply, or the conversation ended with `Q`.
    public init() {}

    public var complete: Bool { !timedOut && failure == nil && (replies.count >= sent || serverQuit) && unsent == 0 }
}

public final class ChatClient {
    public let options: ChatClientOptions
    let socket: ClientSocket
    private var framer: MessageFramer?
    private var offset: UInt64 = 0
    private var writeSpec: FrameSpec?

    public init(_ options: ChatClientOptions) throws {
        self.options = options
        var udp = false
        switch options.transport {
        case .text:
            framer = MessageFramer(spec: FrameSpec(.line, maxMessage: 16 << 20))
            writeSpec = FrameSpec(.line, maxMessage: Int.max)
        case .udp:
            udp = true
        case let .framed(spec):
            var read = spec
            read.maxMessage = 16 << 20
            framer = MessageFramer(spec: read)
            var write = spec
            write.maxMessage = Int.max
            writeSpec = write
        }
        socket = try ClientSocket(options.address, udp: udp, noDelay: options.noDelay,
                                  allowRemote: options.allowRemote, timeout: options.timeout)
    }

    /// The bytes of one message on the wire.
    public func encode(_ message: String) throws -> [UInt8] {
        try encode(bytes: Array(message.utf8))
    }

    /// The bytes of one message on the wire, for a body as typed (UTF-8 or not).
    public func encode(bytes: [UInt8]) throws -> [UInt8] {
        guard let spec = writeSpec else { return bytes }
        do {
            return try spec.encode(bytes)
        } catch {
            throw ChatClientError("cannot send '\(ChatReply.show(Array(bytes.prefix(40))))': \(error)")
        }
    }

    /// The scripted conversation: sends `messages` in groups of `burst` (each group in one
    /// write; one datagram each over UDP) and after each group waits for that many replies —
    /// the lesson's turn-taking. Stops after `Q` (waiting for its `bye` and the close), when
    /// the server closes, or when a wait runs out. `onReply` sees each reply as it arrives.
    public func converse(_ messages: [String], onReply: (ChatReply) -> Void) throws -> ChatOutcome {
        var outcome = ChatOutcome()
        let burst = max(1, options.burst)
        var index = 0
        var quitSent = false
        while index < messages.count, !quitSent, !outcome.closedByServer, !outcome.serverQuit {
            let group = messages[index..<min(index + burst, messages.count)]
            let sent = try turn(group, outcome: &outcome, onReply: onReply)
            quitSent = group.prefix(sent).contains(where: Self.isQuit)
            index += sent
            if outcome.timedOut { break }
        }
        outcome.unsent = messages.count - index
        return outcome
    }

    /// One turn: `group` in ONE write (over UDP one datagram each) — a burst, when it holds
    /// more than one message — then the wait for its replies; after a `Q`, the wait (bounded)
    /// for the server's close too. Returns how many of `group` went out: all of them, or up to
    /// and including a `Q`.
    @discardableResult
    public func turn(_ group: ArraySlice<String>, outcome: inout ChatOutcome, onReply: (ChatReply) -> Void) throws -> Int {
        var wire: [[UInt8]] = []
        var quit = false
        for m in group {
            wire.append(try encode(m))
            if Self.isQuit(m) { quit = true; break }
        }
        if isUDP {
            for datagram in wire where !socket.sendAll(datagram) {
                throw ChatClientError("send to \(options.address) failed: \(String(cString: strerror(errno)))")
            }
        } else if !socket.sendAll(wire.flatMap { $0 }) {
            outcome.closedByServer = true
            return wire.count
        }
        outcome.sent += wire.count
        awaitReplies(&outcome, onReply: onReply)
        if quit, !outcome.closedByServer, !isUDP {
            // After Q the server says bye and closes; wait (bounded) for the close.
            awaitClose(&outcome, onReply: onReply)
        }
        return wire.count
    }

    /// The interactive conversation: each line read from `input` is a message, sent at once;
    /// replies are shown as they arrive. Ends at `Q` (sent or received), when the server closes,
    /// or at the end of input (after waiting for the replies still due).
    public func interactive(input: Int32, prompt: (() -> Void)?, onReply: (ChatReply) -> Void) throws -> ChatOutcome {
        var outcome = ChatOutcome()
        var pending: [UInt8] = []
        var inputOpen = true
        var quitSent = false
        prompt?()
        while !outcome.closedByServer, !outcome.serverQuit, inputOpen, !quitSent {
            var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, 1000)
            if ready < 0 && errno != EINTR { throw ChatClientError("poll: \(String(cString: strerror(errno)))") }
            if fds[1].revents != 0 {
                readOnce(&outcome, within: 0, onReply: onReply)
                prompt?()
            }
            if fds[0].revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if n <= 0 {
                    inputOpen = false
                    if !pending.isEmpty { pending.append(0x0A) }  // a last line without "\n"
                } else {
                    pending += chunk[0..<n]
                }
                while let nl = pending.firstIndex(of: 0x0A) {
                    var line = Array(pending[..<nl])
                    pending.removeSubrange(...nl)
                    if line.last == 0x0D { line.removeLast() }
                    let wire = try encode(bytes: line)
                    guard socket.sendAll(wire) else { outcome.closedByServer = true; break }
                    outcome.sent += 1
                    if Self.isQuit(String(decoding: line, as: UTF8.self)) { quitSent = true; break }
                }
                if pending.count > 1 << 20 { throw ChatClientError("an input line longer than 1 MiB") }
            }
        }
        if !outcome.closedByServer, !outcome.serverQuit {
            awaitReplies(&outcome, onReply: onReply)
            if quitSent, !isUDP { awaitClose(&outcome, onReply: onReply) }
        }
        return outcome
    }

    public func close() { socket.closeNow() }

    // MARK: - reading replies

    private var isUDP: Bool {
        if case .udp = options.transport { return true }
        return false
    }

    /// Reads until `outcome.replies.count >= outcome.sent`, the server closes or quits, or
    /// `timeout` passes without a reply.
    private func awaitReplies(_ outcome: inout ChatOutcome, onReply: (ChatReply) -> Void) {
        var turns = 0
        while outcome.replies.count < outcome.sent, !outcome.closedByServer, !outcome.serverQuit, turns < 10_000_000 {
            turns += 1
            if !readOnce(&outcome, within: options.timeout, onReply: onReply) {
                outcome.timedOut = true
                return
            }
        }
    }

    private func awaitClose(_ outcome: inout ChatOutcome, onReply: (ChatReply) -> Void) {
        var turns = 0
        while !outcome.closedByServer, turns < 10_000_000 {
            turns += 1
            if !readOnce(&outcome, within: options.timeout, onReply: onReply) { return }
        }
    }

    /// One read; false on timeout. Complete replies go to `onReply` and `outcome`.
    @discardableResult
    private func readOnce(_ outcome: inout ChatOutcome, within seconds: Double, onReply: (ChatReply) -> Void) -> Bool {
        switch socket.receive(within: seconds) {
        case .timeout:
            return false
        case let .failed(why):
            // UDP: ECONNREFUSED when nothing listens on the port.
            outcome.closedByServer = true
            outcome.failure = why
        case .closed:
            if var f = framer {
                for m in f.finish() where !m.body.isEmpty { deliver(ChatReply(body: m.body), &outcome, onReply) }
                framer = f
            }
            outcome.closedByServer = true
        case let .bytes(bytes):
            guard !bytes.isEmpty else { return true }
            if isUDP {
                deliver(ChatReply(body: bytes), &outcome, onReply)
            } else if var f = framer {
                let messages = f.feed(bytes, at: offset)
                offset += UInt64(bytes.count)
                framer = f
                for m in messages { deliver(ChatReply(body: m.body), &outcome, onReply) }
            }
        }
        return true
    }

    private func deliver(_ reply: ChatReply, _ outcome: inout ChatOutcome, _ onReply: (ChatReply) -> Void) {
        outcome.replies.append(reply)
        onReply(reply)
        if Self.isQuit(reply.text) { outcome.serverQuit = true }
    }

    static func isQuit(_ text: String) -> Bool {
        var t = Substring(text)
        while let l = t.last, l == "\n" || l == "\r" || l == "\r\n" { t = t.dropLast() }
        return t == "Q" || t == "q"
    }
}
