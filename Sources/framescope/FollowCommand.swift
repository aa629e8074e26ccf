import ArgumentParser
import Capture
import Framing
import Inspect
import Render
import Streams
import Wire

struct FollowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Show one TCP stream as a conversation, message by message (like Follow TCP Stream).",
        discussion: """
        Client lines start with →, server lines with ←. --ladder draws the segments as a ladder \
        diagram with the message boundaries marked on them; --svg FILE writes the same diagram \
        as a picture (open it in a browser).

        With --live, the ladder grows as frames arrive: each segment's row is printed (and \
        flushed) when it is captured, with the messages it carries on the arrow and sticky \
        (several messages in one segment) and split (one message over several) marked. Rows of \
        concurrent streams interleave, each prefixed with its stream index ([0], [1], …); a \
        stream's endpoints are printed when its first frame is seen. The positional arguments \
        are then filter words (there is no file), --stream N keeps one stream (default: every \
        TCP stream), and the capture stops on -c, --duration, Ctrl-C or SIGTERM; then each \
        stream's messages are listed, as for a file. Needs root, like `live`.

        Examples:
          framescope follow captures/sticky.pcap --stream 0 --ladder
          framescope follow captures/split.pcap --stream 0 --svg split.svg
          framescope follow --live 'tcp port 9000' --framing '!I'     (Ctrl-C to stop)
          framescope follow --live -i lo --duration 30 'tcp port 9000'
        """
    )

    @Argument(help: ArgumentHelp("Capture file to read (- reads standard input); with --live, the BPF filter words.", valueName: "file-or-filter"))
    var arguments: [String] = []

    @Option(help: "The TCP stream to follow (see `framescope messages`); with --live, only this one (default: all).")
    var stream: Int?

    @OptionGroup var framing: FramingOptions

    @Flag(help: "Draw the ladder (sequence) diagram of the stream's segments in the terminal.")
    var ladder = false

    @Option(help: ArgumentHelp("Write the ladder diagram as an SVG picture to this file.", valueName: "file"))
    var svg: String?

    @Flag(help: "Capture live and draw the ladder rows as frames arrive (see `live` for -i, --duration).")
    var live = false

    @Option(name: [.customShort("i"), .long], help: "With --live: the interface (default lo).")
    var interface: String?

    @Option(help: "With --live: stop after this many seconds.")
    var duration: Double?

    @Option(name: [.customShort("c"), .long], help: "With --live: stop after this many frames (after the filter).")
    var count: Int?

    @Option(help: ArgumentHelp("With --live: the kernel capture ring in MB (see live --help).", valueName: "MB"))
    var buffer: Int = 32

    func validate() throws {
        if live {
            if svg != nil { throw ValidationError("--svg draws a whole stream: capture with `live -w FILE`, then `follow FILE --svg`") }
            if let d = duration, !(d > 0) { throw ValidationError("--duration must be a positive number of seconds") }
            if let c = count, c < 1 { throw ValidationError("-c must be at least 1") }
            if buffer < 1 || buffer > 4096 { throw ValidationError("--buffer must be between 1 and 4096 MB") }
        } else {
            if arguments.isEmpty { throw ValidationError("give a capture file, or --live") }
            if arguments.count > 1 { throw ValidationError("follow reads one capture file (filter words are for --live)") }
            if interface != nil || duration != nil || count != nil { throw ValidationError("-i, --duration and -c are for --live") }
        }
    }

    func run() throws {
        if live {
            try FollowLive(interface: interface ?? "lo", filter: arguments, stream: stream, duration: duration,
                           count: count, bufferMegabytes: buffer, framing: framing).run()
            return
        }
        let file = arguments[0], stream = self.stream ?? 0
        let input = try CaptureInput(file: file, filter: [], outputAtEnd: true)
        defer { input.close() }
        let read = TCPConversation.read(input, stream: stream, inspector: try framing.inspector())
        let failure = read.failure
        guard let conversation = read.conversation else {
            Terminal.error("no TCP stream \(stream) in \(file) (streams are numbered from 0 in order of their first frame; see `framescope messages`)")
            throw ExitCode(2)
        }
        let (summary, messages, segments) = (conversation.summary, conversation.messages, conversation.segments)
        let (client, server) = (conversation.client, conversation.server)
        let out = ByteSink()
        Ladder.streamLine(stream: stream, endpoints: summary.endpoints, format: messages.first?.format ?? summary.format ?? "?", into: out)
        if let g = summary.guess { out.write(" guessed: \(g.evidence)") }
        out.write("\n")
        for m in messages { Ladder.messageLine(m, into: out) }
        if ladder {
            out.write("\n")
            Ladder.text(client: "client " + client, server: "server " + server, segments: segments, messages: messages, into: out)
        }
        _ = out.withBytes { Terminal.writeAll(fd: 1, $0) }
        if let path = svg {
            let doc = Ladder.svg(title: "framescope: stream \(stream) of \(file)", client: client, server: server,
                                 segments: segments, messages: messages)
            if !writeFile(path, doc) {
                Terminal.error("cannot write \(path)")
                throw ExitCode(2)
            }
        }
        if let f = failure {
            Terminal.error(f.description)
            throw ExitCode(1)
        }
    }
}
