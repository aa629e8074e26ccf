import ArgumentParser
import Chat
import Dispatch
import Framing
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

enum ServeKind: String, ExpressibleByArgument, CaseIterable {
    case text, udp, framed
}

/// `framescope serve text|udp|framed`: the reference chat servers (Sources/Chat).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a reference chat server: text (TCP lines), udp (datagrams) or framed (length headers).",
        discussion: """
        The first line on standard output is the bound port alone (e.g. 9000), so scripts can \
        use --port 0 and read it; then a line on standard error says what is served.

        text: TCP, one line per message (\\n, CRLF tolerated), many clients at once, several turns \
        each. --mode echo replies 'echo: <line>'; --mode interactive prints what clients say \
        ('[#N ADDRESS] text') and sends each line you type to the most recently connected client \
        that is still connected. A line that is exactly Q or q ends the conversation from either \
        side (the server answers the client's Q with 'bye').
        udp: one datagram per message, 'echo: <text>' back to the sender's address; Q gets 'bye'.
        framed: every message has a --framing header ('!I' = Python's struct.pack('!I', n)); any \
        length format, or line. --mode echo sends the same body back framed the same way; \
        --mode room relays each message to every OTHER connected client (not the sender). Bodies \
        are bytes: echoed as they came, UTF-8 or not.

        Robust by default. A declared length that is negative or over --max-message, a line \
        longer than it, a message not complete within --read-timeout, nothing at all for \
        --idle-timeout, invalid UTF-8 (text, udp), or one connection past --max-connections: the \
        client gets ONE error message framed like the others ('error: negative_length -5', \
        'error: length_over_limit 70000 > 65536', 'error: read_timeout …', 'error: idle_timeout …', \
        'error: invalid_utf8', 'error: too_many_connections …') and that connection is closed; \
        other clients do not notice. Memory per connection is bounded: nothing is buffered \
        beyond header + --max-message, and a client that does not read its replies is not read \
        from. SIGINT/SIGTERM: stop accepting, close the connections, exit 0.

        --naive (text, framed): the lesson's mistakes, on purpose. text: ONE read (one recv of \
        at most 1024 bytes) is taken for ONE message, so lines that arrive together (sticky \
        packets, 粘包) get ONE merged reply ('echo: a\\nb\\nc'), a line over 1024 bytes gets \
        several, and a Q stuck to another line is missed; --read-delay MS waits before each read, \
        so lines sent one by one, in separate segments, are read together too. framed: the header is trusted — no \
        --max-message, no --read-timeout; a negative length reads as an empty message and the \
        next bytes as a header; a lying length makes the server wait (and buffer, up to a 64 MiB \
        backstop) for bytes that never come, until --idle-timeout. `framescope live` / `messages` on a capture of the \
        same traffic show the real message boundaries next to what the naive server answered.
        """
    )

    @Argument(help: "text, udp or framed.")
    var kind: ServeKind

    @Option(help: "Address to listen on: 127.0.0.1, ::1, …")
    var host = "127.0.0.1"

    @Option(help: "Port; 0 picks a free one. Default: 9000 (text, framed), 9001 (udp).")
    var port: Int?

    @Option(help: ArgumentHelp("framed: the message framing, a struct-style length format ('!I', '<i', 'H', 'Q', …) or line.", valueName: "SPEC"))
    var framing = "!I"

    @Flag(help: "framed: the length field counts the header too.")
    var lengthIncludesHeader = false

    @Option(help: "text: echo or interactive; framed: echo or room.")
    var mode = "echo"

    @Option(help: "The largest message body accepted (bytes).")
    var maxMessage = 65536

    @Option(help: ArgumentHelp("A started message must be complete within this time.", valueName: "seconds"))
    var readTimeout = 10.0

    @Option(help: ArgumentHelp("A connection that sends nothing for this long is closed.", valueName: "seconds"))
    var idleTimeout = 300.0

    @Option(help: "Connections served at once; more are refused with an error message.")
    var maxConnections = 256

    @Flag(help: "The lesson's mistakes on purpose (text, framed); see above.")
    var naive = false

    @Option(help: ArgumentHelp("text --naive: wait this long before each read, as a busy server would, so lines sent one by one pile up and one read takes them together (sticky packets on the receiver's side).", valueName: "ms"))
    var readDelay: Int?

    @Flag(help: "No log lines about clients on standard error.")
    var quiet = false

    @Option(help: "Event-loop threads (default: one per core).")
    var threads: Int?

    func validate() throws {
        if let p = port, !(0...65535).contains(p) { throw ValidationError("--port must be 0 to 65535") }
        if !(1 ... 1 << 30).contains(maxMessage) { throw ValidationError("--max-message must be 1 to 1073741824 (1 GiB)") }
        if !(readTimeout > 0 && readTimeout <= 86_400) || !(idleTimeout > 0 && idleTimeout <= 86_400) {
            throw ValidationError("--read-timeout and --idle-timeout must be more than 0 and at most 86400 seconds (a day)")
        }
        if let t = threads, !(1...256).contains(t) { throw ValidationError("--threads must be 1 to 256") }
        if maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        if let d = readDelay {
            guard naive, kind == .text else { throw ValidationError("--read-delay needs serve text --naive (the robust server reads line by line whenever it reads)") }
            guard (0...60_000).contains(d) else { throw ValidationError("--read-delay must be 0 to 60000 ms") }
        }
        if naive && kind == .udp { throw ValidationError("--naive: UDP keeps message boundaries, there is no sticky-packet bug to show") }
        _ = try config()
    }

    func config() throws -> ChatServerConfig {
        let kindConfig: ChatServerConfig.Kind
        switch kind {
        case .text:
            guard let m = ChatServerConfig.TextMode(rawValue: mode) else {
                throw ValidationError("serve text --mode: echo or interactive, not '\(mode)'")
            }
            kindConfig = .text(m)
        case .udp:
            guard mode == "echo" else { throw ValidationError("serve udp has one mode, echo") }
            kindConfig = .udp
        case .framed:
            guard let m = ChatServerConfig.FramedMode(rawValue: mode) else {
                throw ValidationError("serve framed --mode: echo or room, not '\(mode)'")
            }
            let spec: FrameSpec
            do {
                spec = try FrameSpec(parsing: framing, maxMessage: maxMessage, lengthIncludesHeader: lengthIncludesHeader)
            } catch {
                throw ValidationError(error.description)
            }
            guard spec.headerWidth != nil || spec.kind == .line else {
                throw ValidationError("serve framed --framing: a length format ('!I', '<i', …) or line, not '\(framing)'")
            }
            kindConfig = .framed(spec, m)
        }
        var c = ChatServerConfig(kind: kindConfig)
        c.host = host
        c.port = port ?? (kind == .udp ? 9001 : 9000)
        c.naive = naive
        c.readDelay = readDelay.map { .milliseconds(Int64($0)) }
        c.limits.maxMessage = maxMessage
        c.limits.readTimeout = .nanoseconds(Int64(min(readTimeout, 86_400) * 1e9))
        c.limits.idleTimeout = .nanoseconds(Int64(min(idleTimeout, 86_400) * 1e9))
        c.limits.maxConnections = maxConnections
        if let t = threads { c.threads = t }
        // Through bounded queues: an event loop never blocks on a log reader that does not read.
        let log = Self.errors, heard = Self.heard
        if !quiet { c.log = { log.post($0) } }
        c.heard = { heard.post($0) }
        return c
    }

    static let errors = BoundedLog(fd: 2, prefix: "framescope: ")
    static let heard = BoundedLog(fd: 1, prefix: "")

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let server: ChatServer
        do {
            server = try ChatServer.start(try config())
        } catch let e as ValidationError {
            throw e
        } catch {
            Terminal.error("cannot serve on \(host) port \(port ?? (kind == .udp ? 9001 : 9000)): \(error)")
            throw ExitCode(2)
        }
        // SIGINT/SIGTERM are caught before the port is said: a script that reads the port and
        // stops the server at once must find the handler there.
        StopSignal.install(restart: true)
        // The port alone, first, flushed: scripts and tests read it.
        _ = Terminal.writeAll(fd: 1, Array("\(server.port)\n".utf8))
        var what = kind.rawValue
        if kind == .framed { what += " (\(framing), \(mode))" } else if kind == .text { what += " (\(mode))" }
        if naive { what += ", NAIVE: the lesson's bugs on purpose" }
        Terminal.error("serving \(what) on \(server.address); Ctrl-C stops")

        if let op = server.textOperator {
            DispatchQueue.global().async {
                // The operator's replies; the end of input leaves the server running.
                while let line = readLine(strippingNewline: true) { op.say(line) }
            }
        }
        StopSignal.wait()
        server.shutdown()
        Self.heard.drain()
        Self.errors.drain()
        Terminal.error("stopped")
    }
}
