import ArgumentParser
import Chat
import Framing
import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// `framescope chat HOST:PORT`: the lesson's client, for the reference servers or your own.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk to a chat server: type lines, or send a script; replies are shown as '< text'.",
        discussion: """
        Each line you type is one message: a line (--text, the default), a datagram (--udp) or a \
        body behind a length header (--framing '!I', any struct-style length format, or line). \
        Replies are cut the same way and shown one per line as '< text' (bytes that are not \
        UTF-8 as \\xNN). Q (alone on a line) ends the conversation; so does the server's Q.

        Scripted: --send TEXT… or --script FILE (one message per line). Messages go out in turns: \
        send, wait for the reply (at most --timeout seconds), send the next. --burst N sends N \
        messages in ONE write and then waits for their N replies: that provokes sticky packets \
        (粘包), which a robust server answers message by message and `serve --naive` does not.

        Only loopback servers (127.0.0.0/8, ::1) unless --allow-remote.
        Exit status: 0 every message got its reply (or the conversation ended with Q); 1 a reply \
        did not come in time, or the server closed first; 2 no connection.
        """
    )

    @Argument(help: ArgumentHelp("The server: 127.0.0.1:9000, [::1]:9000, localhost:9000.", valueName: "HOST:PORT"))
    var address: String

    @Flag(help: "Line messages (serve text). The default.")
    var text = false

    @Flag(help: "One datagram per message (serve udp).")
    var udp = false

    @Option(help: ArgumentHelp("Length-header framing ('!I', '<i', 'H', …) or line (serve framed).", valueName: "SPEC"))
    var framing: String?

    @Flag(help: "With --framing: the length field counts the header too.")
    var lengthIncludesHeader = false

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Send these messages (each argument one message) instead of reading standard input.", valueName: "TEXT"))
    var send: [String] = []

    @Option(help: ArgumentHelp("Send the lines of this file, one message each.", valueName: "FILE"))
    var script: String?

    @Option(help: "Messages per write: N > 1 puts N messages into one write to provoke sticky packets. With --load: N messages in one write and in flight per connection (pipelined).")
    var burst = 1

    @Flag(inversion: .prefixedNo, help: "TCP_NODELAY: send small writes at once instead of waiting to merge them (Nagle).")
    var nodelay = true

    @Option(help: ArgumentHelp("How long to wait for a reply.", valueName: "seconds"))
    var timeout = 5.0

    @Flag(help: "Allow a server that is not on a loopback address.")
    var allowRemote = false

    @Option(help: ArgumentHelp("Load test an echo server (serve framed --mode echo): this many round trips per client, then one line of figures: round trips/s and latency percentiles. Needs --framing.", valueName: "N"))
    var load: Int?

    @Option(help: "With --load: connections at once, each doing its round trips one after the other.")
    var clients = 1

    @Option(help: ArgumentHelp("With --load: the body size of each message.", valueName: "bytes"))
    var size = 32

    func validate() throws {
        if [text, udp, framing != nil].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --text, --udp, --framing SPEC")
        }
        if burst < 1 { throw ValidationError("--burst must be at least 1") }
        if udp && burst > 1 { throw ValidationError("--burst: over UDP each message is its own datagram") }
        if !(timeout > 0 && timeout <= 86_400) { throw ValidationError("--timeout must be more than 0 and at most 86400 seconds (a day)") }
        if script != nil && !send.isEmpty { throw ValidationError("--script and --send cannot be combined") }
        if let n = load {
            if framing == nil { throw ValidationError("--load needs --framing SPEC (an echo of framed messages is checked byte for byte)") }
            if n < 1 || clients < 1 || clients > 10_000 || size < 0 || size > 1 << 24 {
                throw ValidationError("--load N and --clients C must be at least 1 (C at most 10000), --size 0 to 16777216")
            }
            // A write of the whole batch must fit the loopback socket buffers: a larger one blocks
            // the load client while the server, whose echoes it is not reading, stops reading too.
            if burst * (size + 8) > 128 << 10 {
                throw ValidationError("--load with --burst K: K messages of --size bytes in one write must stay within 128 KB (K x (size + header))")
            }
        }
        _ = try options()
    }

    func options() throws -> ChatClientOptions {
        guard let a = ChatAddress(parsing: address) else {
            throw ValidationError("'\(address)' is not HOST:PORT (e.g. 127.0.0.1:9000 or [::1]:9000)")
        }
        let transport: ChatClientOptions.Transport
        if udp {
            transport = .udp
        } else if let f = framing {
            let spec: FrameSpec
            do { spec = try FrameSpec(parsing: f, lengthIncludesHeader: lengthIncludesHeader) } catch { throw ValidationError(error.description) }
            guard spec.headerWidth != nil || spec.kind == .line else {
                throw ValidationError("--framing: a length format ('!I', '<i', …) or line, not '\(f)'")
            }
            transport = .framed(spec)
        } else {
            transport = .text
        }
        var o = ChatClientOptions(address: a, transport: transport)
        o.burst = burst
        o.noDelay = nodelay
        o.timeout = timeout
        o.allowRemote = allowRemote
        return o
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let opts = try options()
        if let n = load, case let .framed(spec) = opts.transport {
            var l = LoadOptions(address: opts.address, spec: spec)
            l.clients = clients
            l.roundTrips = n
            l.bodySize = size
            l.pipeline = burst
            l.timeout = timeout
            l.allowRemote = allowRemote
            do {
                let result = try ChatLoad.run(l)
                _ = Terminal.writeAll(fd: 1, Array((result.report + "\n").utf8))
                return
            } catch {
                Terminal.error("load: \(error)")
                throw ExitCode(1)
            }
        }
        var messages = send
        if let path = script {
            guard let lines = Self.readLines(path) else {
                Terminal.error("cannot read \(path): \(String(cString: strerror(errno)))")
                throw ExitCode(2)
            }
            messages = lines
        }
        let client: ChatClient
        do {
            client = try ChatClient(opts)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        let show: (ChatReply) -> Void = { reply in
            _ = Terminal.writeAll(fd: 1, Array("< \(reply.text)\n".utf8))
        }
        let outcome: ChatOutcome
        do {
            if script != nil || !send.isEmpty {
                outcome = try client.converse(messages, onReply: show)
            } else {
                let prompt: (() -> Void)? = isatty(0) == 1 ? { _ = Terminal.writeAll(fd: 2, Array("> ".utf8)) } : nil
                outcome = try client.interactive(input: 0, prompt: prompt, onReply: show)
            }
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        client.close()
        if let f = outcome.failure {
            Terminal.error("\(opts.address): \(f)" + (udp ? " (no UDP server on that port?)" : ""))
        } else if outcome.timedOut {
            Terminal.error("no reply within \(timeout) s (\(outcome.replies.count) replies to \(outcome.sent) messages)")
        } else if outcome.closedByServer && outcome.unsent > 0 {
            Terminal.error("the server closed the connection; \(outcome.unsent) messages were not sent")
        } else if outcome.closedByServer && outcome.replies.count < outcome.sent {
            Terminal.error("the server closed the connection before all replies came (\(outcome.replies.count) replies to \(outcome.sent) messages)")
        }
        if !outcome.complete { throw ExitCode(1) }
    }

    /// The lines of a file (at most 16 MiB), without their `\n` / `\r\n`.
    static func readLines(_ path: String) -> [String]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while data.count < 16 << 20 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            data += chunk[0..<n]
        }
        var pieces = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        if pieces.last?.isEmpty == true { pieces.removeLast() }  // after a final "\n": not a message
        return pieces.map { line in
            var l = Array(line)
            if l.last == 0x0D { l.removeLast() }
            return String(decoding: l, as: UTF8.self)
        }
    }
}
