import ArgumentParser
import Capture
import Chat
import Framing
import Render
import Replay
import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// `framescope replay FILE --to HOST:PORT`: the client side of captured conversations played to
/// a live server, its answers compared with the captured ones message by message.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay the client side of captured conversations to a live server and compare its answers, message by message.",
        discussion: """
        Each chosen TCP stream (all of them, or --stream N) gets a connection of its own; the \
        client's bytes are sent write by write as captured — segment boundaries kept, \
        retransmitted bytes once, bytes never captured skipped and said — or message by message \
        with --by-message. --timing asap (the default) sends the next write as soon as the \
        answers the capture shows before it came (or --timeout passed); --timing original keeps \
        the captured gaps between writes (each at most 1 s). Then a FIN, as the client sent, and \
        the server's last answers until it closes or --timeout.

        The answers are framed with the capture's framing (--framing, or the format guessed per \
        stream) and compared with the captured server messages: same, different (the offset of \
        the first differing byte, both sides quoted), missing, extra; per stream and in total. \
        An answer that differs only where it carries the client's own port as text (the replay's \
        connection has another) is the same. \
        --udp replays UDP flows instead: each client datagram, each answer compared.

        -w FILE captures the replay itself on lo (filtered to the target's port), to read, follow \
        and ladder beside the original.

        Only loopback targets (127.0.0.0/8, ::1) unless --allow-remote.
        Exit status: 0 every message the same; 1 something differed; 2 the replay could not run \
        (unreadable capture, no such stream, nothing listening).

        Example:
          framescope serve framed --port 9000 &
          framescope replay captures/tcp-chat-ipv4.pcap --to 127.0.0.1:9000
        """
    )

    @Argument(help: ArgumentHelp("The capture to replay.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The server: 127.0.0.1:9000, [::1]:9000.", valueName: "HOST:PORT"))
    var to: String

    @Option(help: "Only this TCP stream (or UDP flow with --udp).")
    var stream: Int?

    @Flag(help: "Every stream (the default).")
    var all = false

    @OptionGroup var framing: FramingOptions

    @Option(help: "original (the captured gaps, each at most 1 s) or asap.")
    var timing: String = "asap"

    @Flag(help: "Send the client's messages one per write instead of its captured writes.")
    var byMessage = false

    @Flag(help: "Replay UDP flows instead of TCP streams.")
    var udp = false

    @Option(help: ArgumentHelp("How long to wait for an answer.", valueName: "seconds"))
    var timeout = 2.0

    @Flag(help: "One JSON object a comparison, then a summary (the schema: docs/DESIGN.md, 'Replay JSON', in the framescope repository).")
    var json = false

    @Flag(help: "Allow a target that is not on a loopback address.")
    var allowRemote = false

    @Option(name: [.customShort("w"), .long], help: ArgumentHelp("Capture the replay itself on lo to this pcap file.", valueName: "file"))
    var write: String?

    func validate() throws {
        guard ReplayTiming(rawValue: timing) != nil else { throw ValidationError("--timing: original or asap, not '\(timing)'") }
        guard timeout > 0 && timeout <= 60 else { throw ValidationError("--timeout must be more than 0 and at most 60 seconds") }
        if stream != nil && all { throw ValidationError("--stream N or --all, not both") }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        guard let address = ChatAddress(parsing: to) else {
            Terminal.error("--to '\(to)' is not HOST:PORT (127.0.0.1:9000, [::1]:9000)")
            throw ExitCode(2)
        }
        let endpoints: [ClientEndpoint]
        do {
            endpoints = try ClientEndpoint.resolve(address, udp: udp, allowRemote: allowRemote)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        // The plan: the capture read once.
        let chosen = try plannedConversations(file: file, framing: try framing.choice()).filter {
            $0.transport == (udp ? .udp : .tcp) && (stream == nil || $0.stream == stream) && !$0.writes.isEmpty
        }
        guard !chosen.isEmpty else {
            let what = udp ? "UDP flow" : "TCP stream"
            Terminal.error(stream.map { "no \(what) \($0) with client bytes in \(file)" } ?? "no \(what) with client bytes in \(file)")
            throw ExitCode(2)
        }

        var player = ReplayPlayer(endpoints: endpoints)
        player.timing = ReplayTiming(rawValue: timing) ?? .asap
        player.byMessage = byMessage
        player.timeout = timeout
        let p = player
        let play: @Sendable () -> [ReplayOutcome] = { chosen.map { p.play($0) } }
        let outcomes: [ReplayOutcome]
        if let path = write {
            let (o, frames, error) = LoopbackRecorder.record(filter: "\(udp ? "udp" : "tcp") port \(address.port)", path: path, work: play)
            outcomes = o
            if let e = error { Terminal.error("-w \(path): \(e)") } else { Terminal.error("the replay's \(frames) frames were written to \(path)") }
        } else {
            outcomes = play()
        }
        let out = ByteSink()
        ReplayReport.render(outcomes, json: json, byMessage: byMessage, udp: udp, into: out)
        _ = out.withBytes { Terminal.writeAll(fd: 1, $0) }
        if outcomes.contains(where: \.couldNotRun) { throw ExitCode(2) }
        if outcomes.contains(where: { o in o.problem != nil || o.comparisons.contains { $0.verdict != .same } }) { throw ExitCode(1) }
    }
}
