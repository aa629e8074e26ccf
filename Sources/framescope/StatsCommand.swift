import ArgumentParser
import Capture
import Framing
import Inspect
import Render
import Streams
import Wire
#if canImport(Glibc)
import Glibc
#endif

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Protocol hierarchy, conversations, and message counts (sticky, split, malformed).",
        discussion: """
        Example:
          framescope stats captures/sticky.pcap
        """
    )

    @Argument(help: ArgumentHelp("Capture file to read; - reads standard input.", valueName: "file"))
    var file: String

    @Argument(help: ArgumentHelp("BPF filter expression (several words are joined).", valueName: "filter"))
    var filter: [String] = []

    @OptionGroup var framing: FramingOptions

    func run() throws {
        // `| head` closing the pipe ends the output quietly (status 0), not with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let input = try CaptureInput(file: file, filter: filter, outputAtEnd: true)
        defer { input.close() }
        let inspector = try framing.inspector()
        guard let stage = inspector.messages else { return }
        var tables = StatsTables()
        let (messages, failure) = input.inspectAll(inspector) { raw, session, frame in
            tables.add(length: raw.len, timestamp: raw.timestamp, session: session, frame: frame)
        }
        let out = ByteSink()
        let backwards = tables.render(summaries: stage.summaries, messages: messages, into: out)
        _ = out.withBytes { Terminal.writeAll(fd: 1, $0) }
        if let warning = StatsTables.backwardsWarning(backwards) { Terminal.error(warning) }
        if let f = failure {
            Terminal.error(f.description)
            throw ExitCode(1)
        }
    }
}
