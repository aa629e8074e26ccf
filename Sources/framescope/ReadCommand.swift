import ArgumentParser
import Capture
import Wire
#if canImport(Glibc)
import Glibc
#endif

struct ReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Decode a pcap or pcapng file (or - for standard input).",
        discussion: """
        Reads classic pcap (µs or ns, either byte order) and pcapng (several interfaces, even of \
        different link types) in constant memory. A filter is a BPF expression, as for tcpdump \
        (man 7 pcap-filter). A damaged file is decoded up to the damage, then the reason is given \
        and the exit status is 1.

        Examples:
          framescope read captures/tcp-chat-ipv4.pcap
          framescope read captures/tcp-chat-ipv4.pcap 'tcp port 9000' -V
          tcpdump -i lo -w - | framescope read - --json
        """
    )

    @Argument(help: ArgumentHelp("Capture file to read; - reads standard input.", valueName: "file"))
    var file: String

    @Argument(help: ArgumentHelp("BPF filter expression (several words are joined).", valueName: "filter"))
    var filter: [String] = []

    @OptionGroup var output: OutputOptions

    func run() throws {
        // `| head` closing the pipe ends the output quietly (status 0), not with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let input = try CaptureInput(file: file, filter: filter)
        defer { input.close() }
        let printer = FramePrinter(output)
        var shown = 0
        var failure: PcapError? = nil
        let limit = output.count ?? .max  // read once: an @OptionGroup getter is not free per frame
        while shown < limit, !printer.outputClosed {
            // The frame is read where the reader keeps it (not copied out through the input).
            do {
                guard try input.advance() else { break }
            } catch {
                failure = error
                break
            }
            // Frame numbers are positions in the file, as in tshark and Wireshark, filter or not.
            shown += 1
            printer.handle(input.reader.frame.pointee, number: input.frameNumber)
        }
        printer.finish()
        if let e = failure {
            Terminal.error(e.description)
            if case .badFilter = e { throw ExitCode(2) }
            throw ExitCode(1)
        }
    }
}
