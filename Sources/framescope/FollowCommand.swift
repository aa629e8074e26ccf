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

        Examples:
          framescope follow captures/sticky.pcap --stream 0 --ladder
          framescope follow captures/split.pcap --stream 0 --svg split.svg
        """
    )

    @Argument(help: ArgumentHelp("Capture file to read; - reads standard input.", valueName: "file"))
    var file: String

    @Option(help: "The TCP stream to follow (see `framescope messages`).")
    var stream: Int = 0

    @OptionGroup var framing: FramingOptions

    @Flag(help: "Draw the ladder (sequence) diagram of the stream's segments in the terminal.")
    var ladder = false

    @Option(help: ArgumentHelp("Write the ladder diagram as an SVG picture to this file.", valueName: "file"))
    var svg: String?

    func run() throws {
        let input = try CaptureInput(file: file, filter: [], outputAtEnd: true)
        defer { input.close() }
        let read = TCPConversation.read(input, stream: stream, inspector: try framing.inspector())
        let failure = read.failure
        guard let conversation = read.conversation else {
            Terminal.error("no TCP stream \(stream) in \(file) (streams are numbered from 0 in order of their first frame; see `framescope messages`)")
            throw ExitCode(2)
        }
        let (summary, messages, segments) = (conversation.summary, conversation.messages, conversation.segments)
        let e = summary.endpoints
        let client = endpoint(e.client, e.clientPort), server = endpoint(e.server, e.serverPort)
        let out = ByteSink()
        let format = messages.first?.format ?? summary.format ?? "?"
        out.write("stream \(stream): client \(client) ⇄ server \(server) (\(e.roleReason)); framing \(format)")
        if let g = summary.guess { out.write(" guessed: \(g.evidence)") }
        out.write("\n")
        for m in messages {
            out.write(m.direction == .clientToServer ? "→ " : "← ")
            out.write("#\(m.message.index) ")
            out.write(MessageLines.quoted(m.message.body, limit: 200))
            out.write("   frames \(m.frames.map(String.init).joined(separator: ","))")
            if !m.message.problems.isEmpty { out.write(" [" + m.message.problems.map(\.rawValue).joined(separator: ", ") + "]") }
            out.write("\n")
        }
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

    func endpoint(_ a: IPAddress, _ p: UInt16) -> String { TCPConversation.endpoint(a, p) }
}

/// One TCP stream of a capture, read for `follow` and for the fuzz report's ladder: its
/// segments (for the ladder), its messages in order, and the stream's summary.
struct TCPConversation {
    var summary: StreamSummary
    var messages: [ChatMessage]
    var segments: [LadderSegment]

    var client: String { Self.endpoint(summary.endpoints.client, summary.endpoints.clientPort) }
    var server: String { Self.endpoint(summary.endpoints.server, summary.endpoints.serverPort) }

    static func endpoint(_ a: IPAddress, _ p: UInt16) -> String {
        if case .v6 = a { return "[\(a)]:\(p)" }
        return "\(a):\(p)"
    }

    /// Reads `input` to its end (or to a damaged record: `failure`) and keeps stream `stream`;
    /// nil when the capture has no such stream.
    static func read(_ input: CaptureInput, stream: Int, inspector: Inspector) -> (conversation: TCPConversation?, failure: PcapError?) {
        guard let stage = inspector.messages else { return (nil, nil) }
        var segments: [LadderSegment] = []
        var (messages, failure) = input.inspectAll(inspector, keep: { $0.transport == .tcp && $0.stream == stream }) { raw, session, frame in
            if let s = session, s.stream == stream, case .tcp(let h)? = frame.layers.first(where: { $0.proto == .tcp })?.header {
                segments.append(LadderSegment(frame: input.frameNumber, timestamp: raw.timestamp, direction: s.direction,
                                              offset: UInt64(s.relativeSequence &- 1), length: h.payloadLength,
                                              flags: h.flags, analysis: s.analysis))
            }
        }
        guard let summary = stage.summaries.first(where: { $0.stream == stream && $0.transport == .tcp }) else { return (nil, failure) }
        messages.sort { ($0.frames.first ?? 0, $0.message.index) < ($1.frames.first ?? 0, $1.message.index) }
        return (TCPConversation(summary: summary, messages: messages, segments: segments), failure)
    }
}

#if canImport(Glibc)
import Glibc
#endif

func writeFile(_ path: String, _ text: String) -> Bool {
    guard let f = fopen(path, "w") else { return false }
    defer { fclose(f) }
    let bytes = Array(text.utf8)
    return fwrite(bytes, 1, bytes.count, f) == bytes.count
}
